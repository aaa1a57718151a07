"""The flexibility protocol and its log: when life happens, the plan bends together.

A partnership's protocol is an ordered list of steps; each edit is a new version and
the earlier ones are kept. An entry in the log records a life event, each partner's
words on what it means, and decisions about the quarter's goals. Decisions about the
raiser's own personal goals apply when the entry is saved; the others are proposals
that apply together, all or none, once every member has acknowledged the entry.

An agreed entry is a record: it and its impacts and decisions are never changed or
deleted. The mapper events below refuse it in Python, and the triggers of migration
0009 refuse it in the database (an UPDATE or DELETE from anywhere). What a deleted
account or goal leaves behind (its id set to NULL) and the erasure of a whole
partnership are the exceptions.
"""

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Numeric, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from goalmap.extensions import db
from goalmap.models.base import PartnershipRecord, utcnow
from goalmap.models.people import Partnership, User
from goalmap.models.quarters import Goal, Quarter

LIFE_EVENT_KINDS = ("work", "health", "family", "home", "money", "other")
ENTRY_STATES = ("open", "agreed", "withdrawn")
ACTIONS = ("pause", "resume", "shrink", "defer", "drop")
DECISION_STATES = ("proposed", "applied", "withdrawn")
DEFAULT_PROTOCOL = (
    "Name what happened, in a few words.",
    "Each of you says what it means for your own goals and for the shared ones.",
    "Agree what pauses, shrinks, moves to next quarter or stops.",
    "Set a date to look again.",
    "Both acknowledge: the plan changes together, or not at all.",
)
# What an agreed entry, impact or decision keeps for good (migration 0009 lists the
# same columns for its triggers).
KEPT = {
    "flex_entries": (
        "quarter_id",
        "happened_on",
        "event",
        "kind",
        "look_again_on",
        "protocol_number",
        "refers_to_id",
        "state",
        "created_at",
        "agreed_at",
    ),
    "flex_impacts": ("entry_id", "words", "created_at"),
    "flex_decisions": (
        "entry_id",
        "action",
        "reason",
        "new_target_on",
        "new_hours",
        "new_amount",
        "goal_version",
        "state",
        "created_at",
        "applied_at",
    ),
}
# Who and what a record points to may go (NULL) when that account or goal is deleted.
MAY_FORGET = {
    "flex_entries": ("raised_by_id",),
    "flex_impacts": ("user_id",),
    "flex_decisions": ("goal_id", "decided_by_id"),
}


def _one_of(column: str, values: tuple) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class AppendOnly(Exception):
    """An agreed entry of the flexibility log cannot be changed or deleted."""


class ProtocolVersion(PartnershipRecord, db.Model):
    """One version of a partnership's flexibility protocol: its steps, one per line."""

    __tablename__ = "protocol_versions"
    __table_args__ = (UniqueConstraint("partnership_id", "number"),)

    number: Mapped[int]
    steps_text: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    created_by: Mapped[User | None] = relationship()

    @property
    def steps(self) -> list[str]:
        return [line for line in self.steps_text.splitlines() if line.strip()]


class FlexEntry(PartnershipRecord, db.Model):
    """A life event that bent the plan, and how the partners re-planned around it."""

    __tablename__ = "flex_entries"
    __table_args__ = (
        CheckConstraint(_one_of("kind", LIFE_EVENT_KINDS), name="kind"),
        CheckConstraint(_one_of("state", ENTRY_STATES), name="state"),
    )

    quarter_id: Mapped[int] = mapped_column(ForeignKey("quarters.id", ondelete="CASCADE"))
    raised_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    happened_on: Mapped[date]
    event: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(8))
    look_again_on: Mapped[date]
    protocol_number: Mapped[int]  # the version of the protocol that guided it
    # A correction refers to the entry it corrects (an agreed entry is never rewritten).
    refers_to_id: Mapped[int | None] = mapped_column(
        ForeignKey("flex_entries.id", ondelete="SET NULL")
    )
    state: Mapped[str] = mapped_column(String(10), default="open")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    agreed_at: Mapped[datetime | None]
    withdrawn_at: Mapped[datetime | None]

    partnership: Mapped[Partnership] = relationship()
    quarter: Mapped[Quarter] = relationship()
    raised_by: Mapped[User | None] = relationship()
    refers_to: Mapped["FlexEntry | None"] = relationship(remote_side="FlexEntry.id")

    @property
    def is_agreed(self) -> bool:
        return self.state == "agreed"

    @property
    def is_open(self) -> bool:
        return self.state == "open"


