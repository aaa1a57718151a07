"""The session's Resources step on two phones: every note and each partner's availability
on one page, saved row by row, in a number of page loads that does not grow with the
number of goals."""

from helpers import (
    csrf_token,
    partners,
    reveal_drafts,
    save_availability,
    screenshot,
    session_step,
    settled,
)
from playwright.sync_api import TimeoutError as PlaywrightTimeout

PHONE = {"width": 390, "height": 844, "has_touch": True, "is_mobile": True}

# Full page loads for one partner's whole Resources step: one to open it (from the step
# before) and one to go on to "Agree and start". Every row (a note on each goal, and what
# the partner has) is saved by htmx in place, which is no page load; before, each note
# was a page of its own and the way back to the session three more.
LOADS_ALLOWED = 2

OWN = {
    "Alex": ["Learn the cello", "Run a half marathon", "Write every morning"],
    "Sam": ["Climb Ben Nevis", "Finish the pottery course", "Therapy on Tuesdays"],
}
SHARED = ["Find a flat with a garden", "Save for the wedding"]
PRIVATE = "Therapy on Tuesdays"  # Sam's, private: Alex never sees it, nor its note


def add_goal(page, lane: str, title: str, private: bool = False) -> None:
    """Draft a goal through the board's own form endpoint (set-up, not what is measured)."""
    cell = page.locator("section.lane", has=page.locator(".lane-title", has_text=lane)).locator(
        ".cell", has=page.locator(".cell-title", has_text="This quarter")
    )
    form = {
        "lane_id": cell.get_attribute("data-lane"),
        "stage_id": cell.get_attribute("data-stage"),
        "title": title,
        "status": "active",
        **({"is_private": "y"} if private else {}),
    }
    quarter_url = page.locator("#board").get_attribute("data-url")
    response = page.request.post(
        f"{quarter_url}/goals/new",
        form=form,
        headers={"X-CSRFToken": csrf_token(page)},
        max_redirects=0,
    )
    assert response.status in (200, 302), response.status


def count_loads(page) -> dict:
    """Full page loads of the main frame from now on, and htmx requests for comparison."""
    seen = {"loads": 0, "htmx": 0, "urls": []}
    page.on("load", lambda _page: seen.__setitem__("loads", seen["loads"] + 1))
    page.on(
        "framenavigated", lambda frame: frame == page.main_frame and seen["urls"].append(frame.url)
    )
    page.on(
        "request",
        lambda request: (
            request.headers.get("hx-request") == "true"
            and request.method == "POST"
            and seen.__setitem__("htmx", seen["htmx"] + 1)
        ),
    )
    return seen


def open_row(row) -> None:
    """Open a goal's row by tapping its summary (again, if a live refresh of the page
    closed it in between)."""
    for _attempt in range(3):
        if row.get_attribute("open") is not None:
            return
        row.locator("summary").tap()
        try:
            row.locator("input").first.wait_for(state="visible", timeout=2000)
            return
        except PlaywrightTimeout:  # replaced by a live refresh meanwhile: tap the new one
            pass
    raise AssertionError("the row did not open")


def fill_resources(page, hours: str, titles: list[str]) -> None:
    """One partner's whole Resources step: what they have, then a note on every goal."""
    save_availability(page, hours, "600")
    for n, title in enumerate(titles):
        row = page.locator("details.note-row", has=page.locator(".note-row-title", has_text=title))
        open_row(row)
        row.get_by_label("Hours a week").fill(str(n % 3 + 1))
        row.get_by_label("Emotional energy").select_option("medium")
        row.get_by_label("Money").fill("20")
        row.get_by_label("Note").fill(f"My part of {title}")
        settled(page)
        row.get_by_role("button", name=f"Save my note on {title}").tap()
        # Saved: the row is marked as noted and says the note (a live refresh of the page
        # may already have replaced its "Saved").
        page.locator(
            "details.note-row.noted", has=page.locator(".note-row-title", has_text=title)
        ).filter(has_text=f"My part of {title}").wait_for()
        settled(page)


