"""gunicorn's settings for Goalmap; gunicorn reads this file when started from here.

Live streams: see worker_class below. Several workers need a broker between them.

Sign-in and new-account limits count attempts in RATELIMIT_STORAGE_URI (or REDIS_URL).
Without either, each worker counts on its own, so N workers would allow N times the
attempts: with more than one worker, that needs saying out loud.
"""

import os
import sys

from goalmap.config import rate_limit_storage

# Every open page holds one live stream (goalmap.live) for minutes, and a stream holds a
# thread while it waits; ordinary requests need threads too. gthread keeps both in one
# worker: an idle stream costs a sleeping thread and no database connection. Set
# GUNICORN_THREADS above the pages you expect open per worker, plus a dozen or so.
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "256"))


def live_broker(environ) -> str | None:
    """What carries live events between workers: LIVE_BROKER, a Redis, or PostgreSQL's own
    NOTIFY; None when each worker would hear only its own changes."""
    database = environ.get("DATABASE_URL", "")
    return (
        environ.get("LIVE_BROKER")
        or environ.get("REDIS_URL")
        or ("postgresql" if database.startswith(("postgres://", "postgresql")) else None)
    )


def on_starting(server) -> None:
    if server.cfg.workers < 2:
        return
    if live_broker(os.environ) in (None, "memory"):
        server.log.error(
            "%d workers on SQLite would each hear only their own changes: a partner's page "
            "in another worker would not update. Set LIVE_BROKER (or REDIS_URL) to a Redis "
            "they share, e.g. redis://127.0.0.1:6379, or run one worker.",
            server.cfg.workers,
        )
        sys.exit(1)
    storage = rate_limit_storage(os.environ)
    if storage is None:
        server.log.error(
            "%d workers would each count sign-in attempts on their own. Set "
            "RATELIMIT_STORAGE_URI (or REDIS_URL) to a Redis they share, e.g. "
            "redis://127.0.0.1:6379, or set RATELIMIT_STORAGE_URI=memory:// to accept it.",
            server.cfg.workers,
        )
        sys.exit(1)
    if storage.startswith("memory://"):
        server.log.warning(
            "RATELIMIT_STORAGE_URI=memory://: each of %d workers counts sign-in attempts "
            "on its own.",
            server.cfg.workers,
        )
