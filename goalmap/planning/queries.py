"""What the session's steps read: a quarter's goals, their comments and history."""

from sqlalchemy import func, or_, select

from goalmap.extensions import db
from goalmap.models import (
    Allocation,
    Goal,
    GoalComment,
    GoalEvent,
    PlanningSeat,
    Quarter,
    User,
)
from goalmap.scoping import countable_goals, scoped


def goals(quarter: Quarter, user: User, *where) -> list[Goal]:
    """The quarter's goals the member may read, by owner."""
    stmt = scoped(Goal, user=user).where(Goal.quarter_id == quarter.id, *where)
    return db.session.scalars(stmt.order_by(Goal.owner_id, Goal.created_at, Goal.id)).all()


def comments(goals: list[Goal], user: User) -> dict[int, list[GoalComment]]:
    """The comments on ``goals``, oldest first, by goal id."""
    rows = db.session.scalars(
        scoped(GoalComment, user=user)
        .where(GoalComment.goal_id.in_([g.id for g in goals]))
        .order_by(GoalComment.created_at)
    )
    found: dict[int, list[GoalComment]] = {}
    for comment in rows:
        found.setdefault(comment.goal_id, []).append(comment)
    return found


def current_notes(goals: list[Goal], user: User) -> dict[int, list[Allocation]]:
    """Every partner's current note on ``goals`` (goals the member may read, from
    ``goals()``: a partner's private goal is not among them, so neither is its note),
    by goal id."""
    rows = db.session.scalars(
        scoped(Allocation, user=user)
        .where(Allocation.goal_id.in_([g.id for g in goals]), Allocation.replaced_at.is_(None))
        .order_by(Allocation.created_at)
    )
    found: dict[int, list[Allocation]] = {}
    for note in rows:
        found.setdefault(note.goal_id, []).append(note)
    return found


def events(quarter: Quarter, user: User) -> list[GoalEvent]:
    """What the look back decided for the goals of ``quarter``, in order."""
    return db.session.scalars(
        scoped(GoalEvent, user=user)
        .where(GoalEvent.quarter_id == quarter.id)
        .order_by(GoalEvent.created_at)
    ).all()


def goal_counts(quarter: Quarter, user: User) -> dict[int | None, int]:
    """How many goals each member (None: the shared lanes) has in ``quarter``."""
    return dict(
        db.session.execute(
            select(Goal.owner_id, func.count())
            .where(*countable_goals(user), Goal.quarter_id == quarter.id)
            .group_by(Goal.owner_id)
        ).all()
    )


def seats(quarter: Quarter) -> dict[int, PlanningSeat]:
    """The members' kept places in the session, by member id."""
    rows = db.session.scalars(select(PlanningSeat).where(PlanningSeat.quarter_id == quarter.id))
    return {seat.user_id: seat for seat in rows}


def started(quarter: Quarter, user: User) -> bool:
    """Whether the quarter's session has begun, as far as ``user`` can tell: someone took a
    seat in it (ready or agreed), a goal stands in it that the member may count (the
    partner's drafts do not exist for them yet), or the look back decided about a goal of
    the quarter before since this one was opened."""
    seat = scoped(PlanningSeat, user=user).where(PlanningSeat.quarter_id == quarter.id)
    goal = select(Goal.id).where(*countable_goals(user), Goal.quarter_id == quarter.id)
    signs = [seat.exists(), goal.exists()]
    if quarter.previous_id is not None:
        decided = scoped(GoalEvent, user=user).where(
            GoalEvent.quarter_id == quarter.previous_id,
            GoalEvent.kind.in_(("done", "dropped", "carried_over")),
            GoalEvent.created_at >= quarter.created_at,
        )
        signs.append(decided.exists())
    return bool(db.session.scalar(select(or_(*signs))))
