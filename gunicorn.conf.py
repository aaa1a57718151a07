"""gunicorn's settings for Goalmap; gunicorn reads this file when started from here.

Sign-in and new-account limits count attempts in RATELIMIT_STORAGE_URI (or REDIS_URL).
Without either, each worker counts on its own, so N workers would allow N times the
attempts: with more than one worker, that needs saying out loud.
"""

import os
import sys

from goalmap.config import rate_limit_storage


def on_starting(server) -> None:
    if server.cfg.workers < 2:
        return
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
