"""Wins: a milestone ticked, a goal done, a development contract completed, each one
celebrated once, with the partner's appreciation and reactions.

A win is unique by what it celebrates (``kind``, ``subject_id``): a double submit, a retry
or both partners at once make one. Undoing the completion withdraws it
(``withdrawn_at``); redoing it brings the same win back.
"""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, query_expression, relationship

from goalmap.extensions import db
from goalmap.models.base import PartnershipRecord, unguessable_id, utcnow
from goalmap.models.people import User

WIN_KINDS = {"milestone": "Milestone", "goal": "Goal", "contract": "Contract"}
# A small set of reactions: an icon of templates/_macros.html (drawn, not an emoji a
# phone may lack), and words that carry the meaning.
REACTIONS = {
    "love": ("heart", "Love it"),
    "proud": ("star", "So proud"),
    "applause": ("check", "Well done"),
    "together": ("together", "Us!"),
}


def _one_of(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Win(PartnershipRecord, db.Model):
    __tablename__ = "wins"
    __table_args__ = (
        UniqueConstraint("kind", "subject_id"),
        CheckConstraint(_one_of("kind", WIN_KINDS), name="kind"),
    )

    # Unguessable: a private win the partner does not see must not show in the gaps.
    id: Mapped[int] = mapped_column(primary_key=True, default=unguessable_id)
    kind: Mapped[str] = mapped_column(String(10))
    subject_id: Mapped[int]  # the milestone's, goal's or contract's id
    goal_id: Mapped[int] = mapped_column(ForeignKey("goals.id", ondelete="CASCADE"), index=True)
    quarter_id: Mapped[int] = mapped_column(
        ForeignKey("quarters.id", ondelete="CASCADE"), index=True
    )
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # A win follows its goal's privacy: a private goal's win is its owner's, unless the
    # owner shares it, and then the partner sees "a private win", never what.
    shared_by_owner: Mapped[bool] = mapped_column(default=False)
    # What was won, read only through scoping.scoped(Win) as ``title``, which is NULL
    # where the viewer may not read it.
    what: Mapped[str] = mapped_column("title", String(300), deferred=True, deferred_raiseload=True)
    title: Mapped[str | None] = query_expression()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    withdrawn_at: Mapped[datetime | None]

    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])

    @property
    def is_shared(self) -> bool:
        """A win of a shared goal: the couple's."""
        return self.owner_id is None


class Appreciation(PartnershipRecord, db.Model):
    """A partner's note of appreciation on a win."""

    __tablename__ = "appreciations"

    win_id: Mapped[int] = mapped_column(ForeignKey("wins.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[User | None] = relationship(lazy="joined")


class WinReaction(PartnershipRecord, db.Model):
    """A member's reaction to a win: each reaction once per member."""

    __tablename__ = "win_reactions"
    __table_args__ = (
        UniqueConstraint("win_id", "user_id", "reaction"),
        CheckConstraint(_one_of("reaction", REACTIONS), name="reaction"),
    )

    win_id: Mapped[int] = mapped_column(ForeignKey("wins.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    reaction: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class WinSeen(PartnershipRecord, db.Model):
    """A member has had a win's celebration: it plays once for each."""

    __tablename__ = "wins_seen"
    __table_args__ = (UniqueConstraint("win_id", "user_id"),)

    win_id: Mapped[int] = mapped_column(ForeignKey("wins.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    seen_at: Mapped[datetime] = mapped_column(default=utcnow)
