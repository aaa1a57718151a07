"""The board: quarters, their lanes (swimlanes) and stages (columns), and goals."""

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    select,
    text,
    update,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from goalmap.extensions import db
from goalmap.models._time import utcnow
from goalmap.models.people import Partnership, User

QUARTER_STATES = ("planning", "active", "reviewed")
GOAL_STATUSES = ("active", "paused", "dropped", "done")
DEFAULT_STAGES = ("Ideas", "This quarter", "In progress", "Done")
DEFAULT_SHARED_LANE = "Together"


def next_quarter(today: date) -> tuple[str, date, date]:
    """The calendar quarter after the one ``today`` is in."""
    index = (today.month - 1) // 3 + 1
    year, index = (today.year + 1, 0) if index == 4 else (today.year, index)
    starts = date(year, index * 3 + 1, 1)
    ends = date(year + 1, 1, 1) if index == 3 else date(year, index * 3 + 4, 1)
    return f"{year} Q{index + 1}", starts, date.fromordinal(ends.toordinal() - 1)


class Quarter(db.Model):
    __tablename__ = "quarters"
    __table_args__ = (
        UniqueConstraint("partnership_id", "name"),
        CheckConstraint("ends_on > starts_on", name="ends_after_start"),
        CheckConstraint("state IN ('planning', 'active', 'reviewed')", name="state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(
        ForeignKey("partnerships.id", ondelete="CASCADE"), index=True
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


class Lane(db.Model):
    """A swimlane. Personal lanes have an owner; shared lanes have none."""

    __tablename__ = "lanes"
    __table_args__ = (UniqueConstraint("partnership_id", "owner_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(
        ForeignKey("partnerships.id", ondelete="CASCADE"), index=True
    )
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(60))
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
        """Shared lanes belong to every member; a personal lane to its owner alone."""
        return self.owner_id is None or self.owner_id == user.id


class Stage(db.Model):
    """A column of the board: a stage a goal goes through."""

    __tablename__ = "stages"

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(
        ForeignKey("partnerships.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(40))
    position: Mapped[int] = mapped_column(Integer)

    partnership: Mapped[Partnership] = relationship()


class SharedValue(db.Model):
    """Something the partnership cares about (adventure, learning, community…)."""

    __tablename__ = "shared_values"
    __table_args__ = (UniqueConstraint("partnership_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(
        ForeignKey("partnerships.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(40))


class Goal(db.Model):
    __tablename__ = "goals"
    __table_args__ = (
        CheckConstraint("length(title) BETWEEN 1 AND 200", name="title_length"),
        CheckConstraint(
            "target_on IS NULL OR starts_on IS NULL OR target_on >= starts_on",
            name="target_after_start",
        ),
        CheckConstraint("status IN ('active', 'paused', 'dropped', 'done')", name="status"),
        CheckConstraint("position >= 0", name="position_not_negative"),
        CheckConstraint("NOT is_private OR owner_id IS NOT NULL", name="private_is_personal"),
        # Live goals hold distinct positions within their cell; deleted ones step aside.
        Index(
            "uq_goals_cell_position",
            "quarter_id",
            "lane_id",
            "stage_id",
            "position",
            unique=True,
            sqlite_where=text("deleted_at IS NULL"),
            postgresql_where=text("deleted_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(
        ForeignKey("partnerships.id", ondelete="CASCADE"), index=True
    )
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
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    deleted_at: Mapped[datetime | None]

    quarter: Mapped[Quarter] = relationship()
    lane: Mapped[Lane] = relationship()
    stage: Mapped[Stage] = relationship()
    value: Mapped["SharedValue | None"] = relationship()

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
        return self.owner_id is None or self.owner_id == user.id

    def save_edit(self, expected_version: int, **values) -> bool:
        """Store an edit made on ``expected_version``; False if someone saved in between.

        The version check and the write are one statement, so two partners saving
        at once cannot both win.
        """
        result = db.session.execute(
            update(Goal)
            .where(Goal.id == self.id, Goal.version == expected_version)
            .values(**values, version=Goal.version + 1, updated_at=utcnow()),
            execution_options={"synchronize_session": False},
        )
        db.session.refresh(self)
        return result.rowcount == 1

    # -- positions -----------------------------------------------------------------
    # A cell is (quarter, lane, stage); its live goals hold positions 0..n-1.
    # Shifts pass through a high band (SHIFT_BAND and up) so the unique index never
    # sees a clash mid-statement: neither SQLite nor PostgreSQL defer it.
    SHIFT_BAND = 1 << 30
    PARKED = (1 << 31) - 1

    def _cell(self, lane_id: int, stage_id: int):
        return (
            Goal.quarter_id == self.quarter_id,
            Goal.lane_id == lane_id,
            Goal.stage_id == stage_id,
            Goal.deleted_at.is_(None),
        )

    def _shift(self, lane_id: int, stage_id: int, from_position: int, by: int) -> None:
        """Add ``by`` to the position of the cell's other goals at ``from_position`` and after."""
        cell = self._cell(lane_id, stage_id)
        band = self.SHIFT_BAND
        for where, value in (
            (
                (Goal.position >= from_position, Goal.position < band, Goal.id != self.id),
                Goal.position + by + band,
            ),
            ((Goal.position >= band, Goal.id != self.id), Goal.position - band),
        ):
            db.session.execute(
                update(Goal).where(*cell, *where).values(position=value),
                execution_options={"synchronize_session": False},
            )

    def cell_size(self, lane_id: int, stage_id: int) -> int:
        """How many other live goals the cell holds."""
        with db.session.no_autoflush:  # a goal being created must not be written half-made
            return db.session.scalar(
                select(db.func.count()).where(*self._cell(lane_id, stage_id), Goal.id != self.id)
            )

    def place_last(self) -> None:
        """Give a new (or restored) goal the next free position in its cell.

        The cell is read from the id columns, so set those (not only the relationships).
        """
        if None in (self.quarter_id, self.lane_id, self.stage_id):
            raise ValueError("A goal needs quarter_id, lane_id and stage_id to be placed.")
        self.position = self.cell_size(self.lane_id, self.stage_id)

    def move_to(self, lane: Lane, stage: Stage, position: int) -> None:
        """Move to ``position`` (clamped) in the cell (lane, stage), keeping both cells dense."""
        db.session.flush()
        old = (self.lane_id, self.stage_id, self.position)
        self.position = self.PARKED  # out of the way while the cells close and open gaps
        db.session.flush()
        self._shift(old[0], old[1], old[2] + 1, -1)
        position = max(0, min(position, self.cell_size(lane.id, stage.id)))
        self._shift(lane.id, stage.id, position, +1)
        self.lane, self.stage, self.position = lane, stage, position
        self.updated_at = utcnow()
        self.owner_id = lane.owner_id
        if lane.is_shared:  # shared goals are neither private nor anyone's draft
            self.is_private = self.is_draft = False
        db.session.flush()

    def move_to_quarter(self, quarter: Quarter) -> None:
        """Carry the goal into ``quarter``: same lane and stage, at the end of its cell."""
        db.session.flush()
        old = self.position
        self.position = self.PARKED
        db.session.flush()
        self._shift(self.lane_id, self.stage_id, old + 1, -1)
        self.quarter_id = quarter.id
        self.quarter = quarter
        self.place_last()
        db.session.flush()

    def soft_delete(self) -> None:
        db.session.flush()
        old = self.position
        self.deleted_at = utcnow()
        db.session.flush()
        self._shift(self.lane_id, self.stage_id, old + 1, -1)

    def restore(self) -> None:
        self.deleted_at = None
        self.place_last()
