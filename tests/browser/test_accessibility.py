"""axe-core (WCAG 2.2 A and AA) on every page, on a phone and on a desktop, light and dark.

axe-core is vendored from its npm package (``vendor/``, pinned in package.json) and
injected by Playwright, so the test needs no network. The served database holds the
authorization matrix's world (one record of each kind); every GET route of the matrix
that answers a page is visited, logged out first for the public ones, then as Alex.
Each configuration is one browser context visiting every page in one loop; the result
of each page is its own test, so a failure names the page and the configuration.
"""

from pathlib import Path

import pytest
import test_authorization_matrix as matrix
from factories import PASSWORD, make_config, make_user

from goalmap import create_app
from goalmap.extensions import db

AXE = Path(__file__).parent / "vendor" / "axe-core-4.14.1.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
# WCAG 2.5.3 (a control's name holds its visible label): axe counts this rule as
# experimental and runs it only when asked.
RULES = {"label-content-name-mismatch": {"enabled": True}}
CONFIGS = {
    "phone-light": {"viewport": (390, 844), "touch": True, "scheme": "light"},
    "phone-dark": {"viewport": (390, 844), "touch": True, "scheme": "dark"},
    "desktop-light": {"viewport": (1440, 900), "touch": False, "scheme": "light"},
    "desktop-dark": {"viewport": (1440, 900), "touch": False, "scheme": "dark"},
}
# Routes that answer no page: data, a stream, or a fragment htmx asks for.
NOT_PAGES = {
    "board.health",
    "calendar.feed",
    "live.stream",
    "live.presence",
    "notifications.bell",
    "goals.move_places",
    "transfer.export_json",
    "transfer.export_csv",
    "transfer.export_log_csv",
    "site.manifest",
    "site.robots",
}
PUBLIC = {e for e, row in matrix.MATRIX.items() if row[3]["anonymous"] == matrix.PUBLIC}
# A case known to fail, with the reason, marked xfail(strict=True): it fails loudly once
# mended, until its mark goes. None today.
KNOWN: dict[tuple[str, str], str] = {}


def pages() -> list[str]:
    """Every GET route of the matrix (which holds every route) that answers a page."""
    return sorted(e for e, row in matrix.MATRIX.items() if row[0] == "GET" and e not in NOT_PAGES)


def cases() -> list:
    params = []
    for config in CONFIGS:
        for endpoint in pages():
            reason = KNOWN.get((config, endpoint))
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            # One worker audits a configuration (make test: --dist loadgroup).
            marks.append(pytest.mark.xdist_group(f"axe-{config}"))
            params.append(pytest.param(config, endpoint, id=f"{config}-{endpoint}", marks=marks))
    return params


@pytest.fixture(scope="module")
def world_server(serve_instance, tmp_path_factory):
    """A server whose database holds the matrix's world; its URL and the world's ids."""
    instance = tmp_path_factory.mktemp("accessibility")
    secret = "accessibility-test-secret"  # one for both: the unsubscribe link is signed
    url = serve_instance(instance, SECRET_KEY=secret)
    app = create_app(make_config(f"sqlite:///{instance / 'goalmap.sqlite'}", SECRET_KEY=secret))
    alex = make_user(app, "Alex")
    sam = make_user(app, "Sam", partner_of=alex)
    world = matrix.build_world(app, alex, sam)
    with app.app_context():
        db.engine.dispose()
    return url, world


RESULTS: dict[str, dict[str, list[str]]] = {}


def audit(browser, url: str, world: dict, config: str) -> dict[str, list[str]]:
    """Every page in one browser context: each page's violations, as lines to print."""
    options = CONFIGS[config]
    width, height = options["viewport"]
    context = browser.new_context(
        viewport={"width": width, "height": height},
        base_url=url,
        color_scheme=options["scheme"],
        has_touch=options["touch"],
        is_mobile=options["touch"],
        bypass_csp=True,  # axe is injected as an inline script, which the app's CSP refuses
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    found: dict[str, list[str]] = {}

    def check(endpoint: str) -> None:
        path = matrix.MATRIX[endpoint][1].format(**world)
        response = page.goto(path, wait_until="load")
        assert response is not None and response.ok, (endpoint, path)
        assert page.evaluate("() => document.doctype !== null"), (endpoint, "not a page")
        if not page.evaluate("() => typeof window.axe === 'object'"):
            page.add_script_tag(path=str(AXE))
        result = page.evaluate(
            """([tags, rules]) => axe.run(document, {
                runOnly: {type: "tag", values: tags}, rules, resultTypes: ["violations"]})""",
            [TAGS, RULES],
        )
        found[endpoint] = [
            f"{v['id']} ({v['impact']}): {v['help']}\n      at {node['target']}"
            for v in result["violations"]
            for node in v["nodes"]
        ]

    try:
        for endpoint in pages():  # logged out: the public pages
            if endpoint in PUBLIC:
                check(endpoint)
        page.goto("/login")
        page.get_by_label("Email").fill("alex@example.com")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(lambda u: "/login" not in u)
        for endpoint in pages():
            if endpoint not in PUBLIC:
                check(endpoint)
    finally:
        context.close()
    return found


@pytest.mark.parametrize(("config", "endpoint"), cases())
def test_axe_finds_no_violation(browser, world_server, config, endpoint):
    if config not in RESULTS:
        RESULTS[config] = {}  # a failed audit is not run again for each of its pages
        RESULTS[config] = audit(browser, *world_server, config)
    assert endpoint in RESULTS[config], f"the audit of {config} stopped before {endpoint}"
    violations = RESULTS[config][endpoint]
    assert not violations, f"{len(violations)} axe violations on {endpoint} ({config}):\n" + (
        "\n".join(violations)
    )
