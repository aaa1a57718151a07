"""The statements of milestones, through ``scoping.scoped``."""

from sqlalchemy import func, select

from goalmap.extensions import db
from goalmap.models import Goal, Milestone, User
from goalmap.scoping import scoped


def of_goal(goal: Goal, user: User) -> list[Milestone]:
    """``goal``'s milestones in their order (none of a partner's private goal)."""
    stmt = scoped(Milestone, user=user).where(Milestone.goal_id == goal.id)
    return db.session.scalars(stmt.order_by(Milestone.position, Milestone.id)).all()


def neighbour(milestone: Milestone, direction: str, user: User) -> Milestone | None:
    """The milestone just above (``up``) or below ``milestone`` on its goal."""
    stmt = scoped(Milestone, user=user).where(
        Milestone.goal_id == milestone.goal_id, Milestone.id != milestone.id
    )
    if direction == "up":
        stmt = stmt.where(Milestone.position <= milestone.position).order_by(
            Milestone.position.desc(), Milestone.id.desc()
        )
    else:
        stmt = stmt.where(Milestone.position >= milestone.position).order_by(
            Milestone.position, Milestone.id
        )
    return db.session.scalars(stmt.limit(1)).first()


def last_position(goal: Goal) -> int:
    """The position after the goal's last milestone, deleted ones included (an undo puts
    a milestone back where it was)."""
    stmt = select(func.max(Milestone.position)).where(Milestone.goal_id == goal.id)
    return (db.session.scalar(stmt) or 0) + 1
