"""The quarterly goal-mapping session: who is ready and who agreed."""

from datetime import datetime

from sqlalchemy import ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from goalmap.extensions import db
from goalmap.models.base import PartnershipRecord
from goalmap.models.people import User


class PlanningSeat(PartnershipRecord, db.Model):
    """One member's place in a quarter's goal-mapping session: ready, and agreed."""

    __tablename__ = "planning_seats"
    __table_args__ = (UniqueConstraint("quarter_id", "user_id"),)

    quarter_id: Mapped[int] = mapped_column(ForeignKey("quarters.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    ready_at: Mapped[datetime | None]
    confirmed_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()
