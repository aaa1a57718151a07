"""A goal's story: what happened to it (carried over, dropped with a reason, done) and
the partners' comments on it."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from goalmap.extensions import db
from goalmap.models.clock import utcnow
from goalmap.models.people import PartnershipRecord, User

GOAL_EVENT_KINDS = ("carried_over", "dropped", "done")


class GoalEvent(PartnershipRecord, db.Model):
    """A goal's history: carried over, dropped (with a reason) or marked done in a look-back."""

    __tablename__ = "goal_events"
    __table_args__ = (CheckConstraint("kind IN ('carried_over', 'dropped', 'done')", name="kind"),)

    goal_id: Mapped[int] = mapped_column(ForeignKey("goals.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    quarter_id: Mapped[int | None] = mapped_column(ForeignKey("quarters.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User | None] = relationship()

    @classmethod
    def about(cls, goal, kind: str, user: User, note: str = "", **values) -> "GoalEvent":
        """What happened to ``goal``, by ``user``, in ``goal``'s partnership."""
        return cls(
            partnership_id=goal.partnership_id,
            goal_id=goal.id,
            user_id=user.id,
            kind=kind,
            note=note,
            **values,
        )


class GoalComment(PartnershipRecord, db.Model):
    """A partner's supportive word on a goal (they comment; they do not edit)."""

    __tablename__ = "goal_comments"

    goal_id: Mapped[int] = mapped_column(ForeignKey("goals.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[User | None] = relationship(lazy="joined")
