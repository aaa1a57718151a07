"""Domain functions of notifications.

An act (a cheer, a comment, a signature …) notifies the members it concerns: never the
member who acted, and never about a goal or contract the member may not see. A reminder
of something that falls due is made once for each member and ``key`` (the thing and the
day it falls due): the database's unique index keeps it so, even when two reminder runs
meet. Each new notification tells the member's open pages once the transaction commits.

By mail, a member gets what they chose (``choose``; all off until chosen): a notification
of a chosen kind as it is made, queued in the same transaction (a change rolled back
mails nobody), and a weekly digest of what they have not read. A mail says no more than
the bell: its words are drawn the same way, and every one carries a link to stop it.
"""

from datetime import date, datetime, timedelta

from flask import current_app
from itsdangerous import BadData, URLSafeSerializer
from sqlalchemy import delete, update

from goalmap import broadcast, outbox
from goalmap.database import insert_new, once
from goalmap.extensions import db
from goalmap.models import (
    MAIL_CHOICES,
    MAX_INTEGER,
    NOTIFICATION_KINDS,
    Contract,
    FlexEntry,
    Goal,
    MailPreference,
    Notification,
    Partnership,
    Quarter,
    User,
    utcnow,
)
from goalmap.notifications import queries
from goalmap.notifications.forms import WORDS, about, described


def concerned(goal: Goal, members: list[User]) -> list[User]:
    """Whom news of ``goal`` concerns among ``members``: its owner, or every member for a
    shared goal (``notify`` leaves out whoever acted)."""
    return [member for member in members if goal.owner_id in (None, member.id)]


def may_see_goal(goal: Goal, member: User) -> bool:
    """As ``scoping`` has it: the member's own goal, or another's that is neither private
    nor a draft."""
    return goal.owner_id == member.id or not (goal.is_private or goal.is_draft)


def may_see_contract(contract: Contract, member: User) -> bool:
    """As ``scoping`` has it: the member's own contract, or one its owner showed, or one
    on a goal that is not private."""
    return (
        contract.owner_id == member.id or contract.shown_to_partner or not contract.goal.is_private
    )


def notify(
    kind: str,
    recipients: list[User | None],
    actor: User,
    *,
    goal: Goal | None = None,
    entry: FlexEntry | None = None,
    contract: Contract | None = None,
    quarter: Quarter | None = None,
) -> list[Notification]:
    """``actor`` did ``kind`` to the subject (a goal, a flexibility entry, a contract or
    a quarter's session): one notification for each of ``recipients`` but the actor, in
    the subject's partnership, about a subject they may see."""
    if NOTIFICATION_KINDS.get(kind) != "act":
        raise ValueError(f"{kind!r} is not something a member does")
    subject = _subject(goal=goal, entry=entry, contract=contract, quarter=quarter)
    made = []
    # Once each, and nobody for a member who is gone (an entry's raiser who left).
    members = {recipient.id: recipient for recipient in recipients if recipient is not None}
    for member in members.values():
        partnership_id = subject.partnership_id if subject is not None else member.partnership_id
        if member.id == actor.id or member.partnership_id != partnership_id:
            continue
        if goal is not None and not may_see_goal(goal, member):
            continue
        if contract is not None and not may_see_contract(contract, member):
            continue
        note = _new(member, kind, actor_id=actor.id, **_ids(goal, entry, contract, quarter))
        db.session.add(note)
        broadcast.tell_after_commit(partnership_id, member.id)
        _mail_if_chosen(member, note, actor)
        made.append(note)
    return made


