"""Personal development contracts: one partner's commitment on a personal goal, which
the other partner witnesses.

A contract's terms are numbered: the first are drafted and signed by the witness (the
contract becomes active); renegotiating drafts new terms that the witness signs again,
and every earlier version stays. The owner checks in on the terms' cadence; the
witness can answer each check-in with encouragement, once.
"""

import calendar
from datetime import date, datetime, timedelta

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from goalmap.extensions import db
from goalmap.models.base import PartnershipRecord, unguessable_id, unique_where, utcnow
from goalmap.models.people import Partnership, User
from goalmap.models.quarters import Goal

CADENCES = {"weekly": "Every week", "fortnightly": "Every two weeks", "monthly": "Every month"}
CONTRACT_STATES = ("draft", "active", "completed", "released", "discarded")
OPEN_CONTRACT = ("draft", "active")


def _one_of(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def add_months(day: date, months: int) -> date:
    """``day`` moved by whole months, kept within the month it lands in (31 Jan + 1
    month is 28 or 29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def next_after(day: date, cadence: str) -> date:
    """The check-in after one on ``day``."""
    if cadence == "weekly":
        return day + timedelta(days=7)
    if cadence == "fortnightly":
        return day + timedelta(days=14)
    return add_months(day, 1)


class Contract(PartnershipRecord, db.Model):
    __tablename__ = "contracts"
    __table_args__ = (
        CheckConstraint(_one_of("state", CONTRACT_STATES), name="state"),
        # A goal has at most one open contract (a draft or an active one).
        unique_where("uq_contracts_open_goal", "goal_id", where="state IN ('draft', 'active')"),
    )

    # Unguessable, as goals' are: a gap would count contracts kept private.
    id: Mapped[int] = mapped_column(primary_key=True, default=unguessable_id)
    goal_id: Mapped[int] = mapped_column(ForeignKey("goals.id", ondelete="CASCADE"), index=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(10), default="draft")
    # On a private goal, the owner's explicit choice to show the terms to the witness.
    shown_to_partner: Mapped[bool] = mapped_column(default=False)
    reflection: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]

    partnership: Mapped[Partnership] = relationship()
    goal: Mapped[Goal] = relationship()
    owner: Mapped[User] = relationship()
    terms: Mapped[list["ContractTerms"]] = relationship(
        order_by="ContractTerms.number", back_populates="contract", lazy="selectin"
    )

    @property
    def current(self) -> "ContractTerms | None":
        """The terms in force: the newest the witness signed."""
        signed = [t for t in self.terms if t.signed_at is not None]
        return signed[-1] if signed else None

    @property
    def pending(self) -> "ContractTerms | None":
        """Terms drafted and not signed yet (a draft's first, or a renegotiation)."""
        last = self.terms[-1] if self.terms else None
        return last if last is not None and last.signed_at is None else None

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_CONTRACT

    def next_check_in(self, last_day: date | None) -> date | None:
        """When the next check-in falls due: after the last one (on ``last_day``) by the
        cadence in force, or on the day the terms start; None unless active."""
        terms = self.current
        if self.state != "active" or terms is None:
            return None
        return next_after(last_day, terms.cadence) if last_day else terms.starts_on


class ContractTerms(PartnershipRecord, db.Model):
    __tablename__ = "contract_terms"
    __table_args__ = (
        UniqueConstraint("contract_id", "number"),
        CheckConstraint(_one_of("cadence", CADENCES), name="cadence"),
        CheckConstraint("ends_on > starts_on", name="ends_after_start"),
    )

    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id", ondelete="CASCADE"))
    number: Mapped[int]
    commitment: Mapped[str] = mapped_column(Text)
    success: Mapped[str] = mapped_column(Text)  # how success will be recognised
    support: Mapped[str] = mapped_column(Text, default="")  # asked of the partner
    cadence: Mapped[str] = mapped_column(String(12))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    signed_at: Mapped[datetime | None]

    contract: Mapped[Contract] = relationship(back_populates="terms")
    signed_by: Mapped[User | None] = relationship()


class ContractCheckIn(PartnershipRecord, db.Model):
    __tablename__ = "contract_check_ins"
    __table_args__ = (CheckConstraint("progress BETWEEN 0 AND 100", name="progress"),)

    id: Mapped[int] = mapped_column(primary_key=True, default=unguessable_id)
    contract_id: Mapped[int] = mapped_column(
        ForeignKey("contracts.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    on_day: Mapped[date]  # in the partnership's time zone
    progress: Mapped[int]
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The witness's answer, given once.
    encouragement: Mapped[str | None] = mapped_column(Text)
    encouraged_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    encouraged_at: Mapped[datetime | None]

    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    encouraged_by: Mapped[User | None] = relationship(foreign_keys=[encouraged_by_id])
