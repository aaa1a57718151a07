"""Engine settings the database itself cannot remember."""

from flask import Flask, has_request_context, request
from sqlalchemy import event, select, update

from goalmap.extensions import db
from goalmap.models import Partnership, Quarter
from goalmap.models._time import utcnow


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # WAL lets readers work while a partner saves; foreign keys are off by default in SQLite;
    # busy_timeout makes a writer wait for the lock instead of failing at once.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA busy_timeout = 5000")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _sqlite_connect(dbapi_connection, record) -> None:
    _sqlite_pragmas(dbapi_connection, record)
    # Let SQLAlchemy, not the driver, say when a transaction begins (see _sqlite_begin).
    dbapi_connection.isolation_level = None


def _sqlite_begin(connection) -> None:
    # A request that writes takes the write lock when its transaction starts. Otherwise it
    # would read, then fail to upgrade to a writer with "database is locked" however long
    # busy_timeout is, because SQLite cannot wait for a lock a reader already blocks.
    immediate = has_request_context() and request.method in WRITES
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _touch_partnerships(session, _flush_context) -> None:
    """After any flush that changed a partnership's data, move its ``touched_at`` on."""
    changed = set()
    for record in (*session.new, *session.dirty, *session.deleted):
        if isinstance(record, Partnership):
            changed.add(record.id)
        elif (partnership_id := getattr(record, "partnership_id", None)) is not None:
            changed.add(partnership_id)
    changed.discard(None)
    if changed:
        session.connection().execute(
            update(Partnership).where(Partnership.id.in_(changed)).values(touched_at=utcnow())
        )


def init_app(app: Flask) -> None:
    with app.app_context():
        engine = db.engine
    if not event.contains(db.session, "after_flush", _touch_partnerships):
        event.listen(db.session, "after_flush", _touch_partnerships)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)


def lock_board(quarter_id: int, *records) -> None:
    """Serialise changes to one quarter's positions, then re-read ``records``.

    PostgreSQL: a row lock on the quarter; the records are read again after it, since
    another request may have moved them while this one waited. SQLite: the write lock
    is held from BEGIN IMMEDIATE on, so what was read is current already.
    """
    if db.engine.dialect.name == "sqlite":
        return
    db.session.execute(select(Quarter.id).where(Quarter.id == quarter_id).with_for_update())
    for record in records:
        db.session.refresh(record)
