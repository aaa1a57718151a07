"""Live events: a partnership's open pages hear that something changed, in every
server process.

An event says only *that* something changed, for which partnership, and (for a
notification) for which member. It carries no title, no words and no ids of records,
so a partner's private goal never travels in one: each page asks again for what it
shows, through the scoped path, and sees what it may see.

Every change to a partnership's data already moves its ``touched_at``
(``Partnership.touch``, called by the flush hook in ``goalmap.database``). The ids it
touched are published here once the transaction commits (on PostgreSQL, by a NOTIFY in
the transaction, which the commit sends), so nothing is told of a write that rolled
back.

Three brokers carry events between server processes; each process's :class:`Hub` hands
them to its own open streams:

- ``InProcess``: the single-process default (``make run``, SQLite).
- ``Postgres``: ``NOTIFY``/``LISTEN`` on the app's own database, the default there.
- ``Redis``: publish/subscribe, when ``LIVE_BROKER`` (or ``REDIS_URL``) names a Redis.

A process listens only while it has a stream open, on one thread and one connection of
its own; the first stream waits until it listens. After its connection to the broker
comes back, every open page is told to look again: events may have passed meanwhile.
"""

import json
import logging
import queue
import re
import threading
from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

from flask import Flask, current_app, has_request_context, request
from sqlalchemy import event as orm_event
from sqlalchemy import func, select

from goalmap.extensions import db

