"""Engine settings the database itself cannot remember."""

import fcntl
import os
from collections.abc import Callable

from flask import Flask, g, has_app_context, has_request_context, request
from flask_login import current_user
from sqlalchemy import Integer, bindparam, event, inspect, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from goalmap.extensions import db
from goalmap.models import Partnership, Quarter

WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Routes that never touch the database: no member to load, no connection to prepare.
WITHOUT_DATA = frozenset({"static", "board.health"})


class SQLiteWriters:
    """How requests share one SQLite file.

    A request that writes takes the write lock when its transaction starts (BEGIN
    IMMEDIATE). Otherwise it would read, then fail to upgrade to a writer with "database
    is locked" however long busy_timeout is, because SQLite cannot wait for a lock that
    a reader already blocks. A request commits its writes once; what it reads after that
    (to render its answer) needs no write lock, and holding one would make every other
    writer wait for it.

    Writers queue in the kernel, not in SQLite. SQLite's busy handler polls: a writer
    that finds the database locked sleeps 1, 2, 5, 10 … up to 100 ms between tries, so
    under load it sleeps on long after the lock is free while another worker takes it
    again and again. Each connection holds its own descriptor of ``<database>.writer``
    and takes an exclusive ``flock`` on it before BEGIN IMMEDIATE; it lets go when the
    connection goes back to the pool, after the commit or rollback, and a blocked writer
    wakes the moment it does. The kernel lets go for a process that dies, and the
    server's worker timeout ends a hung one. SQLite's own locking still guards writers
    that do not queue here (the command line, another tool), with busy_timeout as before.
    """

    def __init__(self, database: str | None):
        in_file = database and database != ":memory:" and not database.startswith("file:")
        self.queue = database + ".writer" if in_file else None

    def listen(self, engine) -> None:
        event.listen(engine, "connect", self.connect)
        event.listen(engine, "begin", self.begin)
        event.listen(engine, "reset", self.release)  # back in the pool: its transaction ended
        event.listen(engine, "close", self.close)

    def connect(self, dbapi_connection, record) -> None:
        # WAL lets readers work while a partner saves; foreign keys are off by default;
        # busy_timeout makes a writer wait for the lock instead of failing at once.
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA busy_timeout = 5000")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()
        # Let SQLAlchemy, not the driver, say when a transaction begins (see begin).
        dbapi_connection.isolation_level = None
        if self.queue:
            record.info["writer_fd"] = os.open(self.queue, os.O_RDWR | os.O_CREAT, 0o600)

    def begin(self, connection) -> None:
        writes = (has_app_context() and g.get("goalmap_writing_apart")) or (
            has_request_context() and request.method in WRITES and not g.get("goalmap_reading")
        )
        if writes and "writer_fd" in connection.info and not connection.info.get("writing"):
            fcntl.flock(connection.info["writer_fd"], fcntl.LOCK_EX)
            connection.info["writing"] = True
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")

    def release(self, _dbapi_connection, record, _reset_state) -> None:
        self._let_go(record)

    def close(self, _dbapi_connection, record) -> None:
        self._let_go(record)
        if (fd := record.info.pop("writer_fd", None)) is not None:
            os.close(fd)

    @staticmethod
    def _let_go(record) -> None:
        if record.info.pop("writing", False):
            fcntl.flock(record.info["writer_fd"], fcntl.LOCK_UN)


def _read_without_a_transaction() -> None:
    """PostgreSQL: a request that only reads sends no BEGIN and no ROLLBACK.

    Under READ COMMITTED every statement takes its own snapshot, inside a transaction
    or not, so a reading request gives up nothing, and saves two round trips: about a
    fifth of a 200-goal board's time on loopback.
    """
    if request.method not in WRITES and request.endpoint not in WITHOUT_DATA:
        db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


def _refuse_writes_while_reading(_session, _flush_context, _instances) -> None:
    # A GET that wrote would save half its work on PostgreSQL (see above), and is a bug.
    if has_request_context() and request.method not in WRITES:
        raise RuntimeError(f"{request.method} {request.path} tried to write")


def _note_commit(_session) -> None:
    # A request commits its writes once; what follows only reads (see SQLiteWriters).
    if has_request_context():
        g.goalmap_reading = True


def _sign_in_before_queueing() -> None:
    """SQLite: a writing request loads who is signed in (one query) in a read of its own,
    before it queues for the write lock, so other writers do not wait for that too."""
    if request.method in WRITES and request.endpoint not in WITHOUT_DATA:
        g.goalmap_reading = True
        current_user._get_current_object()
        db.session.commit()
        g.goalmap_reading = False


