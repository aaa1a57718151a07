"""The data model. Every table that holds partnership data has a ``partnership_id``
so that one scoped path (``goalmap.scoping``) can filter it."""

from goalmap.models.allocations import (
    ENERGY_LEVELS,
    MONEY_PERIODS,
    Allocation,
    Availability,
    per_quarter,
)
from goalmap.models.base import MAX_INTEGER, utcnow
from goalmap.models.people import (
    COLOURS,
    Invite,
    Partnership,
    User,
    UserSession,
    email_key,
    hash_token,
)
from goalmap.models.quarters import (
    CHOSEN_STATUSES,
    DEFAULT_SHARED_LANE,
    DEFAULT_STAGES,
    DONE_STAGE,
    GOAL_STATUSES,
    OPEN_STATUSES,
    PLANNED_STATUSES,
    QUARTER_STATES,
    Goal,
    Lane,
    Quarter,
    SharedValue,
    Stage,
    may_change,
    next_quarter,
)
from goalmap.models.seats import PlanningSeat
from goalmap.models.story import GoalComment, GoalEvent

__all__ = [
    "CHOSEN_STATUSES",
    "COLOURS",
    "DEFAULT_SHARED_LANE",
    "DEFAULT_STAGES",
    "DONE_STAGE",
    "ENERGY_LEVELS",
    "GOAL_STATUSES",
    "MAX_INTEGER",
    "MONEY_PERIODS",
    "OPEN_STATUSES",
    "PLANNED_STATUSES",
    "QUARTER_STATES",
    "Allocation",
    "Availability",
    "Goal",
    "GoalComment",
    "GoalEvent",
    "Invite",
    "Lane",
    "Partnership",
    "PlanningSeat",
    "Quarter",
    "SharedValue",
    "Stage",
    "User",
    "UserSession",
    "email_key",
    "hash_token",
    "may_change",
    "next_quarter",
    "per_quarter",
    "utcnow",
]
