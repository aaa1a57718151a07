"""What comes in (forms that carry nothing but their CSRF token: open one notification,
or read them all; what a member chooses to get by mail) and what each notification
says, drawn when it is shown from its kind, who acted and, for a goal, the title the
member may read now, and where it leads."""

from wtforms import BooleanField

from goalmap.fields import Form
from goalmap.models import MAIL_CHOICES, Notification, User
from goalmap.notifications import queries

# What each kind says; {actor} is who acted, {goal} the goal it is about.
WORDS = {
    "cheered": "{actor} cheered {goal}",
    "commented": "{actor} commented on {goal}",
    "flex_proposed": "{actor} proposed a change in the flexibility log",
    "flex_acknowledged": "{actor} acknowledged your entry in the flexibility log",
    "contract_signed": "{actor} signed your development contract",
    # Only a contract's owner renegotiates: this goes to its witness.
    "contract_renegotiated": "{actor} proposed new terms for their development contract",
    "encouraged": "{actor} encouraged your check-in",
    "session_waiting": "{actor} is ready and waiting for you in the goal-mapping session",
    "check_in_due": "A check-in on your contract is due",
    "look_again_due": "A look-again date has come",
    "weekly_due": "This week's check-in is waiting for your answers",
}


class OpenForm(Form):
    """Open a notification: it is marked read, and the member goes to what it is about."""


class ReadAllForm(Form):
    """Mark every notification read."""


def _choice(name: str) -> BooleanField:
    return BooleanField(MAIL_CHOICES[name][0].upper() + MAIL_CHOICES[name][1:])


class MailForm(Form):
    """What a member chooses to get by mail: each is off until chosen."""

    digest = _choice("digest")
    check_in_due = _choice("check_in_due")
    weekly_due = _choice("weekly_due")
    look_again_due = _choice("look_again_due")
    session_waiting = _choice("session_waiting")

    def choices(self) -> dict[str, bool]:
        return {name: bool(self[name].data) for name in MAIL_CHOICES}


class UnsubscribeForm(Form):
    """Stop one kind of mail, from the link in it. The link's token is the proof: a mail
    program's one-click unsubscribe (RFC 8058) posts without a form, so no CSRF token."""

    class Meta:
        csrf = False


def described(notifications: list[Notification], user: User) -> list[tuple[Notification, str]]:
    """Each notification with what it says to ``user``. The goals' titles come from one
    query through the scoped path: a goal the member may no longer see goes unnamed."""
    titles = queries.goal_titles(user, [note.goal_id for note in notifications])
    return [(note, say(note, titles, user)) for note in notifications]


def say(note: Notification, titles: dict, user: User) -> str:
    """What ``note`` says to ``user``; ``titles``: see ``queries.goal_titles``."""
    actor = note.actor.display_name if note.actor else "Your partner"
    return WORDS[note.kind].format(actor=actor, goal=_goal(titles.get(note.goal_id), user))


def about(note: Notification) -> tuple[str, dict]:
    """Where ``note`` leads: the endpoint of what it is about, and its values."""
    if note.goal_id is not None:
        return "goals.story", {"goal_id": note.goal_id}
    if note.entry_id is not None:
        anchor = {"_anchor": "follow-up"} if note.kind == "look_again_due" else {}
        return "flexibility.show", {"entry_id": note.entry_id, **anchor}
    if note.contract_id is not None:
        return "contracts.show", {"contract_id": note.contract_id}
    if note.quarter_id is not None:
        return "planning.start", {"quarter_id": note.quarter_id}
    if note.kind == "weekly_due":
        return "weekly.week", {}
    return "notifications.index", {}


def _goal(seen: tuple[str, int | None] | None, user: User) -> str:
    if seen is None:
        return "a goal"
    title, owner_id = seen
    if owner_id == user.id:
        return f"your goal ‘{title}’"
    if owner_id is None:
        return f"your shared goal ‘{title}’"
    return f"‘{title}’"
