"""The live area's statements: the partnership's last change, and presence.

Presence is written with plain statements on a connection of its own, never through the
ORM, so arriving on a page is no change to the partnership's data (its pages' ETags
stay) and is saved at once, outside the stream's request.
"""

from datetime import datetime, timedelta

from sqlalchemy import delete, insert, select, update

from goalmap import database
from goalmap.models import Partnership, Presence, User, utcnow


def touched_at(partnership_id: int) -> datetime | None:
    return database.read_apart(
        select(Partnership.touched_at).where(Partnership.id == partnership_id)
    )


def arrive(stream_id: str, partnership_id: int, member_id: int, place: str) -> None:
    database.write_apart(
        insert(Presence).values(
            id=stream_id,
            partnership_id=partnership_id,
            user_id=member_id,
            place=place,
            seen_at=utcnow(),
        )
    )


def stay(stream_id: str) -> None:
    database.write_apart(update(Presence).where(Presence.id == stream_id).values(seen_at=utcnow()))


def leave(stream_id: str) -> None:
    database.write_apart(delete(Presence).where(Presence.id == stream_id))


def present(member: User, place: str, within: timedelta) -> list[int]:
    """The other members who have ``place`` open now, by id."""
    return database.read_apart(
        select(Presence.user_id)
        .where(
            Presence.partnership_id == member.partnership_id,
            Presence.place == place,
            Presence.user_id != member.id,
            Presence.seen_at > utcnow() - within,
        )
        .distinct(),
        all_rows=True,
    )
