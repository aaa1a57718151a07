"""Presence: who has the board or the session open right now.

One row for each open live stream that names a place; written with plain statements
(``live.queries``), never through the ORM, so a partner arriving is not a change to
the partnership's data and moves no page's ETag.
"""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from goalmap.extensions import db


class Presence(db.Model):
    __tablename__ = "presences"
    __table_args__ = (Index("ix_presences_partnership_id_place", "partnership_id", "place"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # the stream's own
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    place: Mapped[str] = mapped_column(String(40))
    seen_at: Mapped[datetime]
