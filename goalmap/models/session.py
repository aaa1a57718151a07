"""The quarterly goal-mapping session: who is ready and who agreed, and what the
look-back decided for each goal."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from goalmap.extensions import db
from goalmap.models._time import utcnow
from goalmap.models.people import User

GOAL_EVENT_KINDS = ("carried_over", "dropped", "done")


class SessionMember(db.Model):
    """One member's progress through a quarter's session."""

    __tablename__ = "session_members"
    __table_args__ = (UniqueConstraint("quarter_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(
        ForeignKey("partnerships.id", ondelete="CASCADE"), index=True
    )
    quarter_id: Mapped[int] = mapped_column(ForeignKey("quarters.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    ready_at: Mapped[datetime | None]
    confirmed_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()


class GoalEvent(db.Model):
    """A goal's history: carried over, dropped (with a reason) or marked done in a look-back."""

    __tablename__ = "goal_events"
    __table_args__ = (CheckConstraint("kind IN ('carried_over', 'dropped', 'done')", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(
        ForeignKey("partnerships.id", ondelete="CASCADE"), index=True
    )
    goal_id: Mapped[int] = mapped_column(ForeignKey("goals.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    quarter_id: Mapped[int | None] = mapped_column(ForeignKey("quarters.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User | None] = relationship()


class GoalComment(db.Model):
    """A partner's supportive word on a goal (they comment; they do not edit)."""

    __tablename__ = "goal_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(
        ForeignKey("partnerships.id", ondelete="CASCADE"), index=True
    )
    goal_id: Mapped[int] = mapped_column(ForeignKey("goals.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[User | None] = relationship(lazy="joined")