def remind(
    member: User,
    kind: str,
    key: str,
    due_on: date,
    *,
    goal: Goal | None = None,
    entry: FlexEntry | None = None,
    contract: Contract | None = None,
    quarter: Quarter | None = None,
) -> bool:
    """Remind ``member`` that ``kind`` falls due on ``due_on``, once for each ``key``;
    False when they were reminded of it already (a moment ago, perhaps by another run)."""
    if NOTIFICATION_KINDS.get(kind) != "due":
        raise ValueError(f"{kind!r} is not something that falls due")
    subject = _subject(goal=goal, entry=entry, contract=contract, quarter=quarter)
    if subject is not None and subject.partnership_id != member.partnership_id:
        raise ValueError("A reminder is about something of the member's own partnership")
    note = _new(member, kind, key=key, due_on=due_on, **_ids(goal, entry, contract, quarter))
    if not once(lambda: db.session.add(note)):
        return False
    broadcast.tell_after_commit(member.partnership_id, member.id)
    _mail_if_chosen(member, note)
    return True


def remind_due(member: User, due) -> int:
    """Remind ``member`` of what falls due: ``due`` holds (kind, key, due_on, subject)
    tuples, subject a dict of ``remind``'s keywords. How many reminders were new."""
    known = queries.reminded(member, [key for _kind, key, _day, _subject in due])
    return sum(
        remind(member, kind, key, day, **subject)
        for kind, key, day, subject in due
        if key not in known
    )


def mark_read(member: User, notification: Notification) -> bool:
    """``member`` has read ``notification`` (theirs); False when it was read already."""
    return _mark_read(member, Notification.id == notification.id) == 1


def mark_all_read(member: User) -> int:
    """``member`` has read every notification of theirs; how many were unread."""
    return _mark_read(member, Notification.partnership_id == member.partnership_id)


def _mark_read(member: User, *where) -> int:
    """Mark the member's unread notifications matching ``where`` read, guarded by
    ``read_at IS NULL`` (a second click at once reads nothing twice); how many."""
    read = db.session.execute(
        update(Notification)
        .where(Notification.user_id == member.id, Notification.read_at.is_(None), *where)
        .values(read_at=utcnow()),
        execution_options={"synchronize_session": False},
    ).rowcount
    if read:
        _read_by(member)
    return read


def prune(now: datetime) -> int:
    """Forget notifications older than KEPT_DAYS days; how many there were."""
    return db.session.execute(
        delete(Notification).where(Notification.created_at < queries.kept_since(now)),
        execution_options={"synchronize_session": False},
    ).rowcount


def _new(member: User, kind: str, **fields) -> Notification:
    return Notification(
        partnership_id=member.partnership_id, user_id=member.id, kind=kind, **fields
    )


def _read_by(member: User) -> None:
    # Every page shows the bell's count, and a board answers "not modified" while its
    # partnership is untouched: reading moves it on, so no page shows the old count.
    Partnership.touch(member.partnership_id)
    broadcast.tell_after_commit(member.partnership_id, member.id)


def _subject(**subjects):
    return next((record for record in subjects.values() if record is not None), None)


def _ids(goal, entry, contract, quarter) -> dict:
    return {
        "goal_id": goal.id if goal else None,
        "entry_id": entry.id if entry else None,
        "contract_id": contract.id if contract else None,
        "quarter_id": quarter.id if quarter else None,
    }


# -- by mail ------------------------------------------------------------------------


def choose(member: User, choices: dict[str, bool]) -> None:
    """Save what ``member`` chose to get by mail (keys of MAIL_CHOICES): the whole set,
    so two saves at once leave one of them, whole."""
    now = utcnow()
    nothing = dict.fromkeys(MAIL_CHOICES, False)
    insert_new(
        MailPreference.__table__, {"user_id": member.id, **nothing, "updated_at": now}, ["user_id"]
    )
    db.session.execute(
        update(MailPreference)
        .where(MailPreference.user_id == member.id)
        .values(**{**nothing, **choices}, updated_at=now),
        execution_options={"synchronize_session": False},
    )


def stop(member: User, choice: str) -> bool:
    """``member`` gets no more mail of ``choice`` (from an unsubscribe link); False when
    they got none already."""
    column = getattr(MailPreference, choice)
    return (
        db.session.execute(
            update(MailPreference)
            .where(MailPreference.user_id == member.id, column.is_(True))
            .values({choice: False, "updated_at": utcnow()}),
            execution_options={"synchronize_session": False},
        ).rowcount
        == 1
    )