def _touch_partnerships(session, _flush_context) -> None:
    """After any flush that changed a partnership's data, move its ``touched_at`` on;
    a record that moved to another partnership touches the one it left too.
    Statements that bypass the ORM (``Goal.save_edit``) touch it themselves."""
    changed = set()
    for record in (*session.new, *session.dirty, *session.deleted):
        if isinstance(record, Partnership):
            changed.add(record.id)
        elif hasattr(record, "partnership_id"):
            history = inspect(record).attrs.partnership_id.history
            changed.update((record.partnership_id, *history.deleted))
    changed.discard(None)
    if changed:
        Partnership.touch(*changed)


def init_app(app: Flask) -> None:
    with app.app_context():
        engine = db.engine
    if not event.contains(db.session, "after_flush", _touch_partnerships):
        event.listen(db.session, "after_flush", _touch_partnerships)
    if not event.contains(db.session, "before_flush", _refuse_writes_while_reading):
        event.listen(db.session, "before_flush", _refuse_writes_while_reading)
    if engine.dialect.name == "postgresql":
        app.before_request(_read_without_a_transaction)
    if engine.dialect.name == "sqlite":
        SQLiteWriters(engine.url.database).listen(engine)
        app.before_request(_sign_in_before_queueing)
        if not event.contains(db.session, "after_commit", _note_commit):
            event.listen(db.session, "after_commit", _note_commit)


# FOR NO KEY UPDATE: board changes queue behind each other, while a row that merely
# refers to the quarter (a goal's story entry, its foreign key) can still be written. A
# plain FOR UPDATE blocks those inserts, and an edit holding its goal row while it
# writes its story would deadlock with a move holding the quarter.
_LOCK_QUARTER = (
    select(Quarter)
    .where(Quarter.id == bindparam("quarter_id", type_=Integer))
    .with_for_update(key_share=True)
)


def lock_board(quarter_id: int, *records) -> None:
    """Serialise changes to one quarter's positions, then re-read ``records``.

    PostgreSQL: a row lock on the quarter; the records are read again after it, since
    another request may have moved them while this one waited. SQLite: the write lock
    is held from BEGIN IMMEDIATE on, so what was read is current already.
    """
    if db.engine.dialect.name == "sqlite":
        return
    # The quarter itself, held for the request (the session's identity map holds objects
    # weakly), so that reading goal.quarter afterwards needs no query.
    db.session.info["locked_quarter"] = db.session.scalars(
        _LOCK_QUARTER,
        {"quarter_id": quarter_id},
        execution_options={"populate_existing": True},  # as it is now, not as first read
    ).one()
    for record in records:
        db.session.refresh(record)


def lock_partnership(partnership: Partnership) -> None:
    """Serialise changes to who belongs to ``partnership``, then read its members again:
    the signed-in member and their partnership were loaded before this request's write
    began (PostgreSQL: a row lock; SQLite: the write lock is held already)."""
    if db.engine.dialect.name != "sqlite":
        db.session.execute(
            select(Partnership.id).where(Partnership.id == partnership.id).with_for_update()
        )
    db.session.refresh(partnership, ["members"])


def write_apart(statement, params: dict | None = None) -> int:
    """Run one write on a connection of its own and commit it at once, apart from the
    request's transaction: for a long-lived answer (a live stream) that must hold no
    connection while it waits, and for the mail worker, which holds none while the mail
    server answers. On SQLite it queues with the other writers. How many rows it wrote."""
    g.goalmap_writing_apart = True
    try:
        with db.engine.begin() as conn:
            return conn.execute(statement, params or {}).rowcount
    finally:
        g.goalmap_writing_apart = False


def read_apart(statement, *, all_rows: bool = False):
    """Run one read on a connection given back at once (see :func:`write_apart`): its
    first value, or with ``all_rows`` the first column of every row."""
    with db.engine.connect() as conn:
        result = conn.execute(statement)
        return list(result.scalars()) if all_rows else result.scalar()


def once(write: Callable[[], object]) -> bool:
    """Run ``write`` (which adds records) in a savepoint of its own and flush it; False,
    and nothing of it kept, when a unique constraint refuses it.

    For every write that creates something unique: the caller looks for the record
    first, as a sequential request would, and this catches the twin that was saved at
    the same moment (PostgreSQL makes the second insert wait for the first to commit,
    then refuses it). The rest of the request's transaction goes on either way.
    """
    try:
        with db.session.begin_nested():
            write()
    except IntegrityError:
        return False
    return True


def insert_new(table, values: dict, unique: list[str]) -> bool:
    """Insert one row in the session's transaction unless a row with the same ``unique``
    columns exists (``ON CONFLICT DO NOTHING``, on SQLite and PostgreSQL alike); True
    when it was new. Unlike :func:`once` it needs no savepoint: a twin inserted at the same
    moment makes PostgreSQL wait for it, then do nothing."""
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(table)
        .values(values)
        .on_conflict_do_nothing(index_elements=unique)
        # A row comes back only when one was inserted (PostgreSQL's row count says -1).
        .returning(table.c[unique[0]])
    )
    return db.session.execute(statement).first() is not None
