"""A goal's story: what happened to it (carried over, dropped with a reason, done) and
the partners' comments on it."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from goalmap.extensions import db
from goalmap.models.base import PartnershipRecord, unique_where, utcnow
from goalmap.models.people import User

# What a goal's history records; "carried_over" is on the goal left behind in its quarter,
# "carried_in" on its continuation in the next.
GOAL_EVENT_KINDS = (
    "created",
    "edited",
    "moved",
    "status",
    "done",
    "reopened",
    "carried_over",
    "carried_in",
    "dropped",
)
COMMENT_KINDS = ("comment", "cheer")


def _one_of(column: str, values: tuple) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class GoalEvent(PartnershipRecord, db.Model):
    """A goal's history: carried over, dropped (with a reason) or marked done in a look-back."""

    __tablename__ = "goal_events"
    __table_args__ = (CheckConstraint(_one_of("kind", GOAL_EVENT_KINDS), name="kind"),)

    goal_id: Mapped[int] = mapped_column(ForeignKey("goals.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    quarter_id: Mapped[int | None] = mapped_column(ForeignKey("quarters.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The entry of the flexibility log that made this change, if one did.
    flex_entry_id: Mapped[int | None] = mapped_column(
        ForeignKey("flex_entries.id", ondelete="SET NULL")
    )

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
    """A partner's word on a goal, or a cheer (they comment and cheer; they do not edit).
    A member cheers a goal once."""

    __tablename__ = "goal_comments"
    __table_args__ = (
        CheckConstraint(_one_of("kind", COMMENT_KINDS), name="kind"),
        unique_where("uq_goal_comments_one_cheer", "goal_id", "author_id", where="kind = 'cheer'"),
    )

    goal_id: Mapped[int] = mapped_column(ForeignKey("goals.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(8), default="comment")
    body: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[User | None] = relationship(lazy="joined")
