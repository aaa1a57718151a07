"""Several writers at once on one column: no lost write, no broken position, no 500."""

import fcntl
import os
import random
import re
import threading
import time

import pytest
from factories import (
    PASSWORD,
    cell_positions,
    lane_of,
    load,
    logged_in,
    make_goal,
    make_quarter,
    plan_next,
    stages_of,
)
from sqlalchemy import text

from goalmap.extensions import db
from goalmap.models import (
    Allocation,
    Availability,
    Goal,
    GoalComment,
    Invite,
    PlanningSeat,
    Quarter,
    User,
)

VERSION = re.compile(r'name="version" type="hidden" value="(\d+)"')
SECONDS = 3.0
WRITERS = 4


def test_concurrent_moves_and_edits_keep_positions_and_acknowledged_writes(app, alex, quarter):
    lane = lane_of(app, alex)
    stages = stages_of(app, alex)[:2]
    goals = [make_goal(app, quarter, lane, stages[i % 2], title=f"G{i}") for i in range(8)]
    acknowledged: list[tuple[int, int, str]] = []  # (goal, version it became, notes)
    failures: list[str] = []
    lock = threading.Lock()
    deadline = time.monotonic() + SECONDS

    def writer(seed: int) -> None:
        rng = random.Random(seed)
        client = logged_in(app, alex)
        n = 0
        while time.monotonic() < deadline:
            goal = rng.choice(goals)
            if rng.random() < 0.5:
                response = client.post(
                    f"/goals/{goal.id}/move",
                    htmx=True,
                    data={
                        "lane_id": lane.id,
                        "stage_id": rng.choice(stages).id,
                        "position": rng.randint(0, 5),
                    },
                )
                if response.status_code != 200:
                    failures.append(f"move {response.status_code}")
                continue
            form = client.get(f"/goals/{goal.id}/edit", htmx=True).get_data(as_text=True)
            version = int(VERSION.search(form).group(1))
            notes = f"writer {seed} edit {n}"
            n += 1
            response = client.post(
                f"/goals/{goal.id}/edit",
                htmx=True,
                data={"title": goal.title, "notes": notes, "status": "active", "version": version},
            )
            if response.status_code == 200:
                with lock:
                    acknowledged.append((goal.id, version + 1, notes))
            elif response.status_code != 409:  # a conflict is the honest answer, not a failure
                failures.append(f"edit {response.status_code}")

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=SECONDS + 30)
    assert failures == []
    assert len(acknowledged) > 5
    assert sum(len(e) for e in cell_positions(app, quarter.id).values()) == len(goals)
    latest: dict[int, tuple[int, str]] = {}
    for goal_id, version, notes in acknowledged:
        if version > latest.get(goal_id, (0, ""))[0]:
            latest[goal_id] = (version, notes)
    for goal_id, (version, notes) in latest.items():
        stored = load(app, Goal, goal_id)
        assert (stored.version, stored.notes) == (version, notes)


