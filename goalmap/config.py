"""Configuration: defaults in one place, overridden by the environment.

Tests pass their own mapping to ``create_app`` instead of touching the
environment.
"""

import os
import secrets
from pathlib import Path


def _secret_key(instance_path: str) -> str:
    """Return SECRET_KEY from the environment, or one generated once and kept in instance/."""
    if key := os.environ.get("SECRET_KEY"):
        return key
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # Create the file readable by its owner only, before any secret is written to it.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return path.read_text().strip()


def from_environment(instance_path: str) -> dict:
    """Build the configuration for a real (non-test) run."""
    production = os.environ.get("GOALMAP_ENV") == "production"
    if production and not os.environ.get("SECRET_KEY"):
        raise RuntimeError("GOALMAP_ENV=production needs SECRET_KEY in the environment.")
    database_url = os.environ.get("DATABASE_URL") or "sqlite:///" + str(
        Path(instance_path) / "goalmap.sqlite"
    )
    return {
        "SECRET_KEY": _secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url),
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_SECURE": production,
        "RATELIMIT_STORAGE_URI": rate_limit_storage(os.environ) or "memory://",
        # Live events between server processes (goalmap.broadcast): a Redis if one is
        # named, else PostgreSQL's NOTIFY when the database is PostgreSQL.
        "LIVE_BROKER": os.environ.get("LIVE_BROKER") or os.environ.get("REDIS_URL") or None,
        # Each limit (see DEFAULTS) can be set like "20 per 5 minutes".
        **{name: os.environ[name] for name in LIMITS if os.environ.get(name)},
        # And the live streams' timings, in seconds (a proxy may cut streams sooner).
        **{name: float(os.environ[name]) for name in LIVE_TIMINGS if os.environ.get(name)},
        **mail_settings(os.environ),
        "COMPRESS_RESPONSES": switch(os.environ.get("COMPRESS_RESPONSES"), default=True),
    }


def switch(value: str | None, default: bool) -> bool:
    """An on/off setting: "off", "false", "no" or "0" is off, any other value on."""
    if value is None or not value.strip():
        return default
    return value.strip().lower() not in ("off", "false", "no", "0")


MAIL_SECURITIES = {"none": 25, "starttls": 587, "ssl": 465}  # and each one's usual port


def mail_settings(environ) -> dict:
    """Where mail goes out: no MAIL_SERVER, no mail (and the app says so where it
    matters). With one, BASE_URL (links in mail are built outside any request) and
    MAIL_FROM are needed too; a mistake stops the app at start, not a mail at night."""
    base_url = (environ.get("BASE_URL") or "").rstrip("/") or None
    server = environ.get("MAIL_SERVER") or None
    if server is None:
        return {"MAIL_SERVER": None, "BASE_URL": base_url}
    security = (environ.get("MAIL_SECURITY") or "starttls").lower()
    if security not in MAIL_SECURITIES:
        raise RuntimeError(f"MAIL_SECURITY must be one of {', '.join(MAIL_SECURITIES)}.")
    missing = [name for name in ("BASE_URL", "MAIL_FROM") if not environ.get(name)]
    if missing:
        raise RuntimeError(f"MAIL_SERVER is set: {' and '.join(missing)} must be set too.")
    return {
        "MAIL_SERVER": server,
        "MAIL_PORT": int(environ.get("MAIL_PORT") or MAIL_SECURITIES[security]),
        "MAIL_SECURITY": security,
        "MAIL_USERNAME": environ.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": environ.get("MAIL_PASSWORD") or None,
        "MAIL_FROM": environ["MAIL_FROM"],
        "BASE_URL": base_url,
    }


LIVE_TIMINGS = ("LIVE_KEEPALIVE_SECONDS", "LIVE_STREAM_SECONDS", "LIVE_PRESENCE_SECONDS")

LIMITS = (
    "LOGIN_RATE_LIMIT",
    "LOGIN_ACCOUNT_RATE_LIMIT",
    "LOGIN_ADDRESS_RATE_LIMIT",
    "ACCOUNT_RATE_LIMIT",
    "RESET_RATE_LIMIT",
    "INVITE_RATE_LIMIT",
)


def rate_limit_storage(environ) -> str | None:
    """Where sign-in attempts are counted: RATELIMIT_STORAGE_URI, else the Redis of
    REDIS_URL; None when neither is set (then each server process counts on its own,
    which ``gunicorn.conf.py`` refuses for more than one worker)."""
    return environ.get("RATELIMIT_STORAGE_URI") or environ.get("REDIS_URL") or None


