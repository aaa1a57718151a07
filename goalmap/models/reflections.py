"""The weekly check-in: the couple's prompts (every version kept) and each partner's
answers for a week, sealed until the other has answered too (``scoping.scoped``)."""

import json
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from goalmap.extensions import db
from goalmap.models.base import PartnershipRecord, utcnow
from goalmap.models.people import User

DEFAULT_PROMPTS = (
    "What personal activity energised you this week?",
    "What shared moment felt most rewarding?",
    "Is there any area where you felt your autonomy was compromised?",
)


class PromptVersion(PartnershipRecord, db.Model):
    """One version of the couple's weekly prompts, one per line."""

    __tablename__ = "prompt_versions"
    __table_args__ = (UniqueConstraint("partnership_id", "number"),)

    number: Mapped[int]
    prompts_text: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    created_by: Mapped[User | None] = relationship()

    @property
    def prompts(self) -> list[str]:
        return [line for line in self.prompts_text.splitlines() if line.strip()]


class WeeklyAnswer(PartnershipRecord, db.Model):
    """One partner's answers for one week (the week's first day), given once."""

    __tablename__ = "weekly_answers"
    __table_args__ = (
        UniqueConstraint("user_id", "week_of"),
        CheckConstraint("energy IS NULL OR energy BETWEEN 1 AND 5", name="energy"),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    week_of: Mapped[date]
    # The prompts as they were asked, and the answers, in order (JSON lists).
    prompts_json: Mapped[str] = mapped_column(Text)
    answers_json: Mapped[str] = mapped_column(Text)
    energy: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()

    @property
    def pairs(self) -> list[tuple[str, str]]:
        return list(zip(json.loads(self.prompts_json), json.loads(self.answers_json), strict=False))
