"""Domain functions of notifications.

An act (a cheer, a comment, a signature …) notifies the members it concerns: never the
member who acted, and never about a goal or contract the member may not see. A reminder
of something that falls due is made once for each member and ``key`` (the thing and the
day it falls due): the database's unique index keeps it so, even when two reminder runs
meet. Each new notification tells the member's open pages once the transaction commits.
"""

from datetime import date, datetime

from sqlalchemy import delete, update

from goalmap import broadcast
from goalmap.database import once
from goalmap.extensions import db
from goalmap.models import (
    NOTIFICATION_KINDS,
    Contract,
    FlexEntry,
    Goal,
    Notification,
    Partnership,
    Quarter,
    User,
    utcnow,
)
from goalmap.notifications import queries


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
