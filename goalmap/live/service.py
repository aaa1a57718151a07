"""Live streams and presence, for one member at a time.

A stream tells the member's page *that* something changed (``changed``), that they have
news (``notified``) or that someone came or went (``presence``), never what: the page
asks again through the scoped path. See ``goalmap.broadcast`` for how an event reaches
every server process.
"""

import secrets
import time
from collections.abc import Iterator
from datetime import timedelta

from flask import Flask

from goalmap import broadcast
from goalmap.live import queries
from goalmap.models import User

# How long the browser waits before it opens a closed stream again (EventSource's retry).
RETRY_MS = 2000
# Events this close together go out as one message (the page waits as long before it asks).
GATHER_SECONDS = 0.1


def message(kind: str, at: int | None = None) -> str:
    """One Server-Sent Event: its kind and, for a change, its stamp as the event id, which
    the browser sends back as ``Last-Event-ID`` when it reconnects."""
    head = f"id: {at}\n" if at is not None else ""
    return f"{head}event: {kind}\ndata: {kind}\n\n"


def gathered(inbox: broadcast.Inbox, first: broadcast.Event) -> str:
    """``first`` and whatever follows it within GATHER_SECONDS, each kind said once (its
    latest stamp): a burst of changes (a partner dragging goals about) asks the page to
    look again once, and the stream writes once."""
    latest = {first.kind: first}
    until = time.monotonic() + GATHER_SECONDS
    while (wait := until - time.monotonic()) > 0 and (more := inbox.get(wait)) is not None:
        latest[more.kind] = more
    return "".join(message(found.kind, found.at) for found in latest.values())


def stream(
    app: Flask,
    member: User,
    *,
    page: str | None,
    place: str | None,
    seen: int | None,
    keepalive: float,
    lifetime: float,
    presence_ttl: float,
) -> Iterator[str]:
    """The member's live stream: first whatever they missed since ``seen`` (the stamp of
    the last change their page knew), then each event meant for them, until ``lifetime``
    seconds pass and the browser opens the next one.

    It runs after its request has ended, holding no request, session or connection while
    it waits; each of its few statements takes an app context of its own.
    """
    partnership_id, member_id = member.partnership_id, member.id
    broker = broadcast.broker(app)
    inbox = broadcast.Inbox(partnership_id, member_id, page)
    stream_id = secrets.token_hex(16)

    def presence(statement, *args) -> None:
        with app.app_context():
            statement(*args)
            broadcast.publish_now(broadcast.Event("presence", partnership_id))

    broker.open(inbox)  # before the catch-up read, so a change made in between is heard
    try:
        yield f"retry: {RETRY_MS}\n\n"
        with app.app_context():
            touched = queries.touched_at(partnership_id)
        now_at = broadcast.stamp(touched) if touched else None
        if seen is not None and now_at != seen:
            yield message("changed", now_at) + message("notified")
        if place:
            presence(queries.arrive, stream_id, partnership_id, member_id, place)
        ends = time.monotonic() + lifetime
        renew = time.monotonic() + presence_ttl / 2
        while (left := ends - time.monotonic()) > 0:
            found = inbox.get(min(keepalive, left))
            # A comment keeps proxies from closing an idle stream, and finds a closed one.
            yield ": still here\n\n" if found is None else gathered(inbox, found)
            if place and time.monotonic() >= renew:
                with app.app_context():
                    queries.stay(stream_id)
                renew = time.monotonic() + presence_ttl / 2
    finally:
        broker.close(inbox)
        if place:
            presence(queries.leave, stream_id)


def others_here(member: User, place: str | None, presence_ttl: float) -> list[User]:
    """The other members who have ``place`` open now."""
    if not place:
        return []
    here = set(queries.present(member, place, timedelta(seconds=presence_ttl)))
    return [other for other in member.partnership.members if other.id in here]