def _signer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="goalmap.unsubscribe")


def _joined(member: User) -> int:
    # An account made later under the same id (SQLite may reuse the last one) is not
    # the one a link was made for.
    return int((member.created_at - datetime(1970, 1, 1)).total_seconds())


def unsubscribe_token(member: User, choice: str) -> str:
    """What a link that stops ``choice`` for ``member`` carries, signed with the app's
    secret: it works without signing in, for as long as the account lives."""
    return _signer().dumps([member.id, choice, _joined(member)])


def unsubscribe_link(member: User, choice: str) -> str:
    return outbox.link("notifications.unsubscribe", token=unsubscribe_token(member, choice))


def unsubscriber(token: str) -> tuple[User, str] | None:
    """The member and choice of an unsubscribe link's token; None for a token this
    server did not sign, or whose account is gone."""
    try:
        user_id, choice, joined = _signer().loads(token)
    except (BadData, TypeError, ValueError):
        return None
    if not isinstance(user_id, int) or not 0 < user_id <= MAX_INTEGER or choice not in MAIL_CHOICES:
        return None
    member = queries.member(user_id)
    if member is None or _joined(member) != joined:
        return None
    return member, choice


def _mail_if_chosen(member: User, note: Notification, actor: User | None = None) -> bool:
    """Queue ``note`` by mail, if ``member`` chose its kind; its words are the bell's."""
    if note.kind not in MAIL_CHOICES or not outbox.enabled():
        return False
    if not MailPreference.wants(member.id, note.kind):
        return False
    db.session.flush()  # the note's id names the mail
    said = WORDS[note.kind].format(
        actor=actor.display_name if actor else "Your partner", goal="a goal"
    )
    endpoint, values = about(note)
    text = REMINDER_MAIL.format(
        name=member.display_name, said=said, link=outbox.link(endpoint, **values)
    )
    return _queue(member, f"notification:{note.id}", said, text, note.kind)


def digest(member: User, now: datetime) -> bool:
    """Queue ``member``'s weekly digest: what they have not read of the last seven days,
    as the bell says it to them now. Once a week, by their partnership's calendar; False
    when nothing is unread or this week's was queued already."""
    notes = queries.unread_since(member, now - timedelta(days=7))
    if not notes or not outbox.enabled():
        return False
    week = member.partnership.week_of()
    lines = []
    for note, said in described(notes, member):
        endpoint, values = about(note)
        lines.append(f"- {said}\n  {outbox.link(endpoint, **values)}")
    count = f"{len(notes)} unread notification{'s' if len(notes) > 1 else ''}"
    text = DIGEST_MAIL.format(
        name=member.display_name,
        count=count,
        lines="\n".join(lines),
        link=outbox.link("notifications.index"),
    )
    subject = f"Your week in Goalmap: {count}"
    return _queue(member, f"digest:{member.id}:{week.isoformat()}", subject, text, "digest")


def _queue(member: User, key: str, subject: str, text: str, choice: str) -> bool:
    stop_link = unsubscribe_link(member, choice)
    footer = MAIL_FOOTER.format(
        what=MAIL_CHOICES[choice],
        stop=stop_link,
        settings=outbox.link("partnership.settings", _anchor="email"),
    )
    return outbox.queue(
        key, member.email, subject, text + footer, user=member, unsubscribe_url=stop_link
    )


REMINDER_MAIL = """Hello {name},

{said}.

See it in Goalmap: {link}
"""

DIGEST_MAIL = """Hello {name},

Your week in Goalmap: {count}.

{lines}

All your notifications: {link}
"""

MAIL_FOOTER = """
--
You get this mail because you chose it in Goalmap’s Settings: “{what}”.
Stop these mails: {stop}
Choose what Goalmap mails you: {settings}
"""
