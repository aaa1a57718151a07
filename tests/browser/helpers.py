import itertools
import re
from pathlib import Path

PASSWORD = "a long enough password"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
# The board's link into a session: "Start" before anyone acted in it, then "Continue".
SESSION_LINK = re.compile(r"^(Start|Continue) the goal-mapping session")
_counter = itertools.count()


def unique_email(name: str) -> str:
    return f"{name.lower()}-{next(_counter)}-{id(_counter)}@example.com"


def register(page, name: str, email: str | None = None) -> str:
    email = email or unique_email(name)
    page.goto("/register")
    fill_account(page, name, email)
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url("**/quarters/new")
    return email


def fill_account(page, name: str, email: str) -> None:
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)


def create_quarter(page, name: str = "2027 Q1") -> None:
    page.goto("/quarters/new")
    page.get_by_label("Name").fill(name)
    page.get_by_label("Starts on").fill("2027-01-01")
    page.get_by_label("Ends on").fill("2027-03-31")
    page.get_by_role("button", name="Create quarter").click()
    page.wait_for_selector("#board")


def invite_link(page) -> str:
    page.goto("/settings")
    page.get_by_role("button", name="Create invite link").click()
    return page.locator("#invite-url").inner_text().strip()


def partners(new_page):
    """Two people in two browsers: Alex plans a quarter and Sam joins by the invite link."""
    alex, sam = new_page(), new_page()
    register(alex, "Alex")
    create_quarter(alex)
    link = invite_link(alex)
    sam.goto(link)
    fill_account(sam, "Sam", unique_email("Sam"))
    sam.get_by_role("button", name="Create account and join").click()
    sam.wait_for_selector("#board")
    alex.goto("/")
    alex.wait_for_selector("#board")
    return alex, sam


def add_goal(page, lane: str, stage: str, title: str) -> None:
    page.get_by_role("link", name=f"+ Add goal to {lane}, {stage}").click()
    form = page.locator("form.goal-form")
    form.get_by_label("Goal", exact=True).fill(title)
    form.get_by_role("button", name="Add goal").click()
    page.locator(".goal-title", has_text=title).wait_for()
    settled(page)


def settled(page) -> None:
    """Wait until htmx has finished with what it swapped in.

    New content shows at once but htmx wires its links and forms up only when it settles
    (about 20 ms later); a test that acts in between would leave htmx behind.
    """
    busy = ".htmx-request, .htmx-swapping, .htmx-settling, .htmx-added"
    page.wait_for_function("(busy) => !document.querySelector(busy)", arg=busy)


def screenshot(page, name: str) -> None:
    """Keep what the user saw, for a person to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def card(page, title: str):
    return page.locator("article.goal", has=page.locator(".goal-title", has_text=title))


def cell(page, lane: str, stage: str):
    """The cell of a lane (by its title) and a stage (by its name)."""
    lane_el = page.locator("section.lane", has=page.locator(".lane-title", has_text=lane))
    return lane_el.locator(".cell", has=page.locator(".cell-title", has_text=stage))


def titles_in(page, lane: str, stage: str) -> list[str]:
    return cell(page, lane, stage).locator(".goal-title").all_inner_texts()


def center(box) -> tuple[float, float]:
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def drag(page, source, target) -> None:
    """Drag ``source``'s handle with the mouse and drop it on ``target``, as a person would."""
    handle = source.locator(".drag-handle")
    handle.scroll_into_view_if_needed()
    x, y = center(handle.bounding_box())
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 8, y + 8, steps=4)
    tx, ty = center(target.bounding_box())
    page.mouse.move(tx, ty, steps=15)
    page.mouse.move(tx, ty + 2, steps=2)
    page.mouse.up()


def touch_drag(page, source, target) -> None:
    """The same with a finger: touch events sent through the Chrome DevTools protocol."""
    cdp = page.context.new_cdp_session(page)
    handle = source.locator(".drag-handle")
    handle.scroll_into_view_if_needed()
    x, y = center(handle.bounding_box())
    tx, ty = center(target.bounding_box())

    def touch(kind: str, px: float, py: float) -> None:
        points = [] if kind == "touchEnd" else [{"x": px, "y": py}]
        cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})

    touch("touchStart", x, y)
    steps = 20
    for i in range(1, steps + 1):
        touch("touchMove", x + (tx - x) * i / steps, y + (ty - y) * i / steps)
        page.wait_for_timeout(16)
    touch("touchEnd", tx, ty)
    cdp.detach()


def csrf_token(page) -> str:
    import json

    return json.loads(page.locator("body").get_attribute("data-hx-headers"))["X-CSRFToken"]


def add_goals_fast(page, lane_id: str, stage_id: str, titles: list[str]) -> None:
    """Create goals through the same form endpoint, without clicking each one in."""
    quarter_url = page.locator("#board").get_attribute("data-url")
    token = csrf_token(page)
    for title in titles:
        response = page.request.post(
            f"{quarter_url}/goals/new",
            form={"lane_id": lane_id, "stage_id": stage_id, "title": title, "status": "active"},
            headers={"X-CSRFToken": token},
            max_redirects=0,
        )
        assert response.status in (200, 302), response.status


def session_step(page, step: str) -> None:
    page.get_by_role("navigation", name="Session steps").get_by_role("link", name=step).click()
    page.wait_for_selector("[aria-current=step]")


def reveal_drafts(*pages) -> None:
    """Every partner presses "ready" in the session of the quarter on screen."""
    for page in pages:
        page.goto("/")
        page.get_by_role("link", name=SESSION_LINK).click()
        session_step(page, "My goals")
        page.get_by_role("button", name="I'm ready").click()
        page.wait_for_selector("#flashes .flash")


def start_quarter(*pages) -> None:
    """Every partner agrees to the quarter on screen, so it becomes active."""
    for page in pages:
        page.goto("/")
        page.get_by_role("link", name=SESSION_LINK).click()
        session_step(page, "Agree and start")
        page.get_by_role("button", name="I agree").click()
    pages[-1].wait_for_selector("#board")


def save_availability(page, hours: str, budget: str = "") -> None:
    """Save what a partner has in the session's Resources step, by its row's answer: the
    row's "Saved" may already be gone under a live refresh of the page, and a tap just as
    a refresh replaces the row sends nothing (then the new row is tapped)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for _attempt in range(3):
        row = page.locator("#availability-row")
        row.get_by_label("Hours a week").fill(hours)
        if budget:
            row.get_by_label("Budget").fill(budget)
        settled(page)
        try:
            with page.expect_response(
                lambda r: r.request.method == "POST" and r.url.endswith("/resources/availability"),
                timeout=5000,
            ) as answer:
                row.get_by_role("button", name="Save what I have").tap()
        except PlaywrightTimeout:
            continue
        assert answer.value.status == 200, answer.value.status
        return
    raise AssertionError("what the partner has was not saved")
