"""Live updates: a change reaches the partner's open pages, carries nothing private,
is caught up after a reconnect, and crosses server processes on PostgreSQL and Redis."""

import os
import queue
import re
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from typing import ClassVar

import pytest
from factories import lane_of, logged_in, make_config, make_goal, shared_lane, stages_of
from sqlalchemy import create_engine, make_url, update

from goalmap import broadcast, create_app
from goalmap.config import normalise_database_url
from goalmap.extensions import db
from goalmap.models import Goal, Partnership

ROOT = Path(__file__).resolve().parent.parent
# Every line a stream may send: no title, no words, no record's id.
ALLOWED = re.compile(
    r"(id: \d+|event: (changed|notified|presence)|data: (changed|notified|presence)"
    r"|retry: \d+|: still here|)"
)
SECRET = "Ask about the ring"


@pytest.fixture
def app(database_url, _schema):
    """The app with short streams, so a test's streams end on their own."""
    from factories import Client, wipe

    app = create_app(
        make_config(
            database_url,
            LIVE_KEEPALIVE_SECONDS=0.1,
            LIVE_STREAM_SECONDS=2.5,
            LIVE_PRESENCE_SECONDS=60,
        )
    )
    app.test_client_class = Client
    yield app
    # A stream still open ends on its own (LIVE_STREAM_SECONDS), and on its way out it
    # writes that its member left: wait for it while the engine is this app's. Left to
    # end later, it would open a connection in the disposed engine's fresh pool, which
    # nothing closes (a ResourceWarning in whichever test collected it).
    while Stream.running:
        Stream.running.pop().join(timeout=10)
    wipe(app)
    with app.app_context():
        db.engine.dispose()


class Stream:
    """A page's open live stream, read on a thread of its own as a browser would."""

    running: ClassVar[list[threading.Thread]] = []  # the app fixture waits for them

    def __init__(self, client, page="page-of-test", headers=None, **params):
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.seen: list[str] = []
        opened: queue.Queue = queue.Queue()
        # A server answers a stream on the thread that took the request; so does this.
        self.thread = threading.Thread(
            target=self._read, args=(client, {"page": page, **params}, headers, opened)
        )
        self.thread.daemon = True
        self.thread.start()
        Stream.running.append(self.thread)
        self.response = opened.get(timeout=5)
        assert self.response.status_code == 200
        assert self.response.mimetype == "text/event-stream"

    def _read(self, client, params, headers, opened) -> None:
        response = client.get("/live", query_string=params, headers=headers, buffered=False)
        opened.put(response)
        for chunk in response.response:
            text = chunk.decode() if isinstance(chunk, bytes) else chunk
            for line in text.split("\n"):
                self.lines.put(line)
        response.close()
        self.lines.put(None)

    def events(self, within: float) -> list[str]:
        """The kinds of event heard within ``within`` seconds."""
        heard, ends = [], time.monotonic() + within
        while (left := ends - time.monotonic()) > 0:
            try:
                line = self.lines.get(timeout=left)
            except queue.Empty:
                break
            if line is None:
                break
            self.seen.append(line)
            if line.startswith("event: "):
                heard.append(line.removeprefix("event: "))
        return heard

    def wait_for(self, kind: str, within: float = 2.0) -> bool:
        ends = time.monotonic() + within
        while (left := ends - time.monotonic()) > 0:
            if kind in self.events(min(left, 0.2)):
                return True
        return False

    def quiet(self, kind: str, within: float = 0.6) -> bool:
        return kind not in self.events(within)

    def settle(self) -> None:
        """Hear what the stream says on opening (its catch-up, presence) and let it go."""
        self.events(0.4)

    def finish(self) -> list[str]:
        self.thread.join(timeout=5)
        while not self.lines.empty():
            if (line := self.lines.get()) is not None:
                self.seen.append(line)
        return self.seen


def stamp_of(app, user) -> int:
    with app.app_context():
        return broadcast.stamp(db.session.get(Partnership, user.partnership_id).touched_at)


def add_goal(client, quarter, lane, stage, page=None, **fields):
    data = {"lane_id": lane.id, "stage_id": stage.id, "title": "Evening walks", **fields}
    headers = {broadcast.PAGE_HEADER: page} if page else None
    response = client.post(f"/quarters/{quarter.id}/goals/new", data=data, headers=headers)
    assert response.status_code == 302, response.get_data(as_text=True)


