"""What comes in (forms that carry nothing but their CSRF token: open one notification,
or read them all) and what each notification says, drawn when it is shown from its kind,
who acted and, for a goal, the title the member may read now."""

from goalmap.fields import Form
from goalmap.models import Notification, User
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


def described(notifications: list[Notification], user: User) -> list[tuple[Notification, str]]:
    """Each notification with what it says to ``user``. The goals' titles come from one
    query through the scoped path: a goal the member may no longer see goes unnamed."""
    titles = queries.goal_titles(user, [note.goal_id for note in notifications])
    return [(note, say(note, titles, user)) for note in notifications]


def say(note: Notification, titles: dict, user: User) -> str:
    """What ``note`` says to ``user``; ``titles``: see ``queries.goal_titles``."""
    actor = note.actor.display_name if note.actor else "Your partner"
    return WORDS[note.kind].format(actor=actor, goal=_goal(titles.get(note.goal_id), user))


def _goal(seen: tuple[str, int | None] | None, user: User) -> str:
    if seen is None:
        return "a goal"
    title, owner_id = seen
    if owner_id == user.id:
        return f"your goal ‘{title}’"
    if owner_id is None:
        return f"your shared goal ‘{title}’"
    return f"‘{title}’"
