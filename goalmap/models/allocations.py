"""Resource allocation notes (time, money, energy per goal and partner) and what each
partner has available in a quarter."""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from goalmap.extensions import db
from goalmap.models.base import PartnershipRecord, unguessable_id, unique_where, utcnow
from goalmap.models.people import User

ENERGY_LEVELS = ("low", "medium", "high")
MONEY_PERIODS = ("month", "quarter")
# Money is exact: NUMERIC(12, 2), never a float.
Money = Numeric(12, 2, asdecimal=True)
Hours = Numeric(5, 1, asdecimal=True)


def per_quarter(amount: Decimal | None, period: str) -> Decimal:
    """An amount of money as what it comes to over a quarter (three months)."""
    if amount is None:
        return Decimal("0.00")
    return amount * 3 if period == "month" else amount


class Allocation(PartnershipRecord, db.Model):
    """One partner's note of what a goal takes from them.

    Each partner has one current note per goal. Notes are never overwritten: saving
    again adds a new note and marks the current one replaced, which is the goal's short
    history of changes; the unique index keeps two saves at once from both staying
    current.
    """

    __tablename__ = "allocations"
    __table_args__ = (
        CheckConstraint("hours_per_week IS NULL OR hours_per_week >= 0", name="hours"),
        CheckConstraint("amount IS NULL OR amount >= 0", name="amount"),
        CheckConstraint("money_period IN ('month', 'quarter')", name="period"),
        CheckConstraint("energy IS NULL OR energy IN ('low', 'medium', 'high')", name="energy"),
        unique_where("uq_allocations_current", "goal_id", "user_id", where="replaced_at IS NULL"),
    )

    # A partner sees these ids; a sequence would count the drafts between two of theirs.
    id: Mapped[int] = mapped_column(primary_key=True, default=unguessable_id)
    goal_id: Mapped[int] = mapped_column(ForeignKey("goals.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    hours_per_week: Mapped[Decimal | None] = mapped_column(Hours)
    amount: Mapped[Decimal | None] = mapped_column(Money)
    money_period: Mapped[str] = mapped_column(String(8), default="month")
    energy: Mapped[str | None] = mapped_column(String(8))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    replaced_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(lazy="joined")

    @classmethod
    def on(cls, goal, user: User, **values) -> "Allocation":
        """``user``'s note of what ``goal`` takes, in ``goal``'s partnership."""
        return cls(partnership_id=goal.partnership_id, goal_id=goal.id, user_id=user.id, **values)


class Availability(PartnershipRecord, db.Model):
    """What one partner has for goals in a quarter: hours a week and a money budget."""

    __tablename__ = "availabilities"
    __table_args__ = (
        UniqueConstraint("quarter_id", "user_id"),
        CheckConstraint("hours_per_week IS NULL OR hours_per_week >= 0", name="hours"),
        CheckConstraint("budget IS NULL OR budget >= 0", name="budget"),
    )

    quarter_id: Mapped[int] = mapped_column(ForeignKey("quarters.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    hours_per_week: Mapped[Decimal | None] = mapped_column(Hours)
    budget: Mapped[Decimal | None] = mapped_column(Money)  # for the whole quarter
    version: Mapped[int] = mapped_column(default=1)
