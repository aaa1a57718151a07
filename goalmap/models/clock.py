from datetime import UTC, datetime


def utcnow() -> datetime:
    """Now, as a naive UTC datetime (what both SQLite and PostgreSQL store here)."""
    return datetime.now(UTC).replace(tzinfo=None)
