"""The board: quarters, their lanes (swimlanes) and stages (columns), and goals."""

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    bindparam,
    select,
    update,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.orm.attributes import flag_modified

from goalmap.extensions import db
from goalmap.models.base import PartnershipRecord, unguessable_id, unique_where, utcnow
from goalmap.models.people import Partnership, User

QUARTER_STATES = ("planning", "active", "reviewed")
GOAL_STATUSES = ("active", "paused", "dropped", "done", "carried")
# What a member may set; "carried" is the look back's: the goal went on in the next quarter.
CHOSEN_STATUSES = ("active", "paused", "dropped", "done")
# Goals still on a member's plate: what a board's load counts.
OPEN_STATUSES = ("active", "paused")
# What a quarter planned: what its balance counts, while it runs and once it is reviewed.
PLANNED_STATUSES = ("active", "paused", "done", "carried")
DEFAULT_STAGES = ("Ideas", "This quarter", "In progress", "Done")
DONE_STAGE = "Done"  # the default board's done column
DEFAULT_SHARED_LANE = "Together"


def may_change(owner_id: int | None, user_id: int) -> bool:
    """Who may change a lane or a goal: a shared one (no owner) every member, a personal
    one its owner alone."""
    return owner_id is None or owner_id == user_id


def next_quarter(today: date) -> tuple[str, date, date]:
    """The calendar quarter after the one ``today`` is in."""
    index = (today.month - 1) // 3 + 1
    year, index = (today.year + 1, 0) if index == 4 else (today.year, index)
    starts = date(year, index * 3 + 1, 1)
    ends = date(year + 1, 1, 1) if index == 3 else date(year, index * 3 + 4, 1)
    return f"{year} Q{index + 1}", starts, date.fromordinal(ends.toordinal() - 1)


class Quarter(PartnershipRecord, db.Model):
    __tablename__ = "quarters"
    __table_args__ = (
        UniqueConstraint("partnership_id", "name"),
        CheckConstraint("ends_on > starts_on", name="ends_after_start"),
        CheckConstraint("state IN ('planning', 'active', 'reviewed')", name="state"),
    )

    name: Mapped[str] = mapped_column(String(40))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    state: Mapped[str] = mapped_column(String(12), default="planning")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The quarter this one was planned from, in a goal-mapping session.
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("quarters.id", ondelete="SET NULL"))
    # When every member pressed "ready" and the personal drafts were shown to all.
    revealed_at: Mapped[datetime | None]
    started_at: Mapped[datetime | None]

    partnership: Mapped[Partnership] = relationship()
    previous: Mapped["Quarter | None"] = relationship(remote_side="Quarter.id")

    @property
    def is_read_only(self) -> bool:
        return self.state == "reviewed"

    @property
    def is_drafting(self) -> bool:
        """Personal goals made now stay with their owner until everyone is ready."""
        return self.state == "planning" and self.revealed_at is None


class Lane(PartnershipRecord, db.Model):
    """A swimlane. Personal lanes have an owner; shared lanes have none."""

    __tablename__ = "lanes"
    __table_args__ = (UniqueConstraint("partnership_id", "owner_id"),)

    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(80))  # a personal lane: its member's name
    position: Mapped[int] = mapped_column(Integer)

    partnership: Mapped[Partnership] = relationship()
    owner: Mapped[User | None] = relationship(lazy="joined")

    @property
    def is_shared(self) -> bool:
        return self.owner_id is None

    @property
    def title(self) -> str:
        return self.owner.display_name if self.owner else self.name

    def editable_by(self, user: User) -> bool:
        return may_change(self.owner_id, user.id)


class Stage(PartnershipRecord, db.Model):
    """A column of the board: a stage a goal goes through. At most one is the done
    column: a goal there is done, and a done goal is there."""

    __tablename__ = "stages"
    __table_args__ = (unique_where("uq_stages_done", "partnership_id", where="is_done"),)

    name: Mapped[str] = mapped_column(String(40))
    position: Mapped[int] = mapped_column(Integer)
    is_done: Mapped[bool] = mapped_column(Boolean, default=False)

    partnership: Mapped[Partnership] = relationship()


