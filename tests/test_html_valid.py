"""Every page and htmx fragment passes the Nu HTML checker (vnu.jar, from npm's vnu-jar).

The app is crawled through the test client in the authorization matrix's world (one of
each record): every GET route of the matrix and every link found on the way, as a page
and as an htmx fragment, by the owner of the records, by the partner and logged out;
then every form of the matrix is posted once as htmx, and a few error pages are asked
for. Each distinct answer is written to a directory, a fragment wrapped in a minimal
document, and checked by one run of the checker (its JVM takes seconds to start).

A GET route that no crawl reaches with an HTML page fails the test (or a route that
answers something else than HTML belongs in ``NOT_HTML``). Needs Java and vnu.jar:
``make test`` sets both up (``npm ci`` and ``scripts/ensure-java``).
"""

import hashlib
import json
import os
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
import test_authorization_matrix
from factories import logged_in, make_config, make_user
from test_authorization_matrix import MATRIX

from goalmap import create_app
from goalmap.extensions import db

ROOT = Path(__file__).resolve().parents[1]
VNU = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"

# One worker runs the crawl and the checker for every case (make test: --dist loadgroup).
pytestmark = pytest.mark.xdist_group("html-checker")

world = test_authorization_matrix.world  # Alex's records of every kind, and Sam

# GET routes that answer something else than a page: JSON, CSV, iCalendar, a stream.
NOT_HTML = {
    "board.health",
    "site.manifest",
    "site.robots",
    "calendar.feed",
    "live.stream",
    "transfer.export_json",
    "transfer.export_csv",
    "transfer.export_log_csv",
}
ERROR_PAGES = "error pages"
BOARD_FORM = 'form="board-writes"'
# Cases whose errors come from parts of the page being reworked for issue 19: each fails
# until that part is done, and then its mark fails the suite until it is removed.
KNOWN: dict[str, str] = {}
QUERIES_PER_PATH = 4
WRAPPER = (
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
    "<title>A fragment</title></head><body>\n{}\n</body></html>\n"
)


def _checker() -> list[str]:
    java = shutil.which("java")
    missing = []
    if not java:
        missing.append("java (Debian's default-jre-headless: `sh scripts/ensure-java`)")
    if not VNU.exists():
        missing.append(f"{VNU.relative_to(ROOT)} (`npm ci --ignore-scripts`)")
    if missing:
        message = "the Nu HTML checker needs " + " and ".join(missing)
        if os.environ.get("GOALMAP_REQUIRE_CHECKERS"):
            pytest.fail(message + ", and GOALMAP_REQUIRE_CHECKERS is set.")
        pytest.skip(message)
    return [java, "-jar", str(VNU)]


class Pages:
    """The HTML answers collected so far, each once, named by who asked what."""

    def __init__(self, app, directory: Path):
        self.adapter = app.url_map.bind("localhost")
        self.directory = directory
        self.seen: set[str] = set()  # digests of the documents written
        self.where: dict[str, tuple[str, str, bool]] = {}  # file -> (case, what, wrapped)
        self.reached: set[str] = set()  # cases answered with a page or a redirect
        self.other: set[str] = set()  # endpoints that answered something else than HTML

    def case(self, url: str, method: str) -> str:
        try:
            endpoint = self.adapter.match(urlsplit(url).path, method=method)[0]
        except Exception:  # a 404 or a 405 of the URL map
            return ERROR_PAGES
        return endpoint if method == "GET" else f"{method} {endpoint}"

    def add(self, who: str, method: str, url: str, response, htmx: bool, case=None) -> str:
        """Keep ``response`` if it is HTML; its text (empty when it is not HTML)."""
        case = case or self.case(url, method)
        if 300 <= response.status_code < 400:  # a redirect to a page, crawled as well
            self.reached.add(case)
            return ""
        if response.mimetype != "text/html":
            self.other.add(case)
            return ""
        body = response.get_data(as_text=True)
        if response.status_code < 300:
            self.reached.add(case)
        elif response.status_code >= 400 and method == "GET":
            case = ERROR_PAGES
        if not body.strip():
            return body
        wrapped = not body.lstrip().lower().startswith("<!doctype")
        if wrapped and BOARD_FORM in body and 'id="board-writes"' not in body:
            # A goal's card names the board's one writing form (cards are shared between
            # viewers, so they carry no token): it is only ever swapped into the board.
            body += '\n<form id="board-writes" method="post"></form>'
        document = WRAPPER.format(body) if wrapped else body
        digest = hashlib.sha256(document.encode()).hexdigest()
        if digest not in self.seen:
            self.seen.add(digest)
            kind = "fragment" if htmx else "page"
            slug = re.sub(r"[^\w.-]+", "-", unquote(url)).strip("-")[:80]
            name = f"{len(self.where):04d}-{who}-{method}-{kind}-{slug}.html"
            (self.directory / name).write_text(document, encoding="utf-8")
            what = f"{method} {url} as {who}" + (" (htmx)" if htmx else "")
            self.where[name] = (case, f"{what} -> {response.status_code}", wrapped)
        return body


def crawl(pages: Pages, who: str, client, starts: list[str]) -> None:
    """Every URL in ``starts`` and every link on the way, as a page and as htmx."""
    todo, seen, per_path = list(reversed(starts)), set(), Counter()
    while todo:
        url = todo.pop()
        path = url.partition("?")[0]
        if url in seen or path in ("/logout", "/live") or path.startswith("/static"):
            continue
        if per_path[path] >= QUERIES_PER_PATH:  # a calendar's weeks go on for ever
            continue
        per_path[path] += 1
        seen.add(url)
        for htmx in (False, True):
            response = client.get(url, htmx=htmx)
            body = pages.add(who, "GET", url, response, htmx)
            todo.extend(re.findall(r'href="(/[^"#]*)', body.replace("&amp;", "&")))
            location = response.headers.get("Location", "")
            if location.startswith("/"):
                todo.append(location.partition("#")[0])


