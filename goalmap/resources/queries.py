"""The statements of resources and balance: allocation notes, availability, quarters."""

from sqlalchemy import Integer, bindparam, select

from goalmap.extensions import db
from goalmap.models import Allocation, Availability, Goal, Quarter, User
from goalmap.scoping import VIEWER, countable_goals, readable_title, scoped


def counted_notes(user, statuses) -> tuple:
    """The one definition of the notes a quarter's numbers add up: each partner's current
    note on the goals the member may count, of ``statuses`` (OPEN_STATUSES: what is still
    on a partner's plate; PLANNED_STATUSES: what the quarter planned, for its balance)."""
    return (
        *countable_goals(user),
        Goal.status.in_(statuses),
        Allocation.replaced_at.is_(None),
    )


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
        *counted_notes(VIEWER, bindparam("statuses", expanding=True)),
        Goal.quarter_id == bindparam("quarter_id", type_=Integer),
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


def current_note(goal: Goal, user: User) -> Allocation | None:
    """``user``'s current note of what ``goal`` takes, if they gave one."""
    return db.session.scalar(
        scoped(Allocation, user=user).where(
            Allocation.goal_id == goal.id,
            Allocation.user_id == user.id,
            Allocation.replaced_at.is_(None),
        )
    )


def note_by_id(goal: Goal, user: User, note_id: int) -> Allocation | None:
    """One of ``user``'s notes on ``goal``, current or replaced (the one a form showed)."""
    return db.session.scalar(
        scoped(Allocation, user=user).where(
            Allocation.id == note_id, Allocation.goal_id == goal.id, Allocation.user_id == user.id
        )
    )


def availability_of(quarter: Quarter, user: User) -> Availability | None:
    """What ``user`` said they have in ``quarter``, if they said."""
    return db.session.scalar(
        scoped(Availability, user=user).where(
            Availability.quarter_id == quarter.id, Availability.user_id == user.id
        )
    )


def history_quarters(user: User, limit: int, until: Quarter | None = None) -> list[Quarter]:
    """The member's latest ``limit`` quarters (those up to ``until``), newest first."""
    stmt = scoped(Quarter, user=user)
    if until is not None:
        stmt = stmt.where(Quarter.starts_on <= until.starts_on)
    return db.session.scalars(stmt.order_by(Quarter.starts_on.desc()).limit(limit)).all()


def availability_before(quarter: Quarter, user: User) -> Availability | None:
    """What ``user`` said they had in the latest quarter before ``quarter``: where a new
    quarter's availability starts."""
    return db.session.scalar(
        scoped(Availability, user=user)
        .join(Quarter, Quarter.id == Availability.quarter_id)
        .where(Availability.user_id == user.id, Quarter.starts_on < quarter.starts_on)
        .order_by(Quarter.starts_on.desc())
        .limit(1)
    )
