"""The goals of one cell (the keyboard Move form's places), and a goal's story."""

from goalmap.extensions import db
from goalmap.models import Allocation, Goal, GoalComment, GoalEvent, User
from goalmap.scoping import scoped


def cell_neighbours(goal: Goal, lane_id: int, stage_id: int, user: User) -> list:
    """The other goals of a cell of ``goal``'s quarter, top to bottom: (title, position).
    The cell is the member's own lane or a shared one, so they see all its goals."""
    return db.session.execute(
        scoped(Goal, user=user)
        .where(
            Goal.quarter_id == goal.quarter_id,
            Goal.lane_id == lane_id,
            Goal.stage_id == stage_id,
            Goal.id != goal.id,
        )
        .order_by(Goal.position)
        .with_only_columns(Goal.title, Goal.position)
    ).all()


def story_events(goal: Goal, user: User) -> list[GoalEvent]:
    """What happened to ``goal``, oldest first."""
    return _of_goal(GoalEvent, goal, user)


def story_comments(goal: Goal, user: User) -> list[GoalComment]:
    """The comments and cheers on ``goal``, oldest first."""
    return _of_goal(GoalComment, goal, user)


def _of_goal(model, goal: Goal, user: User) -> list:
    stmt = scoped(model, user=user).where(model.goal_id == goal.id)
    return db.session.scalars(stmt.order_by(model.created_at, model.id)).all()


def current_notes(goal: Goal, user: User) -> list[Allocation]:
    """Each partner's current note of what ``goal`` takes from them."""
    return db.session.scalars(
        scoped(Allocation, user=user)
        .where(Allocation.goal_id == goal.id, Allocation.replaced_at.is_(None))
        .order_by(Allocation.user_id)
    ).all()


def continuation(goal: Goal, user: User) -> Goal | None:
    """The goal that carries ``goal`` on in a later quarter, if the member may see it."""
    return db.session.scalar(scoped(Goal, user=user).where(Goal.carried_from_id == goal.id))


def carried_from(goal: Goal, user: User) -> Goal | None:
    """The goal ``goal`` carries on, if the member may see it."""
    if goal.carried_from_id is None:
        return None
    return db.session.scalar(scoped(Goal, user=user).where(Goal.id == goal.carried_from_id))
