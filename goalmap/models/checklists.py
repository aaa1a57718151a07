"""A goal's milestones: an ordered checklist, each step ticked once by a member who may
change the goal. The goal keeps how many it has and how many are done
(``Goal.milestones_total``, ``Goal.milestones_done``) so the board reads them with the
goal itself."""

from datetime import date, datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from goalmap.extensions import db
from goalmap.models.base import PartnershipRecord, unguessable_id, utcnow
from goalmap.models.people import User
from goalmap.models.quarters import Goal


class Milestone(PartnershipRecord, db.Model):
    __tablename__ = "milestones"

    # Unguessable, as goals' are: a private goal's milestones must not show in the gaps.
    id: Mapped[int] = mapped_column(primary_key=True, default=unguessable_id)
    goal_id: Mapped[int] = mapped_column(ForeignKey("goals.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    target_on: Mapped[date | None]
    position: Mapped[int] = mapped_column(default=0)
    done_at: Mapped[datetime | None]
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    deleted_at: Mapped[datetime | None]

    goal: Mapped[Goal] = relationship()
    done_by: Mapped[User | None] = relationship()

    @property
    def is_done(self) -> bool:
        return self.done_at is not None