def test_a_change_reaches_every_other_page_of_the_partnership_within_two_seconds(
    app, alex, sam, quarter, alex_client, sam_client
):
    sams_board = Stream(sam_client, page="sams-board-1")
    alexs_board = Stream(alex_client, page="alexs-board-1")
    alexs_phone = Stream(logged_in(app, alex), page="alexs-phone-1")
    for stream in (sams_board, alexs_board, alexs_phone):
        stream.settle()

    started = time.monotonic()
    add_goal(alex_client, quarter, shared_lane(app, alex), stages_of(app, alex)[0], "alexs-board-1")

    assert sams_board.wait_for("changed")
    assert time.monotonic() - started < 2
    assert alexs_phone.wait_for("changed")  # the same member on another device
    # The page that made the change has its answer already; it is not told again.
    assert alexs_board.quiet("changed")


def test_a_stream_never_carries_a_private_goal(app, alex, sam, quarter, alex_client, sam_client):
    sams = Stream(sam_client)
    sams.settle()
    lane, stages = lane_of(app, alex), stages_of(app, alex)
    add_goal(alex_client, quarter, lane, stages[0], title=SECRET, notes=SECRET, is_private="y")
    assert sams.wait_for("changed")

    lines = sams.finish()
    assert not [line for line in lines if SECRET.lower() in line.lower()]
    assert [line for line in lines if not ALLOWED.fullmatch(line)] == []


def test_a_rolled_back_write_tells_nobody(app, alex, sam, quarter, alex_client, sam_client):
    sams = Stream(sam_client)
    sams.settle()
    refused = alex_client.post(
        f"/quarters/{quarter.id}/goals/new",
        data={"lane_id": lane_of(app, alex).id, "stage_id": stages_of(app, alex)[0].id},
    )
    assert refused.status_code == 422  # no title: nothing saved, nothing to tell
    assert sams.quiet("changed", within=0.8)


def test_a_reconnecting_page_catches_up_on_what_it_missed(
    app, alex, sam, quarter, alex_client, sam_client
):
    current = stamp_of(app, sam)
    up_to_date = Stream(sam_client, since=current)
    assert up_to_date.quiet("changed", within=0.5)

    make_goal(app, quarter, lane_of(app, alex), title="Made while Sam was away")
    missed = stamp_of(app, sam)
    assert missed != current

    # The browser's EventSource sends the last event's id when it opens the stream again.
    behind = Stream(sam_client, since=missed, headers={"Last-Event-ID": str(current)})
    assert behind.events(1)[:2] == ["changed", "notified"]
    caught_up = Stream(sam_client, since=current, headers={"Last-Event-ID": str(missed)})
    assert caught_up.quiet("changed", within=0.5)


def test_the_changed_event_carries_the_stamp_the_page_sends_back(
    app, alex, sam, quarter, alex_client, sam_client
):
    sams = Stream(sam_client)
    sams.settle()
    add_goal(alex_client, quarter, shared_lane(app, alex), stages_of(app, alex)[0])
    assert sams.wait_for("changed")
    ids = [line for line in sams.seen if line.startswith("id: ")]
    assert ids[-1] == f"id: {stamp_of(app, sam)}"


def test_presence_shows_who_else_has_the_board_open(
    app, alex, sam, quarter, alex_client, sam_client
):
    place = f"board-{quarter.id}"
    sams = Stream(sam_client, place=place)
    sams.settle()
    assert "is here too" not in sam_client.get(f"/live/presence?place={place}").get_data(True)

    alexs = Stream(alex_client, place=place)
    assert sams.wait_for("presence")
    marker = sam_client.get(f"/live/presence?place={place}", htmx=True).get_data(as_text=True)
    assert 'id="presence"' in marker
    assert "Alex is here too" in marker
    assert "Sam is here too" not in marker  # never yourself
    elsewhere = sam_client.get("/live/presence?place=planning-1").get_data(as_text=True)
    assert "is here too" not in elsewhere

    later = Stream(sam_client, place=place)  # open beyond the end of Alex's
    later.settle()
    alexs.finish()  # the stream ends (LIVE_STREAM_SECONDS): Alex has gone
    assert later.wait_for("presence", within=1.5)
    assert "is here too" not in sam_client.get(f"/live/presence?place={place}").get_data(True)


def test_presence_is_no_change_to_the_partnerships_data(app, alex, sam, quarter, sam_client):
    before = stamp_of(app, sam)
    Stream(sam_client, place=f"board-{quarter.id}").finish()
    assert stamp_of(app, sam) == before


