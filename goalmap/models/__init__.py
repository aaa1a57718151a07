"""The data model. Every table that holds partnership data has a ``partnership_id``
so that one scoped path (``goalmap.scoping``) can filter it."""

from goalmap.models.board import (
    GOAL_STATUSES,
    QUARTER_STATES,
    Goal,
    Lane,
    Quarter,
    SharedValue,
    Stage,
)
from goalmap.models.people import Invite, Partnership, User, UserSession
from goalmap.models.resources import Allocation, Availability
from goalmap.models.session import GoalComment, GoalEvent, SessionMember

__all__ = [
    "GOAL_STATUSES",
    "QUARTER_STATES",
    "Allocation",
    "Availability",
    "Goal",
    "GoalComment",
    "GoalEvent",
    "Invite",
    "Lane",
    "Partnership",
    "Quarter",
    "SessionMember",
    "SharedValue",
    "Stage",
    "User",
    "UserSession",
]