class FlexImpact(PartnershipRecord, db.Model):
    """What the event means for one partner, in their own words (each writes their own)."""

    __tablename__ = "flex_impacts"
    __table_args__ = (UniqueConstraint("entry_id", "user_id"),)

    entry_id: Mapped[int] = mapped_column(ForeignKey("flex_entries.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    words: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User | None] = relationship()


class FlexDecision(PartnershipRecord, db.Model):
    """What happens to one goal: pause, resume, shrink, defer to next quarter, or drop.

    ``goal_version`` is the goal's version when the decision was made: if the goal
    changed since, the decision no longer applies, and neither does any of its entry's."""

    __tablename__ = "flex_decisions"
    __table_args__ = (
        CheckConstraint(_one_of("action", ACTIONS), name="action"),
        CheckConstraint(_one_of("state", DECISION_STATES), name="state"),
        CheckConstraint("new_hours IS NULL OR new_hours >= 0", name="hours"),
        CheckConstraint("new_amount IS NULL OR new_amount >= 0", name="amount"),
    )

    entry_id: Mapped[int] = mapped_column(
        ForeignKey("flex_entries.id", ondelete="CASCADE"), index=True
    )
    goal_id: Mapped[int | None] = mapped_column(
        ForeignKey("goals.id", ondelete="SET NULL"), index=True
    )
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(8))
    reason: Mapped[str] = mapped_column(Text, default="")
    new_target_on: Mapped[date | None]
    new_hours: Mapped[Decimal | None] = mapped_column(Numeric(5, 1, asdecimal=True))
    new_amount: Mapped[Decimal | None] = mapped_column(Numeric(12, 2, asdecimal=True))
    goal_version: Mapped[int]
    state: Mapped[str] = mapped_column(String(10), default="proposed")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    applied_at: Mapped[datetime | None]

    goal: Mapped[Goal | None] = relationship()
    decided_by: Mapped[User | None] = relationship()


class FlexAcknowledgement(PartnershipRecord, db.Model):
    """One member's yes to an entry as it stands (a later decision that touches what is
    not the decider's own takes the others' yes back)."""

    __tablename__ = "flex_acknowledgements"
    __table_args__ = (UniqueConstraint("entry_id", "user_id"),)

    entry_id: Mapped[int] = mapped_column(ForeignKey("flex_entries.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class FlexFollowUp(PartnershipRecord, db.Model):
    """The look again: what happened since, recorded once per entry."""

    __tablename__ = "flex_follow_ups"
    __table_args__ = (UniqueConstraint("entry_id"),)

    entry_id: Mapped[int] = mapped_column(ForeignKey("flex_entries.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(Text, default="")
    resumed: Mapped[int] = mapped_column(default=0)  # paused goals resumed with it
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User | None] = relationship()


def _stored_state(entry: FlexEntry) -> str | None:
    """The state the database holds for ``entry`` (before any change not yet flushed)."""
    history = db.inspect(entry).attrs.state.history
    stored = history.deleted or history.unchanged or history.added
    return stored[0] if stored else None


def _agreed(target) -> bool:
    entry = target if isinstance(target, FlexEntry) else db.session.get(FlexEntry, target.entry_id)
    return entry is not None and _stored_state(entry) == "agreed"


def _refuse_rewrites(_mapper, _connection, target) -> None:
    if not _agreed(target):
        return
    table = type(target).__tablename__
    state = db.inspect(target)
    for name in KEPT[table]:
        if state.attrs[name].history.has_changes():
            raise AppendOnly(f"An agreed entry of the flexibility log keeps its {name}.")
    for name in MAY_FORGET[table]:
        history = state.attrs[name].history
        if history.has_changes() and history.added and history.added[0] is not None:
            raise AppendOnly(f"An agreed entry of the flexibility log keeps its {name}.")


def _refuse_deletes(_mapper, _connection, target) -> None:
    if _agreed(target):
        raise AppendOnly("An agreed entry of the flexibility log is never deleted.")


for _model in (FlexEntry, FlexImpact, FlexDecision):
    event.listen(_model, "before_update", _refuse_rewrites)
    event.listen(_model, "before_delete", _refuse_deletes)