def test_a_notification_event_reaches_only_its_member(app, alex, sam, alex_client, sam_client):
    sams, alexs = Stream(sam_client), Stream(alex_client)
    sams.settle()
    alexs.settle()
    with app.app_context():
        broadcast.tell_after_commit(sam.partnership_id, sam.id)
        db.session.commit()
    assert sams.wait_for("notified")
    assert alexs.quiet("notified")


def test_a_stranger_hears_nothing_of_another_partnership(
    app, alex, sam, stranger, quarter, alex_client, stranger_client
):
    theirs = Stream(stranger_client)
    theirs.settle()
    add_goal(alex_client, quarter, shared_lane(app, alex), stages_of(app, alex)[0])
    assert theirs.quiet("changed", within=0.8)


def test_a_mangled_stream_address_still_opens_and_a_stranger_place_shows_nobody(
    app, alex, sam, sam_client, stranger_client
):
    mangled = Stream(sam_client, page="<script>", place="lanes-1; DROP", since="yesterday")
    assert mangled.response.status_code == 200
    mangled.finish()
    assert stranger_client.get("/live/presence?place=board-1").status_code == 200


def test_pages_name_their_live_parts_and_open_the_stream(app, alex, sam, quarter, alex_client):
    page = alex_client.get(f"/quarters/{quarter.id}").get_data(as_text=True)
    assert re.search(r'sse-connect="/live\?page=[\w-]+&amp;place=board-\d+&amp;since=\d+"', page)
    assert f'data-live="/quarters/{quarter.id}"' in page  # the board asks for itself again
    assert 'id="presence"' in page
    assert "htmx-ext-sse-2.2.4.js" in page and "js/live.js" in page
    # An edit form open on the board is never replaced under the cursor.
    goal = make_goal(app, quarter, lane_of(app, alex))
    form = alex_client.get(f"/goals/{goal.id}/edit", htmx=True).get_data(as_text=True)
    assert "data-live-hold" in form
    signed_out = app.test_client().get("/login").get_data(as_text=True)
    assert "sse-connect" not in signed_out and "live.js" not in signed_out


def test_the_stream_needs_a_signed_in_member(client):
    response = client.get("/live")
    assert response.status_code in (302, 401)


def test_the_broker_follows_the_configuration(database_url):
    def chosen(**config):
        return type(broadcast.choose(create_app(make_config(database_url, **config)))).__name__

    on_postgres = database_url.startswith("postgresql")
    assert chosen() == ("Postgres" if on_postgres else "Broker")
    assert chosen(LIVE_BROKER="memory") == "Broker"
    assert chosen(LIVE_BROKER="redis://127.0.0.1:6379/0") == "Redis"
    with pytest.raises(RuntimeError, match="LIVE_BROKER"):
        chosen(LIVE_BROKER="carrier-pigeon")


# -- between server processes ----------------------------------------------------------

LISTENER = textwrap.dedent(
    """
    import sys
    from goalmap import broadcast, create_app

    app = create_app({
        "TESTING": True, "SECRET_KEY": "x", "RATELIMIT_STORAGE_URI": "memory://",
        "SQLALCHEMY_DATABASE_URI": sys.argv[1], "LIVE_BROKER": sys.argv[2],
    })
    broker = broadcast.broker(app)
    inbox = broadcast.Inbox(int(sys.argv[3]), 1, None)
    broker.open(inbox)  # returns once the process listens
    print("listening", flush=True)
    while (found := inbox.get(timeout=10)) is not None:
        if found.kind == "changed" and found.at:
            print(found.dumps(), flush=True)
            break
    broker.close(inbox)
    """
)


def _reachable_or_skip(what: str, check) -> None:
    try:
        check()
    except Exception as error:  # any failure to connect
        if os.environ.get("GOALMAP_REQUIRE_SERVICES"):
            pytest.fail(f"{what} is not reachable and GOALMAP_REQUIRE_SERVICES is set: {error}")
        pytest.skip(f"{what} is not reachable: {error}")


def _postgres_url() -> str:
    url = normalise_database_url(
        os.environ.get("TEST_DATABASE_URL") or "postgresql://postgres@127.0.0.1:5432/test"
    )

    def connect():
        engine = create_engine(url)
        try:
            engine.connect().close()
        finally:
            engine.dispose()

    _reachable_or_skip("PostgreSQL", connect)
    return url


