"""The yearly review, a "relationship health review": once a year the couple looks back
across four quarters, each partner answers the seeds' questions privately, the answers
are revealed together, and the couple records what they keep and what they change.
Kept, a review is read-only, and shows the year as it was when it was kept
(``summary_json``)."""

import json
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from goalmap.extensions import db
from goalmap.models.base import PartnershipRecord, utcnow
from goalmap.models.people import User

REVIEW_QUESTIONS = (
    "Are autonomy and togetherness both still honoured? Where do you feel each one?",
    "Which of our rituals should change, start or stop?",
    "Which win of the year, yours, your partner's or ours, are you proudest of?",
    "Which of our core principles still hold, and which would you put differently?",
    "What would you like more of from your partner in the year ahead?",
)
REVIEW_STATES = ("open", "kept")


class YearlyReview(PartnershipRecord, db.Model):
    __tablename__ = "yearly_reviews"
    __table_args__ = (
        UniqueConstraint("partnership_id", "ends_on"),
        CheckConstraint("state IN ('open', 'kept')", name="state"),
        CheckConstraint("ends_on > starts_on", name="ends_after_start"),
    )

    starts_on: Mapped[date]
    ends_on: Mapped[date]  # the review's day: the year it looks back on ends here
    state: Mapped[str] = mapped_column(String(8), default="open")
    questions_json: Mapped[str] = mapped_column(Text)  # the questions as they were asked
    keep: Mapped[str] = mapped_column(Text, default="")  # what the couple keeps
    change: Mapped[str] = mapped_column(Text, default="")  # and what they change
    version: Mapped[int] = mapped_column(default=1)
    # The year as the review showed it when it was kept (JSON): later changes to goals,
    # wins or contracts do not change a kept review.
    summary_json: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    kept_at: Mapped[datetime | None]
    kept_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    kept_by: Mapped[User | None] = relationship(foreign_keys=[kept_by_id])

    @property
    def questions(self) -> list[str]:
        return json.loads(self.questions_json)

    @property
    def is_kept(self) -> bool:
        return self.state == "kept"


class YearlyAnswer(PartnershipRecord, db.Model):
    """One partner's answers to a review's questions, given once; sealed from the other
    until both have answered (``scoping.scoped``)."""

    __tablename__ = "yearly_answers"
    __table_args__ = (UniqueConstraint("review_id", "user_id"),)

    review_id: Mapped[int] = mapped_column(
        ForeignKey("yearly_reviews.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    answers_json: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()

    @property
    def answers(self) -> list[str]:
        return json.loads(self.answers_json)
