"""The statements of resources and balance: allocation notes, availability, quarters."""

from sqlalchemy import Integer, bindparam, select

from goalmap.extensions import db
from goalmap.models import Allocation, Availability, Goal, Quarter, User
from goalmap.scoping import VIEWER, countable_goals, readable_title, scoped

OPEN = ("active", "paused")

# The board shows the loads on every visit: these are built once (see scoping.VIEWER).
ALLOCATED = (
    select(
        Allocation.user_id,
        Allocation.hours_per_week,
        Allocation.amount,
        Allocation.money_period,
        Allocation.energy,
        Goal.owner_id,
        readable_title(VIEWER),
    )
    .join(Goal, Goal.id == Allocation.goal_id)
    .where(
        *countable_goals(VIEWER),
        Goal.quarter_id == bindparam("quarter_id", type_=Integer),
        Goal.status.in_(OPEN),
        Allocation.replaced_at.is_(None),
    )
    .order_by(Allocation.hours_per_week.desc())
)
AVAILABLE = scoped(Availability, user=VIEWER).where(
    Availability.quarter_id == bindparam("quarter_id", type_=Integer)
)


def notes(goal: Goal, user: User) -> list[Allocation]:
    """Every allocation note on ``goal``, current and replaced, newest first."""
    return db.session.scalars(
        scoped(Allocation, user=user)
        .where(Allocation.goal_id == goal.id)
        .order_by(Allocation.created_at.desc())
    ).all()


def availability_of(quarter: Quarter, user: User) -> Availability | None:
    """What ``user`` said they have in ``quarter``, if they said."""
    return db.session.scalar(
        scoped(Availability, user=user).where(
            Availability.quarter_id == quarter.id, Availability.user_id == user.id
        )
    )


def history_quarters(user: User, limit: int) -> list[Quarter]:
    return db.session.scalars(
        scoped(Quarter, user=user).order_by(Quarter.starts_on.desc()).limit(limit)
    ).all()