def _redis_url() -> str:
    import redis

    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    _reachable_or_skip("Redis", lambda: redis.Redis.from_url(url, socket_timeout=2).ping())
    return url


@pytest.mark.parametrize("kind", ["postgresql", "redis"])
def test_an_event_reaches_a_listener_in_another_server_process(kind, tmp_path):
    database = _postgres_url() if kind == "postgresql" else f"sqlite:///{tmp_path / 'x.sqlite'}"
    broker_config = "postgresql" if kind == "postgresql" else _redis_url()
    partnership_id = 424242
    with subprocess.Popen(
        [sys.executable, "-c", LISTENER, database, broker_config, str(partnership_id)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as listener:
        try:
            assert listener.stdout.readline().strip() == "listening", listener.stderr.read()
            app = create_app(make_config(database, LIVE_BROKER=broker_config))
            with app.app_context():
                sent = broadcast.Event("changed", partnership_id, at=1234567)
                started = time.monotonic()
                broadcast.broker().publish([sent])
                heard = listener.stdout.readline().strip()
                took = time.monotonic() - started
                broadcast.broker().dispose()
                db.engine.dispose()
        finally:
            listener.kill()
    assert broadcast.Event.loads(heard) == sent
    assert took < 2


def test_a_commit_on_postgresql_is_heard_through_listen(database_url, app, alex, sam, sam_client):
    """On PostgreSQL the whole path runs through NOTIFY, even in one process."""
    if not database_url.startswith("postgresql"):
        url = make_url(database_url)
        pytest.skip(f"the suite runs on {url.get_backend_name()}; CI runs it on PostgreSQL too")
    sams = Stream(sam_client)
    sams.settle()
    with app.app_context():
        db.session.execute(update(Goal).where(Goal.id == -1).values(title="none"))
        Partnership.touch(sam.partnership_id)
        db.session.commit()
    assert sams.wait_for("changed")


def test_stream_timings_can_be_set_in_the_environment(monkeypatch, tmp_path):
    from goalmap.config import from_environment

    monkeypatch.setenv("LIVE_STREAM_SECONDS", "120")
    monkeypatch.delenv("LIVE_KEEPALIVE_SECONDS", raising=False)
    config = from_environment(str(tmp_path))
    assert config["LIVE_STREAM_SECONDS"] == 120.0 and "LIVE_KEEPALIVE_SECONDS" not in config


class _QuietBroker(broadcast.Broker):
    """A broker between processes whose listener only waits to be stopped."""

    listens = True

    def _listen(self, stop, connected) -> None:
        connected()
        stop.wait()


def test_a_stream_opening_as_the_last_one_closes_keeps_its_listener():
    broker = _QuietBroker()
    discard = broker.hub.discard

    def discard_then_pause(inbox):  # the closing thread is set aside right after counting
        left = discard(inbox)
        time.sleep(0.02)
        return left

    broker.hub.discard = discard_then_pause
    inboxes = [broadcast.Inbox(1, 1, None) for _ in range(2)]
    broker.open(inboxes[0])
    for _ in range(5):
        # The last stream closes while the next one opens, on two threads at once.
        closing = threading.Thread(target=broker.close, args=(inboxes[0],))
        closing.start()
        time.sleep(0.005)
        broker.open(inboxes[1])
        closing.join()
        assert broker._stop is not None and not broker._stop.is_set()
        inboxes.reverse()
    broker.close(inboxes[0])
    assert broker._stop is None


def test_a_commit_on_postgresql_needs_no_second_connection(database_url, alex, sam, quarter):
    """The NOTIFY travels in the transaction: a pool of one connection, all held by the
    request, still publishes."""
    if not database_url.startswith("postgresql"):
        pytest.skip("the suite runs on SQLite; CI runs it on PostgreSQL too")
    app = create_app(
        make_config(
            database_url,
            LIVE_STREAM_SECONDS=2.5,
            SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 1, "max_overflow": 0, "pool_timeout": 1},
        )
    )
    listener = create_app(make_config(database_url))
    inbox = broadcast.Inbox(alex.partnership_id, alex.id, None)
    broadcast.broker(listener).open(inbox)
    try:
        with app.app_context():
            Partnership.touch(alex.partnership_id)
            db.session.commit()
            db.engine.dispose()
        heard = inbox.get(timeout=2)
        assert heard is not None and heard.kind == "changed"
    finally:
        broadcast.broker(listener).close(inbox)
        with listener.app_context():
            db.engine.dispose()
