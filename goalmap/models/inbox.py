"""Notifications: what concerns one member, kept for 90 days, read or unread.

A notification names its subject by id (a goal, a flexibility entry, a contract, a
quarter's session) and carries no words of its own: what it says is drawn when it is
shown, through the scoped path, so it can never tell more than the subject itself.
"""

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from goalmap.extensions import db
from goalmap.models.base import PartnershipRecord, utcnow
from goalmap.models.people import User

# What a notification can be about, and whether it comes from the partner (an act) or
# from the calendar (something falls due).
NOTIFICATION_KINDS = {
    "cheered": "act",
    "commented": "act",
    "flex_proposed": "act",
    "flex_acknowledged": "act",
    "contract_signed": "act",
    "contract_renegotiated": "act",
    "encouraged": "act",
    "session_waiting": "act",
    "check_in_due": "due",
    "look_again_due": "due",
    "weekly_due": "due",
}
KEPT_DAYS = 90


class Notification(PartnershipRecord, db.Model):
    __tablename__ = "notifications"
    __table_args__ = (
        # A reminder is made once for each thing and day it falls due (``key``); acts
        # have no key, and NULLs never meet in a unique index.
        UniqueConstraint("user_id", "key"),
        CheckConstraint(
            "kind IN (" + ", ".join(repr(kind) for kind in NOTIFICATION_KINDS) + ")",
            name="kind",
        ),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(30))
    goal_id: Mapped[int | None] = mapped_column(ForeignKey("goals.id", ondelete="CASCADE"))
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("flex_entries.id", ondelete="CASCADE"))
    contract_id: Mapped[int | None] = mapped_column(ForeignKey("contracts.id", ondelete="CASCADE"))
    quarter_id: Mapped[int | None] = mapped_column(ForeignKey("quarters.id", ondelete="CASCADE"))
    due_on: Mapped[date | None]
    key: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    read_at: Mapped[datetime | None]

    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id], lazy="joined")
