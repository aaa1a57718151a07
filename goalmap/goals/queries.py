"""The goals of one cell, for the keyboard Move form's places."""

from goalmap.extensions import db
from goalmap.models import Goal, User
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
