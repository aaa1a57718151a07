"""Fixtures: a fresh database per test, clients that log in through the real routes.

The suite runs on SQLite by default and on PostgreSQL when TEST_DATABASE_URL is
set; each pytest-xdist worker gets a database of its own, built by the migrations.
"""

import os
from datetime import date, time, timedelta

import flask_migrate
import pytest
from factories import (
    Client,
    QueryCounter,
    allocate,
    lane_of,
    logged_in,
    make_config,
    make_contract,
    make_goal,
    make_milestones,
    make_quarter,
    make_review,
    make_user,
    raise_entry,
    shared_lane,
    stages_of,
    win_of,
    wipe,
)
from sqlalchemy import create_engine, make_url

from goalmap import create_app
from goalmap.config import normalise_database_url
from goalmap.extensions import db
from goalmap.models import Allocation, Goal, Invite, PasswordReset, SharedValue, User, utcnow
from goalmap.notifications import service as notifications
from goalmap.rituals import service as rituals


@pytest.fixture(scope="session")
def database_url(tmp_path_factory, worker_id):
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "goalmap.sqlite")
    url = make_url(normalise_database_url(base))
    # Two checkouts testing on one server at once each set a prefix of their own.
    name = f"{os.environ.get('TEST_DATABASE_PREFIX', 'goalmap_test')}_{worker_id}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def _schema(database_url):
    app = create_app(make_config(database_url))
    with app.app_context():
        flask_migrate.upgrade()
        db.engine.dispose()


@pytest.fixture
def app(database_url, _schema):
    """The app on an empty database. No app context stays pushed during the test: each
    request gets its own, as in production (so ``g`` and the db session are per request)."""
    app = create_app(make_config(database_url))
    app.test_client_class = Client
    yield app
    wipe(app)
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def alex(app):
    return make_user(app, "Alex")


@pytest.fixture
def sam(app, alex):
    return make_user(app, "Sam", partner_of=alex)


@pytest.fixture
def stranger(app):
    return make_user(app, "Stranger")


@pytest.fixture
def alex_client(app, alex):
    return logged_in(app, alex)


@pytest.fixture
def sam_client(app, sam):
    return logged_in(app, sam)


@pytest.fixture
def stranger_client(app, stranger):
    return logged_in(app, stranger)


@pytest.fixture
def quarter(app, alex):
    return make_quarter(app, alex)


@pytest.fixture
def count_queries(app):
    with app.app_context():
        engine = db.engine
    return lambda: QueryCounter(engine)


@pytest.fixture
def world(app, alex, sam):
    """Alex and Sam's partnership with one of each record, and their ids: an active
        quarter with a personal, a shared and a deleted goal, a note and an older one, a
        later quarter, a quarter in planning, an open invite (and its token), a value, a link to
    choose a new password (its token) and one to stop Alex's digest."""
    quarter = make_quarter(app, alex, name="2027 Q1", state="active")
    later = make_quarter(
        app, alex, name="2027 Q3", starts_on=date(2027, 7, 1), ends_on=date(2027, 9, 30)
    )
    planning = make_quarter(
        app,
        alex,
        name="2027 Q2",
        starts_on=date(2027, 4, 1),
        ends_on=date(2027, 6, 30),
        previous_id=quarter.id,
    )
    stage = stages_of(app, alex)[0]
    personal = make_goal(app, quarter, lane_of(app, alex), stage, title="Alex runs")
    shared = make_goal(app, quarter, shared_lane(app, alex), stage, title="Our trip")
    deleted = make_goal(app, quarter, lane_of(app, alex), stage, title="Gone for now")
    old_note = allocate(app, shared, alex, hours="2")
    with app.app_context():
        db.session.get(Goal, deleted.id).deleted_at = utcnow()
        db.session.get(Allocation, old_note.id).replaced_at = utcnow()
        member = db.session.get(User, alex.id)
        invite, token = Invite.issue(member.partnership, member, 7)
        value = SharedValue(partnership_id=alex.partnership_id, name="Adventure")
        db.session.add(value)
        _reset, reset_token = PasswordReset.issue(member, timedelta(hours=1))
        db.session.commit()
        ids = {
            "invite": invite.id,
            "value": value.id,
            "token": token,
            "reset": reset_token,
            "unsubscribe": notifications.unsubscribe_token(member, "digest"),
        }
    note = allocate(app, shared, alex, hours="3")
    entry, (decision,) = raise_entry(app, alex, quarter, [(shared, "pause")])
    contract, check_in = make_contract(app, personal, witness=sam, check_in=True)
    review = make_review(app, alex)
    checklist = make_milestones(
        app, shared, alex, ("Book", "Pack", "Later"), ticked=("Pack",), deleted=("Later",)
    )  # the year to the first quarter's first anniversary
    with app.app_context():  # a joint ritual, Mondays at 19:00 from 2030
        when = {
            "frequency": "weekly",
            "weekdays": "MO",
            "at": time(19),
            "minutes": 120,
            "time_zone": "UTC",
            "starts_on": date(2030, 1, 7),
        }
        ritual = rituals.create(
            db.session.get(User, alex.id),
            kind="joint",
            title="Date night",
            is_private=False,
            goal_id=shared.id,
            rule=when,
        )
        db.session.commit()
        ids["ritual"] = ritual.id
    return {
        "milestone": checklist["Book"],
        "ticked": checklist["Pack"],
        "gone": checklist["Later"],
        "win": win_of(app, checklist["Pack"]),
        "review": review.id,
        "contract": contract,
        "check_in": check_in,
        "entry": entry,
        "decision": decision,
        **ids,
        "partnership": alex.partnership_id,
        "alex_id": alex.id,
        "sam_id": sam.id,
        "quarter": quarter.id,
        "later": later.id,
        "planning": planning.id,
        "stage": stage.id,
        "personal": personal.id,
        "shared": shared.id,
        "deleted": deleted.id,
        "note": note.id,
        "old_note": old_note.id,
        "lane": shared_lane(app, alex).id,
        "alex_lane": lane_of(app, alex).id,
    }