def engine_options(config) -> dict:
    """SQLAlchemy engine options for the configured database. A SQLite file has no
    connection to go stale, so it skips the ping before each request."""
    options = dict(config["SQLALCHEMY_ENGINE_OPTIONS"])
    if config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        options.pop("pool_pre_ping", None)
    return options


def normalise_database_url(url: str) -> str:
    """Make ``postgres://`` and ``postgresql://`` URLs use the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


DEFAULTS = {
    # A server's connections can go stale (a restart); see engine_options for SQLite.
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    # The server-side session ends a fixed time after sign-in (UserSession.expires_at), so
    # re-signing the cookie on every answer would buy nothing.
    "SESSION_REFRESH_EACH_REQUEST": False,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "WTF_CSRF_TIME_LIMIT": None,  # The token lives as long as the session.
    "PERMANENT_SESSION_LIFETIME": 30 * 24 * 3600,  # seconds; each session also ends on the server
    # The longest form (a goal with 5,000 characters of notes) is a few kilobytes; a
    # larger body is refused with a 413 before it is read (errors.FRIENDLY says so).
    "MAX_CONTENT_LENGTH": 1024 * 1024,
    "RATELIMIT_HEADERS_ENABLED": True,
    # Failed sign-ins: per address and account; per account; per address (a household
    # shares one). New accounts per address. See goalmap/auth/routes.py.
    "LOGIN_RATE_LIMIT": "10 per 5 minutes",
    "LOGIN_ACCOUNT_RATE_LIMIT": "30 per 5 minutes",
    "LOGIN_ADDRESS_RATE_LIMIT": "100 per 5 minutes",
    "ACCOUNT_RATE_LIMIT": "10 per hour",
    "INVITE_LIFETIME_DAYS": 7,
    # Live streams (goalmap.live): a comment line this often keeps proxies from closing
    # an idle stream and finds a closed one; a stream ends after LIVE_STREAM_SECONDS and
    # the browser opens the next (so a signed-out session stops hearing); a presence
    # not renewed for LIVE_PRESENCE_SECONDS is gone.
    "LIVE_BROKER": None,
    "LIVE_KEEPALIVE_SECONDS": 15,
    "LIVE_STREAM_SECONDS": 900,
    "LIVE_PRESENCE_SECONDS": 60,
    # Mail (goalmap.outbox): off unless MAIL_SERVER is set (see mail_settings).
    "MAIL_SERVER": None,
    "MAIL_PORT": 587,
    "MAIL_SECURITY": "starttls",
    "MAIL_USERNAME": None,
    "MAIL_PASSWORD": None,  # nosec B105: from the environment only
    "MAIL_FROM": None,
    "BASE_URL": None,  # e.g. https://goalmap.example.org: where links in mail lead
    "MAIL_TIMEOUT_SECONDS": 30,
    # A message the server did not take is tried again after 1, 4, 16, 64 and 256
    # minutes, then given up (about five and a half hours in all).
    "MAIL_RETRY_SECONDS": 60,
    "MAIL_MAX_ATTEMPTS": 6,
    # A worker that claimed a message and went quiet this long has died: before it
    # handed the message over, another worker sends it; after, it is given up (see
    # README "Email": at most once).
    "MAIL_CLAIM_SECONDS": 600,
    # A forgotten password: the link lives an hour; one address may ask this often, and
    # one account gets at most RESETS_PER_HOUR links an hour (more asks are answered
    # alike and send nothing).
    "RESET_LIFETIME_MINUTES": 60,
    "RESET_RATE_LIMIT": "10 per hour",
    "RESETS_PER_HOUR": 3,
    # Invites one member may make (and mail) an hour: a partnership needs one or two, and
    # a mailed invite carries words the member chose to an address they chose.
    "INVITE_RATE_LIMIT": "10 per hour",
    # argon2id parameters (RFC 9106's second recommended option); tests lower them.
    "ARGON2_TIME_COST": 3,
    "ARGON2_MEMORY_COST": 65536,
    "ARGON2_PARALLELISM": 4,
    # Compress answers in the app (goalmap.delivery); off when a proxy in front does it.
    "COMPRESS_RESPONSES": True,
}
