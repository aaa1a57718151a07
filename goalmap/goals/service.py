"""Domain functions for goals; the rules of a goal's own changes are on the model."""

from goalmap.extensions import db
from goalmap.models import Goal, GoalComment, User


def places(goal: Goal, lane_id: int, stage_id: int, others: list) -> list[tuple[int, str, bool]]:
    """Where ``goal`` can go in a cell whose other goals are ``others`` (title and
    position, top to bottom), as (index, label, chosen): at the top, or after each of
    them. Chosen: where it is now, or the bottom of another cell."""
    here = (lane_id, stage_id) == (goal.lane_id, goal.stage_id)
    chosen = sum(1 for other in others if other.position < goal.position) if here else len(others)
    labels = ["At the top", *(f"After “{other.title}”" for other in others)]
    return [
        (
            index,
            f"{label} (where it is now)" if here and index == chosen else label,
            index == chosen,
        )
        for index, label in enumerate(labels)
    ]


def comment(goal: Goal, author: User, body: str) -> GoalComment:
    """A supportive word on ``goal`` (comments never change the goal itself)."""
    comment = GoalComment(
        partnership_id=goal.partnership_id, goal_id=goal.id, author_id=author.id, body=body
    )
    db.session.add(comment)
    return comment
