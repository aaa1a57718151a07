"""The schema comes only from migrations: they build it, match the models, and undo cleanly."""

import os

import flask_migrate
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from factories import make_config
from sqlalchemy import create_engine, inspect, make_url, text

from goalmap import create_app
from goalmap.config import normalise_database_url
from goalmap.extensions import db


@pytest.fixture
def empty_database_url(tmp_path, worker_id):
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        yield "sqlite:///" + str(tmp_path / "empty.sqlite")
        return
    url = make_url(normalise_database_url(base))
    # Two checkouts testing on one server at once each set a prefix of their own.
    name = f"{os.environ.get('TEST_DATABASE_PREFIX', 'goalmap')}_migrations_{worker_id}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    yield url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


def test_upgrade_matches_the_models_and_downgrade_undoes_it(empty_database_url):
    app = create_app(make_config(empty_database_url))
    with app.app_context():
        flask_migrate.upgrade()
        with db.engine.connect() as conn:
            drift = compare_metadata(MigrationContext.configure(conn), db.metadata)
        assert drift == []
        flask_migrate.downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        flask_migrate.upgrade()
        assert "goals" in inspect(db.engine).get_table_names()
        db.engine.dispose()


OLD_ROWS = (
    "INSERT INTO partnerships (id, name, created_at) VALUES (1, 'Us', '2027-01-01')",
    "INSERT INTO users (id, email, display_name, password_hash, colour, partnership_id,"
    " session_token, created_at) VALUES (1, 'a@example.com', 'A', 'x', '#1d4ed8', 1, 't',"
    " '2027-01-01')",
    "INSERT INTO quarters (id, partnership_id, name, starts_on, ends_on, state, created_at)"
    " VALUES (1, 1, 'Q', '2027-01-01', '2027-03-31', 'active', '2027-01-01')",
    "INSERT INTO lanes (id, partnership_id, owner_id, name, position) VALUES (1, 1, 1, 'A', 0)",
    "INSERT INTO stages (id, partnership_id, name, position) VALUES (1, 1, 'Ideas', 0)",
    "INSERT INTO goals (id, partnership_id, quarter_id, lane_id, stage_id, owner_id, title,"
    " notes, status, is_private, position, carried_over, version, created_at, updated_at)"
    " VALUES (1, 1, 1, 1, 1, 1, 'Kept', '', 'active', false, 0, 0, 1, '2027-01-01',"
    " '2027-01-01')",
)


def test_upgrades_keep_existing_data(empty_database_url):
    """Each migration runs on a database that already holds a partnership and its goals."""
    app = create_app(make_config(empty_database_url))
    with app.app_context():
        flask_migrate.upgrade(revision="0001")
        with db.engine.begin() as conn:
            for statement in OLD_ROWS:
                conn.execute(text(statement))
        flask_migrate.upgrade()
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT title, is_draft FROM goals")).one() == ("Kept", False)
            assert conn.execute(text("SELECT currency FROM partnerships")).scalar() == "EUR"
            assert conn.execute(text("SELECT revealed_at FROM quarters")).scalar() is not None
        flask_migrate.downgrade(revision="base")
        db.engine.dispose()
