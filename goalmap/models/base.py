"""What every model shares: the clock, the partnership column and partial unique indexes."""

from datetime import UTC, datetime

from sqlalchemy import ForeignKey, Index, text
from sqlalchemy.orm import Mapped, mapped_column


def utcnow() -> datetime:
    """Now, as a naive UTC datetime (what both SQLite and PostgreSQL store here)."""
    return datetime.now(UTC).replace(tzinfo=None)


def unique_where(name: str, *columns: str, where: str) -> Index:
    """A unique index over the rows where ``where`` holds, on SQLite and PostgreSQL alike:
    how the database itself keeps one current note, one cheer, one done column."""
    return Index(
        name, *columns, unique=True, sqlite_where=text(where), postgresql_where=text(where)
    )


class PartnershipRecord:
    """A record of one partnership's data, with the ``partnership_id`` by which
    ``goalmap.scoping`` filters every query for it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(
        ForeignKey("partnerships.id", ondelete="CASCADE"), index=True
    )
