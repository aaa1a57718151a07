"""The weekly check-in's statements. Answers are read through ``scoped``, which keeps a
partner's answers for a week in the database until the member has answered it too;
``answered`` says who answered a week without reading a word of it."""

from datetime import date

from sqlalchemy import Date, bindparam, select

from goalmap.extensions import db
from goalmap.models import PromptVersion, User, WeeklyAnswer
from goalmap.scoping import VIEWER, scoped, viewer


def current_prompts(user: User) -> PromptVersion | None:
    return db.session.scalar(
        scoped(PromptVersion, user=user).order_by(PromptVersion.number.desc()).limit(1)
    )


def prompt_versions(user: User) -> list[PromptVersion]:
    return db.session.scalars(
        scoped(PromptVersion, user=user).order_by(PromptVersion.number.desc())
    ).all()


def answered(user: User, week_of: date) -> set[int]:
    """Who in the partnership has answered the week (ids only, no content)."""
    return set(db.session.scalars(_ANSWERED, viewer(user, week_of=week_of)))


# Built once (see scoping.VIEWER): the board asks on every visit.
_ANSWERED = select(WeeklyAnswer.user_id).where(
    WeeklyAnswer.partnership_id == VIEWER.partnership_id,
    WeeklyAnswer.week_of == bindparam("week_of", type_=Date),
)


def answers(user: User, limit: int = 26) -> dict[date, list[WeeklyAnswer]]:
    """The answers the member may read, by week, newest week first."""
    rows = db.session.scalars(
        scoped(WeeklyAnswer, user=user).order_by(WeeklyAnswer.week_of.desc(), WeeklyAnswer.user_id)
    ).all()
    weeks: dict[date, list[WeeklyAnswer]] = {}
    for row in rows:
        if row.week_of in weeks or len(weeks) < limit:
            weeks.setdefault(row.week_of, []).append(row)
    return weeks