class SharedValue(PartnershipRecord, db.Model):
    """Something the partnership cares about (adventure, learning, community…)."""

    __tablename__ = "shared_values"
    __table_args__ = (UniqueConstraint("partnership_id", "name"),)

    name: Mapped[str] = mapped_column(String(40))


class Goal(PartnershipRecord, db.Model):
    __tablename__ = "goals"
    __table_args__ = (
        CheckConstraint("length(title) BETWEEN 1 AND 200", name="title_length"),
        CheckConstraint(
            "target_on IS NULL OR starts_on IS NULL OR target_on >= starts_on",
            name="target_after_start",
        ),
        CheckConstraint(
            "status IN ('active', 'paused', 'dropped', 'done', 'carried')", name="status"
        ),
        CheckConstraint("position >= 0", name="position_not_negative"),
        CheckConstraint("NOT is_private OR owner_id IS NOT NULL", name="private_is_personal"),
        # Live goals hold distinct positions within their cell; deleted ones step aside.
        unique_where(
            "uq_goals_cell_position",
            "quarter_id",
            "lane_id",
            "stage_id",
            "position",
            where="deleted_at IS NULL",
        ),
    )

    # A partner sees these ids; a sequence would count the drafts between two of theirs.
    id: Mapped[int] = mapped_column(primary_key=True, default=unguessable_id)
    quarter_id: Mapped[int] = mapped_column(ForeignKey("quarters.id", ondelete="CASCADE"))
    lane_id: Mapped[int] = mapped_column(ForeignKey("lanes.id", ondelete="RESTRICT"))
    stage_id: Mapped[int] = mapped_column(ForeignKey("stages.id", ondelete="RESTRICT"))
    # The owner of a personal goal (its lane's owner); NULL for a shared goal.
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(200))
    notes: Mapped[str] = mapped_column(Text, default="")
    starts_on: Mapped[date | None]
    target_on: Mapped[date | None]
    status: Mapped[str] = mapped_column(String(12), default="active")
    is_private: Mapped[bool] = mapped_column(Boolean, default=False)
    # A personal goal drafted in a session before the mutual reveal: only its owner sees it.
    is_draft: Mapped[bool] = mapped_column(Boolean, default=False)
    value_id: Mapped[int | None] = mapped_column(
        ForeignKey("shared_values.id", ondelete="SET NULL")
    )
    position: Mapped[int] = mapped_column(Integer)
    carried_over: Mapped[int] = mapped_column(Integer, default=0)
    # The goal of an earlier quarter this one continues (carried over in a look back). A
    # goal goes on at most once: the unique constraint stops a second continuation.
    carried_from_id: Mapped[int | None] = mapped_column(
        ForeignKey("goals.id", ondelete="SET NULL"), unique=True
    )
    # Comments and cheers, counted as they are made (the board shows the count).
    comment_count: Mapped[int] = mapped_column(Integer, default=0)
    # Its milestones (not deleted), and how many of them are done: the card shows 3 / 5.
    milestones_total: Mapped[int] = mapped_column(Integer, default=0)
    milestones_done: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    deleted_at: Mapped[datetime | None]

    quarter: Mapped[Quarter] = relationship()
    lane: Mapped[Lane] = relationship()
    stage: Mapped[Stage] = relationship()
    value: Mapped["SharedValue | None"] = relationship()
    carried_from: Mapped["Goal | None"] = relationship(remote_side="Goal.id")

    @classmethod
    def new(cls, quarter: Quarter, lane: Lane, stage: Stage, **values) -> "Goal":
        """A goal at the end of a cell, its partnership and owner taken from quarter and lane."""
        goal = cls(
            partnership_id=quarter.partnership_id,
            quarter_id=quarter.id,
            lane_id=lane.id,
            stage_id=stage.id,
            owner_id=lane.owner_id,
            is_draft=quarter.is_drafting and not lane.is_shared,
            **values,
        )
        if lane.is_shared:
            goal.is_private = False
        db.session.add(goal)
        goal.place_last()
        return goal

    def editable_by(self, user: User) -> bool:
        return may_change(self.owner_id, user.id)

    def save_edit(self, expected_version: int, **values) -> bool:
        """Store an edit made on ``expected_version``; False if someone saved in between.

        The version check and the write are one statement, so two partners saving
        at once cannot both win.
        """
        saved = db.session.scalars(
            update(Goal)
            .where(Goal.id == self.id, Goal.version == expected_version)
            .values(**values, version=Goal.version + 1, updated_at=utcnow())
            .returning(Goal),
            execution_options={"populate_existing": True},
        ).one_or_none()
        if saved is None:
            db.session.refresh(self)  # to show what the other save made of it
            return False
        Partnership.touch(self.partnership_id)  # the ORM saw no change to tell about
        return True

    # -- positions -----------------------------------------------------------------
    # A cell is (quarter, lane, stage); its live goals are ordered by ``position``, a rank
    # with gaps between neighbours. A move writes one row: the goal takes the midpoint
    # between its new neighbours. Only when two neighbours leave no room is the cell
    # spaced out again, which a run of moves into the same spot reaches after about ten
    # halvings of GAP. A deleted goal keeps its rank; the unique index skips it.
    GAP = 1024
    # Ranks stay below BAND. Spacing out passes through the band above it, so the unique
    # index never sees a clash mid-statement: neither SQLite nor PostgreSQL defer it.
    BAND = 1 << 30

    def _cell(self, lane_id: int, stage_id: int) -> dict:
        """The parameters that name a cell of this goal's quarter (see _IN_CELL)."""
        return {"cell_quarter": self.quarter_id, "cell_lane": lane_id, "cell_stage": stage_id}

    def _others(self, lane_id: int, stage_id: int) -> list:
        """(id, position) of the cell's other live goals, in order."""
        with db.session.no_autoflush:  # a goal being created must not be written half-made
            rows = db.session.execute(_CELL, self._cell(lane_id, stage_id))
            return [row for row in rows if row.id != self.id]

    def _place(self, lane_id: int, stage_id: int, index: int | None = None) -> int:
        """Give the goal a rank at ``index`` (clamped; None: last) among the cell's other
        goals, and return the index it took."""
        others = self._others(lane_id, stage_id)
        index = len(others) if index is None else max(0, min(index, len(others)))
        low = others[index - 1].position if index else 0  # ranks start at GAP
        high = others[index].position if index < len(others) else low + 2 * self.GAP
        if self.position is not None and low < self.position < high:
            return index  # its rank fits there already (a move to where it is, say)
        rank = (low + high) // 2
        if rank <= low or rank >= self.BAND:
            rank = self._space_out(lane_id, stage_id, others, index)
            if self.id is not None:
                # Its row now holds rank + BAND (in the cell it leaves, if it moves), and
                # the rank may equal the one it was loaded with: make the flush write it.
                flag_modified(self, "position")
        self.position = rank
        return index

    def _space_out(self, lane_id: int, stage_id: int, others: list, index: int) -> int:
        """Rank the cell's goals GAP apart, leaving the place at ``index`` for this goal."""
        ranks = [(row.id, self.GAP * (i + 1 + (i >= index))) for i, row in enumerate(others)]
        mine = self.GAP * (index + 1)
        if self.id is not None:  # out of the way too, wherever it is now
            ranks.append((self.id, mine))
        table = Goal.__table__
        db.session.execute(
            update(table)
            .where(table.c.id == bindparam("goal_id"))
            .values(position=bindparam("rank") + self.BAND),
            [{"goal_id": goal_id, "rank": rank} for goal_id, rank in ranks],
        )
        db.session.execute(
            _OUT_OF_BAND,
            self._cell(lane_id, stage_id),
            execution_options={"synchronize_session": False},
        )
        return mine

    def place_last(self) -> None:
        """Put a new (or restored) goal at the end of its cell.

        The cell is read from the id columns, so set those (not only the relationships).
        """
        if None in (self.quarter_id, self.lane_id, self.stage_id):
            raise ValueError("A goal needs quarter_id, lane_id and stage_id to be placed.")
        self._place(self.lane_id, self.stage_id)

    def move_to(self, lane: Lane, stage: Stage, index: int) -> int:
        """Move to ``index`` (clamped) among the goals of the cell (lane, stage); return
        the index it took. Writes this goal's row, and the cell's only to space it out."""
        db.session.flush()
        index = self._place(lane.id, stage.id, index)
        self.lane, self.stage = lane, stage
        self.updated_at = utcnow()
        self.owner_id = lane.owner_id
        if lane.is_shared:  # shared goals are neither private nor anyone's draft
            self.is_private = self.is_draft = False
        db.session.flush()
        return index

    def index_in_cell(self) -> int:
        """Where the goal stands among its cell's live goals (0: at the top)."""
        return sum(
            1 for row in self._others(self.lane_id, self.stage_id) if row.position < self.position
        )

    def dates_fit(self, quarter: Quarter) -> bool:
        """Whether the goal's dates (if any) fall within ``quarter``."""
        return all(
            day is None or quarter.starts_on <= day <= quarter.ends_on
            for day in (self.starts_on, self.target_on)
        )

    def continue_in(self, quarter: Quarter, shift_dates: bool = False) -> "Goal":
        """Carry the goal into ``quarter``: it stays in its own quarter as "carried", and
        goes on in a new goal there, in the same lane and stage, linked back to it. Dates
        that fit the new quarter come along; others are moved by the quarters' distance
        (``shift_dates``) or cleared."""
        starts_on, target_on = self.starts_on, self.target_on
        if not self.dates_fit(quarter):
            offset = quarter.starts_on - self.quarter.starts_on
            try:
                starts_on, target_on = (
                    (day + offset if day and shift_dates else None)
                    for day in (starts_on, target_on)
                )
            except OverflowError:  # past the calendar's end: nothing sensible to move to
                starts_on = target_on = None
        continuation = Goal.new(
            quarter,
            self.lane,
            self.stage,
            created_by_id=self.created_by_id,
            title=self.title,
            notes=self.notes,
            starts_on=starts_on,
            target_on=target_on,
            is_private=self.is_private,
            value_id=self.value_id,
            carried_over=self.carried_over + 1,
            carried_from_id=self.id,
        )
        self.status = "carried"
        self.version += 1  # an edit form opened before is stale now
        self.updated_at = utcnow()
        db.session.flush()
        return continuation

    def soft_delete(self) -> None:
        self.deleted_at = utcnow()
        db.session.flush()

    def restore(self) -> None:
        self.deleted_at = None
        self.place_last()


# A cell's live goals, named by the parameters Goal._cell gives. Every move and new goal
# reads the cell, so its statements are built once.
# (An UPDATE keeps parameters named after its columns for itself: hence cell_*.)
_IN_CELL = (
    Goal.quarter_id == bindparam("cell_quarter", type_=Integer),
    Goal.lane_id == bindparam("cell_lane", type_=Integer),
    Goal.stage_id == bindparam("cell_stage", type_=Integer),
    Goal.deleted_at.is_(None),
)
_CELL = select(Goal.id, Goal.position).where(*_IN_CELL).order_by(Goal.position)
_OUT_OF_BAND = (
    update(Goal)
    .where(*_IN_CELL, Goal.position >= Goal.BAND)
    .values(position=Goal.position - Goal.BAND)
)