def test_sqlite_writers_queue_for_the_file_lock_and_let_go_after_commit(app, caplog):
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("the writer queue is for SQLite files")
        queue = db.engine.url.database + ".writer"
    probe = os.open(queue, os.O_RDWR)

    def free() -> bool:
        try:
            fcntl.flock(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        fcntl.flock(probe, fcntl.LOCK_UN)
        return True

    try:
        with app.test_request_context(method="GET"):
            db.session.execute(text("SELECT 1"))
            assert free()  # a reader does not queue
            db.session.rollback()
        with app.test_request_context("/settings", method="POST"):
            app.preprocess_request()  # who is signed in is read before queueing
            assert free()
            db.session.execute(text("SELECT 1"))
            assert not free()  # a writer holds the queue for its transaction
            db.session.commit()
            assert free()  # and lets go with the commit
            db.session.execute(text("SELECT 1"))
            assert free()  # what a request reads after its commit does not queue
            db.session.rollback()
        with app.test_request_context(method="POST"):
            db.session.execute(text("SELECT 1"))
            assert not free()
            db.session.rollback()
            assert free()  # nor does a rolled-back writer keep it
    finally:
        os.close(probe)
    # Let go in the pool's reset event, not by a connection thrown away after an error.
    assert not [r for r in caplog.records if r.name.startswith("sqlalchemy.pool")]


def test_a_request_that_only_reads_writes_nothing(app):
    @app.get("/test-only/write-on-get")
    def write_on_get():
        db.session.add(Goal(title="Sneaked in"))
        db.session.flush()
        return "written"

    with pytest.raises(RuntimeError, match="GET /test-only/write-on-get tried to write"):
        app.test_client().get("/test-only/write-on-get")


def test_postgresql_reads_run_without_a_transaction_and_writes_with_one(app):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("SQLite keeps its transactions: they cost no round trip")
    for method, autocommit in (("GET", True), ("POST", False)):
        with app.test_request_context("/settings", method=method):
            app.preprocess_request()
            dbapi = db.session.connection().connection.dbapi_connection
            assert dbapi.autocommit is autocommit, method
            db.session.remove()


def post_at_once(clients, url: str, data: dict | None = None) -> list[int]:
    """Each client posts to ``url`` at the same moment; the answers' status codes."""
    statuses: list[int] = []
    barrier = threading.Barrier(len(clients))

    def post(client) -> None:
        barrier.wait()
        statuses.append(client.post(url, data=data).status_code)

    threads = [threading.Thread(target=post, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return statuses


def test_partners_agreeing_at_once_start_the_quarter_without_a_conflict(app, alex, sam):
    clients = [logged_in(app, alex), logged_in(app, sam)]
    current = make_quarter(app, alex, name="2027 Q1", state="active")
    planned = plan_next(clients[0], current)
    # Each partner clicks twice, all four requests at once.
    statuses = post_at_once([*clients, *clients], f"/quarters/{planned}/session/confirm")
    # Both agreements count; a click after the quarter has started is refused, not a 500.
    assert len(statuses) == 4 and set(statuses) <= {302, 409}
    assert statuses.count(302) >= 2
    with app.app_context():
        seats = db.session.scalars(db.select(PlanningSeat)).all()
        assert sorted(s.user_id for s in seats) == sorted([alex.id, sam.id])
        assert all(s.confirmed_at for s in seats)
        assert db.session.get(Quarter, planned).state == "active"


def test_partners_leaving_at_once_leave_one_of_them_behind(app, alex, sam):
    clients = [logged_in(app, alex), logged_in(app, sam)]
    make_quarter(app, alex, name="2027 Q1", state="active")
    data = {"password": PASSWORD, "understood": "y"}
    statuses = post_at_once(clients, "/settings/leave", data)
    assert len(statuses) == 2 and all(s < 500 for s in statuses)
    partnerships = {load(app, User, u.id).partnership_id for u in (alex, sam)}
    assert len(partnerships) == 2  # one left; the other stayed, alone, with the shared goals
    assert alex.partnership_id in partnerships or sam.partnership_id in partnerships


def test_one_note_saved_twice_at_once_stays_one_current_note(app, alex, quarter):
    clients = [logged_in(app, alex) for _ in range(4)]
    goal = make_goal(app, quarter, lane_of(app, alex))
    url = f"/goals/{goal.id}/allocations"
    base = {"currency": "EUR", "money_period": "month"}
    # Four first notes at once: the database keeps one current note per partner and goal.
    statuses = post_at_once(clients, url, {**base, "hours_per_week": "2"})
    assert sorted(statuses) == [302, 409, 409, 409]
    with app.app_context():
        current = db.session.scalars(
            db.select(Allocation).where(Allocation.replaced_at.is_(None))
        ).all()
        assert len(current) == 1
        seen = current[0].id
    # Four changes of the same note at once: one replaces it, the others are conflicts.
    statuses = post_at_once(clients, url, {**base, "hours_per_week": "3", "replaces": seen})
    assert sorted(statuses) == [302, 409, 409, 409]
    with app.app_context():
        notes = db.session.scalars(db.select(Allocation).order_by(Allocation.created_at)).all()
        assert [n.replaced_at is None for n in notes] == [False, True]


def test_a_cheer_sent_at_once_from_several_tabs_counts_once(app, alex, sam, quarter):
    goal = make_goal(app, quarter, lane_of(app, alex))
    statuses = post_at_once([logged_in(app, sam) for _ in range(4)], f"/goals/{goal.id}/cheers")
    assert statuses == [302] * 4
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(GoalComment)) == 1
        assert db.session.get(Goal, goal.id).comment_count == 1


def test_a_goal_carried_over_at_once_goes_on_once(app, alex, sam):
    current = make_quarter(app, alex, name="2027 Q1", state="active")
    goal = make_goal(app, current, lane_of(app, alex), title="Learn the cello")
    clients = [logged_in(app, alex) for _ in range(4)]
    planned = plan_next(clients[0], current)
    url = f"/quarters/{planned}/session/review/{goal.id}"
    statuses = post_at_once(clients, url, {"decision": "carry"})
    assert statuses == [302] * 4  # the others are told it was decided already
    with app.app_context():
        chain = db.session.scalars(db.select(Goal).where(Goal.title == "Learn the cello")).all()
        assert sorted((g.quarter_id, g.status) for g in chain) == sorted(
            [(current.id, "carried"), (planned, "active")]
        )


def test_choosing_the_done_column_at_once_leaves_one(app, alex):
    clients = [logged_in(app, alex) for _ in range(4)]
    stages = stages_of(app, alex)
    statuses: list[int] = []
    barrier = threading.Barrier(len(clients))

    def choose(client, stage) -> None:
        barrier.wait()
        statuses.append(client.post("/stages/done", data={"stage_id": stage.id}).status_code)

    threads = [
        threading.Thread(target=choose, args=pair) for pair in zip(clients, stages, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert statuses == [302] * 4
    assert sum(stage.is_done for stage in stages_of(app, alex)) == 1


def test_comments_and_moves_at_once_on_the_same_goals_end_without_an_error(app, alex, quarter):
    lane = lane_of(app, alex)
    stages = stages_of(app, alex)[:2]
    goals = [make_goal(app, quarter, lane, stages[0], title=f"G{i}") for i in range(3)]
    failures: list[str] = []
    deadline = time.monotonic() + SECONDS

    def writer(seed: int) -> None:
        rng = random.Random(seed)
        client = logged_in(app, alex)
        while time.monotonic() < deadline:
            goal = rng.choice(goals)
            if seed % 2:
                data = {"lane_id": lane.id, "stage_id": rng.choice(stages).id, "position": 0}
                response = client.post(f"/goals/{goal.id}/move", htmx=True, data=data)
            else:
                data = {"body": f"Go {seed}"}
                response = client.post(f"/goals/{goal.id}/comments", htmx=True, data=data)
            if response.status_code != 200:
                failures.append(f"{response.status_code}")

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=SECONDS + 30)
    assert failures == []
    with app.app_context():
        counts = db.session.scalars(db.select(Goal.comment_count)).all()
        written = db.session.scalar(db.select(db.func.count()).select_from(GoalComment))
        assert sum(counts) == written > 0


def test_one_invite_admits_one_person_however_many_try_at_once(app, alex):
    from factories import Client

    with app.app_context():
        member = db.session.get(User, alex.id)
        invite, token = Invite.issue(member.partnership, member, 7)
        db.session.add(invite)
        db.session.commit()
    clients = [app.test_client() for _ in range(6)]
    for client in clients:
        assert isinstance(client, Client)
    statuses: list[int] = []
    barrier = threading.Barrier(len(clients))

    def join(index: int, client) -> None:
        data = {
            "email": f"joiner{index}@example.com",
            "display_name": f"Joiner {index}",
            "password": PASSWORD,
            "confirm": PASSWORD,
            "csrf_token": client.csrf_token(),
        }
        barrier.wait()
        statuses.append(client.post(f"/join/{token}", data=data, csrf=False).status_code)

    threads = [threading.Thread(target=join, args=pair) for pair in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    # One joins; the others get what they would a moment later: the link is gone.
    assert sorted(statuses) == [302, 410, 410, 410, 410, 410]
    with app.app_context():
        members = db.session.scalars(
            db.select(User).where(User.partnership_id == alex.partnership_id)
        ).all()
        assert len(members) == 2
        joiners = db.session.scalars(db.select(User).where(User.email.like("joiner%"))).all()
        assert len(joiners) == 1  # nobody else's account was half made


def test_two_first_availability_saves_at_once_keep_one(app, alex, quarter):
    clients = [logged_in(app, alex) for _ in range(4)]
    data = {"hours_per_week": "10", "budget": "100", "currency": "EUR", "version": "0"}
    statuses = post_at_once(clients, f"/quarters/{quarter.id}/availability", data)
    assert sorted(statuses) == [302, 409, 409, 409]
    with app.app_context():
        rows = db.session.scalars(db.select(Availability)).all()
        assert [(r.hours_per_week, r.version) for r in rows] == [(10, 1)]
    # Two saves of what the same form showed: one wins, the other is told, nothing lost.
    data.update(version="1", hours_per_week="12")
    statuses = post_at_once(clients[:2], f"/quarters/{quarter.id}/availability", data)
    assert sorted(statuses) == [302, 409]
    with app.app_context():
        assert db.session.scalar(db.select(Availability.version)) == 2
