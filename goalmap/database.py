"""Engine settings the database itself cannot remember."""

from flask import Flask
from sqlalchemy import event

from goalmap.extensions import db


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # WAL lets readers work while a partner saves; foreign keys are off by default in SQLite;
    # busy_timeout makes a writer wait for the lock instead of failing at once.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA busy_timeout = 5000")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


def init_app(app: Flask) -> None:
    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
