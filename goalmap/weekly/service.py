"""Domain functions of the weekly check-in."""

import json

from goalmap.database import once
from goalmap.extensions import db
from goalmap.models import DEFAULT_PROMPTS, PromptVersion, User, WeeklyAnswer
from goalmap.weekly import queries


def prompts(user: User) -> tuple[int, list[str]]:
    """The couple's prompts: their version number (0: the default ones) and the prompts."""
    current = queries.current_prompts(user)
    return (current.number, current.prompts) if current else (0, list(DEFAULT_PROMPTS))


def save_prompts(user: User, lines: list[str], seen: int) -> bool:
    """Keep ``lines`` as the prompts' next version after ``seen``; False when the partner
    saved a version meanwhile (the number is unique)."""
    version = PromptVersion(
        partnership_id=user.partnership_id,
        number=seen + 1,
        prompts_text="\n".join(lines),
        created_by_id=user.id,
    )
    return once(lambda: db.session.add(version))


def answer(user: User, asked: list[str], replies: list[str], energy: int | None) -> bool:
    """``user``'s answers for this week, kept with the prompts as asked; False when they
    answered this week already (a second tab, a double click)."""
    row = WeeklyAnswer(
        partnership_id=user.partnership_id,
        user_id=user.id,
        week_of=user.partnership.week_of(),
        prompts_json=json.dumps(asked, ensure_ascii=False),
        answers_json=json.dumps(replies, ensure_ascii=False),
        energy=energy,
    )
    return once(lambda: db.session.add(row))


def due(user: User) -> bool:
    """Whether ``user`` has not answered this week yet."""
    return user.id not in queries.answered(user, user.partnership.week_of())


def everyone_answered(user: User) -> bool:
    """Whether every member has answered this week (so the answers are open to all)."""
    answered = queries.answered(user, user.partnership.week_of())
    return answered >= {member.id for member in user.partnership.members}