def vnu_errors(command: list[str], directory: Path) -> list[dict]:
    run = subprocess.run(
        [*command, "--errors-only", "--format", "json", str(directory)],
        capture_output=True,
        text=True,
        check=False,
    )
    try:
        return json.loads(run.stderr or run.stdout)["messages"]
    except ValueError:
        pytest.fail(f"vnu.jar gave no report (exit {run.returncode}): {run.stderr[-2000:]}")


def collect(app, alex, sam, world, directory: Path) -> Pages:
    """Every page, fragment, error page and htmx answer of the app, written to ``directory``."""
    pages = Pages(app, directory)
    starts = [url.format(**world) for method, url, _d, _e in MATRIX.values() if method == "GET"]
    owner, partner = logged_in(app, alex), logged_in(app, sam)
    crawl(pages, "owner", owner, starts)
    crawl(pages, "partner", partner, starts)
    crawl(pages, "anonymous", app.test_client(), starts)
    crawl(pages, "newcomer", logged_in(app, make_user(app, "Newcomer")), ["/", "/quarters/new"])
    stream = MATRIX["live.stream"][1].format(**world)  # not crawled: it lasts a while
    pages.add("owner", "GET", stream, owner.get(stream), False)

    # Error pages, as a page and as htmx.
    errors = {
        "/goals/999999/edit": (partner, "GET", None),  # 404
        f"/goals/{world['personal']}/edit": (partner, "GET", None),  # 403
        f"/flexibility/{world['entry']}/withdraw": (partner, "POST", {}),  # 409
        "/settings/partnership": (partner, "GET", None),  # 405
        f"/join/{world['token']}": (app.test_client(), "POST", {}),  # 422
        "/invites": (owner, "POST", {"csrf_token": "stale"}),  # 400, an expired form
    }
    for url, (client, method, data) in errors.items():
        for htmx in (False, True):
            if method == "GET":
                response = client.get(url, htmx=htmx)
            else:
                response = client.post(url, data=data, htmx=htmx, csrf="csrf_token" not in data)
            assert response.status_code >= 400, url
            pages.add("owner", method, url, response, htmx, case=ERROR_PAGES)

    # What htmx gets back from each form of the matrix, posted by the records' owner.
    for endpoint, (method, url, data, _expected) in sorted(MATRIX.items()):
        if method != "POST" or endpoint == "auth.logout":
            continue
        url = url.format(**world)
        form = {k.format(**world): v.format(**world) for k, v in data.items()}
        pages.add("owner", "POST", url, owner.post(url, data=form, htmx=True), True)
    return pages


def check(pages: Pages, directory: Path) -> dict[str, list[str]]:
    """The checker's errors, by case."""
    report: dict[str, list[str]] = {}
    for message in vnu_errors(_checker(), directory):
        name = Path(unquote(urlsplit(message.get("url", "")).path)).name
        case, what, wrapped = pages.where.get(name, ("?", name, False))
        line = message.get("lastLine", 0) - (1 if wrapped else 0)
        text = f"{what}, line {line}: {message['message']}\n    {message.get('extract', '')!r}"
        report.setdefault(case, []).append(text)
    return report


@pytest.fixture
def checked(request, tmp_path_factory):
    """The crawl and the checker's run, once per test process, shared by every case."""
    if not _RESULT:
        _checker()
        directory = tmp_path_factory.mktemp("html")
        fixtures = [request.getfixturevalue(name) for name in ("app", "alex", "sam", "world")]
        pages = collect(*fixtures, directory)
        _RESULT.update(pages=pages, report=check(pages, directory))
    return _RESULT


_RESULT: dict = {}


def _cases() -> list:
    app = create_app(make_config("sqlite://"))
    with app.app_context():
        db.engine.dispose()
    gets = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods and rule.endpoint != "static"
    } - NOT_HTML
    posts = {f"POST {e}" for e, (method, *_rest) in MATRIX.items() if method == "POST"}
    cases = sorted(gets) + sorted(posts - {"POST auth.logout"}) + [ERROR_PAGES]
    return [
        pytest.param(case, marks=pytest.mark.xfail(strict=True, reason=KNOWN[case]))
        if case in KNOWN
        else case
        for case in cases
    ]


def test_the_crawl_reaches_every_page(checked):
    pages = checked["pages"]
    reached = {case for case in pages.reached if not case.startswith("POST ")}
    cases = {case if isinstance(case, str) else case.values[0] for case in _cases()}
    missing = {case for case in cases if not case.startswith("POST ")} - {ERROR_PAGES} - reached
    assert not missing, f"no crawl reached these pages (give them a start URL): {sorted(missing)}"
    assert not NOT_HTML - pages.other, f"these answer HTML now: {sorted(NOT_HTML - pages.other)}"
    print(f"\n{len(pages.where)} distinct documents checked")


@pytest.mark.parametrize("case", _cases())
def test_valid_html(checked, case):
    """Each page (with its htmx fragments), each htmx answer to a form, the error pages."""
    found = checked["report"].get(case, [])
    assert not found, f"{len(found)} HTML errors:\n" + "\n".join(found)
