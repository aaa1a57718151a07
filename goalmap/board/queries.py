"""The board's statements, and the board as one read model.

The board is the page people open most: its statements are built once, for any member
(``scoping.VIEWER``), and run with the member's values (``scoping.viewer``).
"""

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import Integer, bindparam, func, select

from goalmap.contracts import queries as contracts
from goalmap.extensions import db
from goalmap.models import Goal, Lane, Quarter, Stage, User
from goalmap.resources.service import Load, shown_loads
from goalmap.scoping import VIEWER, board_goals, countable_goals, hidden_goal_count, scoped, viewer

# What a goal on the board shows; board_goals adds is_hidden and masks a partner's
# private goals.
GOAL_COLUMNS = (
    Goal.id,
    Goal.lane_id,
    Goal.stage_id,
    Goal.position,
    Goal.owner_id,
    Goal.title,
    Goal.notes,
    Goal.starts_on,
    Goal.target_on,
    Goal.status,
    Goal.is_private,
    Goal.is_draft,
    Goal.carried_over,
    Goal.comment_count,
    Goal.milestones_total,
    Goal.milestones_done,
    Goal.version,  # the card's one-tap Done is a versioned write
)

QUARTERS = scoped(Quarter, user=VIEWER).order_by(Quarter.starts_on.desc())
LANES = scoped(Lane, user=VIEWER).order_by(Lane.position)
STAGES = scoped(Stage, user=VIEWER).order_by(Stage.position)
GOALS = board_goals(bindparam("quarter_id", type_=Integer), GOAL_COLUMNS, user=VIEWER)
LANE_COUNTS = (
    select(Goal.lane_id, func.count())
    .where(*countable_goals(VIEWER), Goal.quarter_id == bindparam("quarter_id", type_=Integer))
    .group_by(Goal.lane_id)
)


def quarters(user: User) -> list[Quarter]:
    """Every quarter of the member's partnership, newest first."""
    return db.session.scalars(QUARTERS, viewer(user)).all()


def lanes(user: User) -> list[Lane]:
    """The board's lanes, top to bottom."""
    return db.session.scalars(LANES, viewer(user)).all()


def stages(user: User) -> list[Stage]:
    """The board's stages (columns), left to right."""
    return db.session.scalars(STAGES, viewer(user)).all()


def shared_lanes(user: User) -> list[Lane]:
    return [lane for lane in lanes(user) if lane.is_shared]


def own_lane(user: User) -> Lane | None:
    return next((lane for lane in lanes(user) if lane.owner_id == user.id), None)


def current_quarter(user: User) -> Quarter | None:
    """The quarter to open by default: the active one, else the newest."""
    rows = quarters(user)
    return next((q for q in rows if q.state == "active"), rows[0] if rows else None)


def quarter_named(user: User, name: str) -> Quarter | None:
    return db.session.scalar(scoped(Quarter, user=user).where(Quarter.name == name))


def hidden_count(quarter: Quarter, user: User, statuses=None) -> int:
    """How many of the other members' private goals ``quarter`` holds (of ``statuses``):
    what the look back and the timeline say they leave out."""
    return hidden_goal_count(quarter.id, user, statuses)


def lane_counts(quarter_id: int, user: User) -> dict[int, int]:
    """How many goals each lane of a quarter holds on the member's board."""
    return dict(db.session.execute(LANE_COUNTS, viewer(user, quarter_id=quarter_id)).all())


@dataclass
class Board:
    quarter: Quarter
    lanes: list[Lane]
    stages: list[Stage]
    cells: dict = field(default_factory=lambda: defaultdict(list))
    loads: list[Load] = field(default_factory=list)
    contracts_due: list = field(default_factory=list)  # (contract, day) pairs

    @classmethod
    def load(cls, quarter: Quarter, user: User) -> "Board":
        """Everything the board shows, in a fixed number of queries whatever its size."""
        board = cls(quarter=quarter, lanes=lanes(user), stages=stages(user))
        # Plain rows, not ORM objects: the board only reads columns, and rows load ~8x faster.
        for goal in db.session.execute(GOALS, viewer(user, quarter_id=quarter.id)):
            board.cells[goal.lane_id, goal.stage_id].append(goal)
        board.loads = shown_loads(quarter, user)
        board.contracts_due = contracts.due(user)
        return board

    @property
    def check_in_goals(self) -> frozenset[int]:
        """The goals whose contract waits for a check-in: their cards say so."""
        return frozenset(contract.goal_id for contract, _day in self.contracts_due)

    def cell(self, lane: Lane, stage: Stage) -> list:
        return self.cells.get((lane.id, stage.id), [])

    def lane_count(self, lane: Lane) -> int:
        return sum(len(self.cell(lane, stage)) for stage in self.stages)

    def stage_count(self, stage: Stage) -> int:
        """How many goals a column holds across every lane."""
        return sum(len(self.cell(lane, stage)) for lane in self.lanes)

    def opening_stage(self, wanted: int | None = None) -> Stage | None:
        """The column a phone shows first: the one asked for (``?stage=``), else the
        first that holds a goal, else the first."""
        chosen = next((stage for stage in self.stages if stage.id == wanted), None)
        if chosen is None:
            chosen = next((stage for stage in self.stages if self.stage_count(stage)), None)
        return chosen or (self.stages[0] if self.stages else None)
