"""Calendar feeds: each member's secret link to their calendar (``goalmap.calendar``).

The link is a bearer secret, like an invite's: only its token's hash is stored, and the
link itself is shown once, to its member. A member has at most one live link; making a
new one revokes the old, and the database itself keeps two made at once from both living.
"""

from datetime import datetime

from sqlalchemy import ForeignKey, String, update
from sqlalchemy.orm import Mapped, mapped_column, relationship

from goalmap.extensions import db
from goalmap.models.base import unique_where, utcnow
from goalmap.models.people import User


class CalendarFeed(db.Model):
    """One member's calendar link. Keyed to the member, not the partnership: it serves
    whatever partnership the member belongs to when it is read, as they may see it, and
    making or revoking one is no change to the couple's data."""

    __tablename__ = "calendar_feeds"
    __table_args__ = (
        unique_where("uq_calendar_feeds_live", "user_id", where="revoked_at IS NULL"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()

    @classmethod
    def revoke_all(cls, user_id: int) -> None:
        """Stop the member's link: a new password leaves nothing to whoever had the
        account before, their calendar included."""
        db.session.execute(
            update(cls)
            .where(cls.user_id == user_id, cls.revoked_at.is_(None))
            .values(revoked_at=utcnow()),
            execution_options={"synchronize_session": False},
        )