CHANNEL = "goalmap_live"
KINDS = frozenset({"changed", "notified", "presence"})
# The page a request came from (static/js/live.js sends it with every htmx request).
PAGE_HEADER = "X-Live-Page"
PAGE_ID = re.compile(r"[A-Za-z0-9_-]{8,32}")
# What a transaction changed, noted by Partnership.touch ({id: touched_at}) and by
# tell_after_commit ({(partnership id, member id)}).
TOUCHED = "touched_partnerships"
NOTIFIED = "notified_members"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Event:
    kind: str  # "changed", "notified" or "presence"
    partnership_id: int
    user_id: int | None = None  # only this member's pages hear it
    origin: str | None = None  # the page whose request made the change: it has its answer
    at: int | None = None  # the partnership's touched_at, as stamp(): the stream's event id

    def dumps(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def loads(cls, payload: str | bytes) -> "Event | None":
        """The event in ``payload``, or None for anything that is not one."""
        try:
            fields = json.loads(payload)
            found = cls(**fields)
        except (TypeError, ValueError):
            return None
        if found.kind not in KINDS or not isinstance(found.partnership_id, int):
            return None
        return found


class Inbox:
    """One open stream: the member it belongs to and the events waiting for it."""

    def __init__(self, partnership_id: int, user_id: int, page: str | None):
        self.partnership_id = partnership_id
        self.user_id = user_id
        self.page = page
        self._events: queue.SimpleQueue[Event] = queue.SimpleQueue()

    def wants(self, event: Event) -> bool:
        if event.user_id is not None and event.user_id != self.user_id:
            return False
        return not (event.kind == "changed" and event.origin and event.origin == self.page)

    def put(self, event: Event) -> None:
        self._events.put(event)

    def get(self, timeout: float) -> Event | None:
        """The next event, or None when ``timeout`` seconds pass without one."""
        try:
            return self._events.get(timeout=timeout)
        except queue.Empty:
            return None


class Hub:
    """This process's open streams, by partnership."""

    def __init__(self):
        self._lock = threading.Lock()
        self._inboxes: dict[int, set[Inbox]] = defaultdict(set)

    def add(self, inbox: Inbox) -> int:
        with self._lock:
            self._inboxes[inbox.partnership_id].add(inbox)
            return self._count()

    def discard(self, inbox: Inbox) -> int:
        with self._lock:
            inboxes = self._inboxes.get(inbox.partnership_id, set())
            inboxes.discard(inbox)
            if not inboxes:
                self._inboxes.pop(inbox.partnership_id, None)
            return self._count()

    def _count(self) -> int:
        return sum(len(inboxes) for inboxes in self._inboxes.values())

    def deliver(self, event: Event) -> None:
        with self._lock:
            inboxes = tuple(self._inboxes.get(event.partnership_id, ()))
        for inbox in inboxes:
            if inbox.wants(event):
                inbox.put(event)

    def look_again(self) -> None:
        """Tell every open page to look again (events may have been missed)."""
        with self._lock:
            partnerships = tuple(self._inboxes)
        for partnership_id in partnerships:
            self.deliver(Event("changed", partnership_id))
            self.deliver(Event("notified", partnership_id))


class Broker:
    """Carries events to every process's hub; this one, to this process's only."""

    name = "in-process"

    def __init__(self):
        self.hub = Hub()
        # Guards the listener's start and stop together with the count of open streams,
        # so a stream opening as the last one closes never finds the listener stopping.
        self._lock = threading.Lock()
        self._stop: threading.Event | None = None
        self._listening: threading.Event | None = None
        self._late = False  # a stream stopped waiting for the listener to connect

    def publish(self, events: list[Event]) -> None:
        for one in events:
            self.hub.deliver(one)

    # A broker between processes listens on a thread of its own while streams are open.
    listens = False

    def open(self, inbox: Inbox) -> None:
        with self._lock:
            self.hub.add(inbox)
            if self.listens and self._stop is None:
                self._stop, self._listening = threading.Event(), threading.Event()
                threading.Thread(
                    target=self._listen_until,
                    args=(self._stop, self._listening),
                    name=CHANNEL,
                    daemon=True,
                ).start()
            listening = self._listening
        # Wait (a little) until changes are heard: one made after the stream's catch-up
        # read must not pass unheard. If it takes longer, the pages look again once the
        # listener is there.
        if listening is not None and not listening.wait(timeout=2):
            self._late = True

    def close(self, inbox: Inbox) -> None:
        with self._lock:
            if self.hub.discard(inbox) == 0 and self._stop is not None:
                self._stop.set()
                self._stop = self._listening = None

    def _listen_until(self, stop: threading.Event, listening: threading.Event) -> None:
        def connected() -> None:
            # Back after a lost connection, or later than a stream waited: events may
            # have passed meanwhile.
            if listening.is_set() or self._late:
                self._late = False
                self.hub.look_again()
            listening.set()

        delay = 0.5
        while not stop.is_set():
            try:
                self._listen(stop, connected)
                return
            except Exception:  # a lost connection: wait a little longer each time
                log.warning("Live events: %s connection lost, retrying", self.name, exc_info=True)
                stop.wait(delay)
                delay = min(delay * 2, 30)

    def _listen(self, stop: threading.Event, connected) -> None:
        raise NotImplementedError

    def dispose(self) -> None:
        """Let go of the broker's own connection, if it holds one (tests, shutdown)."""


class Postgres(Broker):
    """PostgreSQL's NOTIFY/LISTEN on the app's own database."""

    name = "PostgreSQL"
    listens = True

    def __init__(self, app: Flask):
        super().__init__()
        with app.app_context():
            self.engine = db.engine
        self.conninfo = self.engine.url.set(drivername="postgresql").render_as_string(
            hide_password=False
        )

    def publish(self, events: list[Event]) -> None:
        with self.engine.connect() as conn:
            self.notify(conn, events)
            conn.commit()

    @staticmethod
    def notify(conn, events: list[Event]) -> None:
        """NOTIFY on ``conn``: PostgreSQL sends it when that transaction commits, and
        never if it rolls back."""
        for one in events:
            conn.execute(select(func.pg_notify(CHANNEL, one.dumps())))

    def _listen(self, stop, connected) -> None:
        import psycopg

        with psycopg.connect(self.conninfo, autocommit=True) as conn:
            conn.execute(f"LISTEN {CHANNEL}")
            connected()
            while not stop.is_set():
                for notice in conn.notifies(timeout=1.0):
                    if found := Event.loads(notice.payload):
                        self.hub.deliver(found)


class Redis(Broker):
    """Redis publish/subscribe."""

    name = "Redis"
    listens = True

    def __init__(self, url: str):
        super().__init__()
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=2)

    def publish(self, events: list[Event]) -> None:
        with self.client.pipeline(transaction=False) as pipe:
            for one in events:
                pipe.publish(CHANNEL, one.dumps())
            pipe.execute()

    def dispose(self) -> None:
        self.client.close()

    def _listen(self, stop, connected) -> None:
        with self.client.pubsub(ignore_subscribe_messages=True) as pubsub:
            pubsub.subscribe(CHANNEL)
            connected()
            while not stop.is_set():
                message = pubsub.get_message(timeout=1.0)
                if message and (found := Event.loads(message["data"])):
                    self.hub.deliver(found)


