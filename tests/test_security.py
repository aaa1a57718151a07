import importlib.util
import logging
from pathlib import Path
from types import SimpleNamespace

import pytest

from goalmap.config import from_environment


@pytest.mark.parametrize(
    "path", ["/login", "/register", "/no-such-page", "/static/css/goalmap.css"]
)
def test_security_headers_on_every_response(client, path):
    response = client.get(path)
    response.close()
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_session_cookie_is_httponly_and_lax(client, alex):
    response = client.login(alex.email)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_production_config_needs_a_secret_and_secure_cookies(monkeypatch, tmp_path):
    monkeypatch.setenv("GOALMAP_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        from_environment(str(tmp_path))
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    config = from_environment(str(tmp_path))
    assert config["SECRET_KEY"] == "from-the-environment"
    assert config["SESSION_COOKIE_SECURE"] is True


def test_local_secret_is_generated_once_and_kept_private(monkeypatch, tmp_path):
    monkeypatch.delenv("GOALMAP_ENV", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    first = from_environment(str(tmp_path))["SECRET_KEY"]
    assert len(first) == 64
    assert from_environment(str(tmp_path))["SECRET_KEY"] == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    assert from_environment(str(tmp_path))["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:///x.db", "sqlite:///x.db"),
    ],
)
def test_database_urls_use_psycopg_3(monkeypatch, tmp_path, given, expected):
    monkeypatch.setenv("DATABASE_URL", given)
    monkeypatch.setenv("SECRET_KEY", "k")
    assert from_environment(str(tmp_path))["SQLALCHEMY_DATABASE_URI"] == expected


def test_every_post_needs_the_csrf_token(alex_client, quarter):
    for path in ("/invites", "/lanes", "/quarters/new", "/logout"):
        response = alex_client.post(path, csrf=False, data={"lane-name": "X"})
        assert response.status_code == 400, path


def test_htmx_requests_send_the_token_in_a_header(alex_client):
    token = alex_client.csrf_token()
    response = alex_client.post(
        "/lanes", csrf=False, data={"lane-name": "Home"}, headers={"X-CSRFToken": token}
    )
    assert response.status_code == 302


def test_an_error_is_a_page_for_browsers_and_a_message_for_htmx(alex_client):
    assert "<!doctype html>" in alex_client.get("/quarters/424242").get_data(as_text=True)
    fragment = alex_client.get("/quarters/424242", htmx=True).get_data(as_text=True)
    assert fragment.startswith('<p class="flash flash-error" id="error-message">')


def _gunicorn_settings():
    path = Path(__file__).resolve().parent.parent / "gunicorn.conf.py"
    spec = importlib.util.spec_from_file_location("gunicorn_settings", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class _Server:
    def __init__(self, workers: int):
        self.cfg = SimpleNamespace(workers=workers)
        self.log = logging.getLogger("gunicorn-test")


SHARED_LIVE = {"LIVE_BROKER": "redis://127.0.0.1:6379"}


@pytest.mark.parametrize(
    ("environ", "workers", "starts"),
    [
        ({}, 1, True),  # one process counts for itself and hears its own changes
        (SHARED_LIVE, 2, False),  # several would each count sign-ins apart: refused
        ({"REDIS_URL": "redis://127.0.0.1:6379"}, 2, True),  # shared limits and events
        ({"RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379", **SHARED_LIVE}, 4, True),
        ({"RATELIMIT_STORAGE_URI": "memory://", **SHARED_LIVE}, 2, True),  # a warning
        # Live events: a worker on SQLite would hear only its own changes.
        ({"RATELIMIT_STORAGE_URI": "memory://"}, 2, False),
        ({"RATELIMIT_STORAGE_URI": "memory://", "LIVE_BROKER": "memory"}, 2, False),
        (
            {"RATELIMIT_STORAGE_URI": "memory://", "DATABASE_URL": "postgresql://db/goalmap"},
            2,
            True,  # PostgreSQL's NOTIFY carries them
        ),
    ],
)
def test_several_workers_start_only_with_limits_and_events_they_share(
    monkeypatch, environ, workers, starts
):
    for name in ("RATELIMIT_STORAGE_URI", "REDIS_URL", "LIVE_BROKER", "DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    settings = _gunicorn_settings()
    if starts:
        settings.on_starting(_Server(workers))
    else:
        with pytest.raises(SystemExit):
            settings.on_starting(_Server(workers))


def test_gunicorn_serves_live_streams_beside_ordinary_requests():
    settings = _gunicorn_settings()
    assert settings.worker_class == "gthread"
    assert settings.threads >= 64


def test_limits_can_be_set_in_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("ACCOUNT_RATE_LIMIT", "3 per day")
    monkeypatch.delenv("LOGIN_RATE_LIMIT", raising=False)
    config = from_environment(str(tmp_path))
    assert config["ACCOUNT_RATE_LIMIT"] == "3 per day" and "LOGIN_RATE_LIMIT" not in config
