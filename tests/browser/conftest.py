"""Browser tests: the real app in a subprocess on a free loopback port, driven by
Playwright through Debian's Chromium (never a browser Playwright downloads)."""

import os
import socket
import subprocess
import sys
import time
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ROOT = Path(__file__).resolve().parents[2]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serve(instance: Path, **settings: str):
    """Goalmap from a fresh SQLite database in ``instance``, as `make run` serves it,
    with ``settings`` added to its environment; its URL."""
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{instance / 'goalmap.sqlite'}",
        "SECRET_KEY": "browser-test-secret",
        "FLASK_APP": "app",
        # Every browser test registers its own couple, all from one address.
        "ACCOUNT_RATE_LIMIT": "1000 per hour",
        **settings,
    }
    env.pop("GOALMAP_ENV", None)
    flask = [sys.executable, "-m", "flask"]
    subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    log = open(instance / "server.log", "w")  # noqa: SIM115  (closed below)
    server = subprocess.Popen(
        [*flask, "run", "--host", "127.0.0.1", "--port", str(port), "--no-reload"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    else:
        server.kill()
        pytest.fail("The app did not start: " + (instance / "server.log").read_text())
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """Serve Goalmap from a fresh SQLite database, as `make run` does."""
    with serve(tmp_path_factory.mktemp("instance")) as url:
        yield url


@pytest.fixture(scope="session")
def serve_instance():
    """Serve an instance directory whose database a test fills first; its URL."""
    with ExitStack() as stack:
        yield lambda instance, **settings: stack.enter_context(serve(instance, **settings))


@pytest.fixture
def server_with(tmp_path):
    """Start another server with settings of its own in its environment; its URL."""
    with ExitStack() as stack:
        yield lambda **settings: stack.enter_context(serve(tmp_path, **settings))


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        if os.environ.get("GOALMAP_REQUIRE_BROWSER"):
            pytest.fail(f"{CHROMIUM} is missing and GOALMAP_REQUIRE_BROWSER is set.")
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium to run the browser tests.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


# Answers the app gives on purpose (a form with errors, a refused move, a conflict):
# Chromium logs them as failed loads, but they are not errors of the page.
EXPECTED_STATUS = ("status of 403", "status of 409", "status of 422")


def _is_unexpected(message) -> bool:
    return message.type == "error" and not any(s in message.text for s in EXPECTED_STATUS)


@pytest.fixture
def new_page(browser, live_server):
    """Open pages in separate browser contexts (separate cookie jars: separate people)."""
    contexts = []

    def open_page(width: int = 1280, height: int = 900, base_url=None, **options):
        context = browser.new_context(
            viewport={"width": width, "height": height},
            base_url=base_url or live_server,
            **options,
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.errors = []
        page.on("pageerror", lambda error: page.errors.append(str(error)))
        page.on("console", lambda m: _is_unexpected(m) and page.errors.append(m.text))
        return page

    yield open_page
    for context in contexts:
        context.close()