def test_two_partners_fill_every_note_on_one_page_each_in_two_page_loads(new_page):
    alex, sam = partners(new_page)
    for lane, titles in OWN.items():
        page = alex if lane == "Alex" else sam
        for title in titles:
            add_goal(page, lane, title, private=title == PRIVATE)
    add_goal(alex, "Together", SHARED[0])
    add_goal(sam, "Together", SHARED[1])
    reveal_drafts(alex, sam)

    # Now on two phones: each opens the session at the step before Resources.
    phones = {}
    for name, desktop in (("Alex", alex), ("Sam", sam)):
        phone = new_page(**PHONE, storage_state=desktop.context.storage_state())
        phone.goto("/")
        phone.get_by_role("link", name="Continue the goal-mapping session").click()
        session_step(phone, "Our goals")
        phones[name] = phone
    seen = {name: count_loads(phone) for name, phone in phones.items()}
    for phone in phones.values():
        phone.get_by_role("link", name="Resources →").click()
        phone.wait_for_selector("#resources-form")

    alex_phone, sam_phone = phones["Alex"], phones["Sam"]
    alex_sees = OWN["Alex"] + SHARED + OWN["Sam"][:2]
    sam_sees = OWN["Sam"] + SHARED + OWN["Alex"]
    assert alex_phone.locator("details.note-row").count() == len(alex_sees) == 7
    assert sam_phone.locator("details.note-row").count() == len(sam_sees) == 8
    assert PRIVATE not in alex_phone.content()
    # The first screen, or one scroll: the page is at most two screens tall, and never
    # scrolls sideways.
    for phone in phones.values():
        height, width = phone.evaluate(
            "[document.documentElement.scrollHeight, document.documentElement.scrollWidth]"
        )
        assert height <= 2 * PHONE["height"] and width <= PHONE["width"], (height, width)
        assert "0 of" in phone.locator("#notes-count").inner_text()
    screenshot(alex_phone, "session-resources-phone-start")

    # Both fill their rows at the same time, as on a sofa: Alex's first rows, then Sam's,
    # then the rest of each (each save reaches the other's page live).
    fill_resources(alex_phone, "12", alex_sees[:3])
    fill_resources(sam_phone, "15", sam_sees[:4])
    fill_resources(alex_phone, "12", alex_sees[3:])
    fill_resources(sam_phone, "15", sam_sees[4:])
    for phone, titles in ((alex_phone, alex_sees), (sam_phone, sam_sees)):
        count = phone.locator("#notes-count").inner_text()
        assert f"{len(titles)} of {len(titles)}" in count and "all done" in count
        assert phone.locator("details.note-row.noted").count() == len(titles)
    screenshot(alex_phone, "session-resources-phone-filled")

    # Every note is kept, and the partner's notes show on the shared goals; Sam's note on
    # the private goal stays Sam's.
    alex_phone.get_by_role("link", name="Agree and start →").click()
    sam_phone.get_by_role("link", name="Agree and start →").click()
    for phone in phones.values():
        phone.wait_for_selector("text=5. Agree and start")
    for name in phones:
        assert seen[name]["loads"] <= LOADS_ALLOWED, (name, seen[name])
        # One htmx save per row (the availability and each note), no page load among them.
        assert seen[name]["htmx"] >= len(alex_sees if name == "Alex" else sam_sees) + 1
    alex_phone.goto(alex_phone.url.replace("/agree", "/resources"))
    page = alex_phone.content()
    assert "Sam: 1 h a week" in page and f"My part of {SHARED[1]}" in page
    assert PRIVATE not in page and f"My part of {PRIVATE}" not in page
    assert alex_phone.errors == [] and sam_phone.errors == []


def test_without_javascript_the_step_saves_every_row_in_one_post(browser, live_server, new_page):
    alex, sam = partners(new_page)
    add_goal(alex, "Alex", "Learn the cello")
    add_goal(alex, "Together", "Find a flat with a garden")
    reveal_drafts(alex, sam)
    context = browser.new_context(
        base_url=live_server,
        java_script_enabled=False,
        storage_state=alex.context.storage_state(),
        viewport={"width": 390, "height": 844},
    )
    try:
        page = context.new_page()
        page.goto("/")
        page.get_by_role("link", name="Continue the goal-mapping session").click()
        page.goto(page.url.rsplit("/", 1)[0] + "/resources")
        rows = page.locator("details.note-row")
        assert rows.count() == 2
        for i in range(2):  # closed rows are opened by a tap, without any script
            rows.nth(i).locator("summary").click()
        page.get_by_label("Hours a week").first.fill("10")  # what I have
        rows.nth(0).get_by_label("Hours a week").fill("3")
        rows.nth(1).get_by_label("Hours a week").fill("200")  # too many
        page.get_by_role("button", name="Save every row").click()
        assert "Nothing was saved" in page.content()
        bad = page.locator("details.note-row[open]")
        assert bad.count() == 1 and "Between 0 and 168" in bad.inner_text()
        bad.get_by_label("Hours a week").fill("2")
        page.get_by_role("button", name="Save every row").click()
        assert "Saved 3 rows." in page.content()
        assert "2 of 2" in page.locator("#notes-count").inner_text()
        screenshot(page, "session-resources-no-javascript")
    finally:
        context.close()