def broker(app: Flask | None = None) -> Broker:
    """The app's broker."""
    return (app or current_app).extensions["goalmap.broadcast"]


def choose(app: Flask) -> Broker:
    """LIVE_BROKER: "memory", "postgresql" or a redis:// URL; unset, PostgreSQL's own
    NOTIFY on PostgreSQL and this process alone on SQLite."""
    wanted = app.config.get("LIVE_BROKER")
    if wanted and wanted.startswith(("redis://", "rediss://", "unix://")):
        return Redis(wanted)
    dialect = app.config["SQLALCHEMY_DATABASE_URI"].split(":", 1)[0].split("+", 1)[0]
    if wanted == "postgresql" or (not wanted and dialect == "postgresql"):
        return Postgres(app)
    if wanted not in (None, "", "memory"):
        raise RuntimeError(f"LIVE_BROKER={wanted!r}: use memory, postgresql or a redis:// URL.")
    return Broker()


def origin() -> str | None:
    """The page the current request came from, if it said so."""
    if not has_request_context():
        return None
    page = request.headers.get(PAGE_HEADER, "")
    return page if PAGE_ID.fullmatch(page) else None


def publish_now(event: Event) -> None:
    """Publish ``event`` at once (presence: nothing in a transaction to wait for)."""
    _publish([event])


def _publish(events: list[Event]) -> None:
    try:
        broker().publish(events)
    except Exception:  # the change is saved; a page that missed it catches up later
        log.warning("Live events: could not publish %d event(s)", len(events), exc_info=True)


def _events(session) -> list[Event]:
    """What the session's transaction changed, as events (taken: told once)."""
    touched = session.info.pop(TOUCHED, {})
    notified = session.info.pop(NOTIFIED, set())
    page = origin() if touched else None
    events = [
        Event("changed", pid, origin=page, at=stamp(moment)) for pid, moment in touched.items()
    ]
    return events + [Event("notified", pid, user_id=uid) for pid, uid in sorted(notified)]


def _before_commit(session) -> None:
    """PostgreSQL: NOTIFY in the transaction itself, on its own connection. The commit
    sends it and a rollback drops it, and no second connection is taken from the pool
    while this one is still held (under load, that would wait on the pool)."""
    current = broker()
    if not isinstance(current, Postgres):
        return
    session.flush()  # what the commit would flush touches its partnerships now
    if events := _events(session):
        current.notify(session.connection(), events)


def _after_commit(session) -> None:
    # In-process and Redis: once the commit is done (on PostgreSQL nothing is left).
    if events := _events(session):
        _publish(events)


def tell_after_commit(partnership_id: int, user_id: int) -> None:
    """Once this transaction commits, tell ``user_id``'s open pages they have news."""
    db.session.info.setdefault(NOTIFIED, set()).add((partnership_id, user_id))


def init_app(app: Flask) -> None:
    app.extensions["goalmap.broadcast"] = choose(app)
    if not orm_event.contains(db.session, "after_commit", _after_commit):
        orm_event.listen(db.session, "after_commit", _after_commit)
    if not orm_event.contains(db.session, "before_commit", _before_commit):
        orm_event.listen(db.session, "before_commit", _before_commit)


def stamp(moment: datetime) -> int:
    """A naive UTC moment (a partnership's touched_at) as an event id: milliseconds
    since the epoch."""
    return int(moment.replace(tzinfo=UTC).timestamp() * 1000)
