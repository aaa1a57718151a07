"""Fixtures: a fresh database per test, clients that log in through the real routes.

The suite runs on SQLite by default and on PostgreSQL when TEST_DATABASE_URL is
set; each pytest-xdist worker gets a database of its own, built by the migrations.
"""

import os

import flask_migrate
import pytest
from factories import Client, QueryCounter, logged_in, make_config, make_quarter, make_user
from sqlalchemy import create_engine, make_url

from goalmap import create_app
from goalmap.config import normalise_database_url
from goalmap.extensions import db


@pytest.fixture(scope="session")
def database_url(tmp_path_factory, worker_id):
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "goalmap.sqlite")
    url = make_url(normalise_database_url(base))
    name = f"goalmap_test_{worker_id}"
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
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as conn:
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(table.delete())
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
