"""What every model shares: the clock, the partnership column and partial unique indexes."""

import secrets
from datetime import UTC, datetime

from sqlalchemy import ForeignKey, Index, select, text
from sqlalchemy.orm import Mapped, mapped_column


def utcnow() -> datetime:
    """Now, as a naive UTC datetime (what both SQLite and PostgreSQL store here)."""
    return datetime.now(UTC).replace(tzinfo=None)


# The largest value of an INTEGER column (ids, versions) on PostgreSQL.
MAX_INTEGER = 2**31 - 1


def unguessable_id(context) -> int:
    """A primary key default: a random free id instead of the next in a sequence.

    For records whose ids a partner sees while the other's are hidden (goals, notes):
    with sequential ids, the gap between two of your own would count the drafts your
    partner wrote in between. The id is checked on the inserting connection; two
    inserts picking the same one of two billion at the same moment would meet the
    primary key, as any duplicate does."""
    column = context.current_column
    while True:
        candidate = secrets.randbelow(MAX_INTEGER) + 1
        if context.connection.scalar(select(column).where(column == candidate)) is None:
            return candidate


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
