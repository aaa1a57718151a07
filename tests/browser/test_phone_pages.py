"""The balance page, the timeline and Settings on a 390 x 844 touch screen: what only a
browser can measure (text size, overlap, sideways scrolling, focus, the clipboard)."""

import re

import pytest
from helpers import csrf_token, partners, screenshot

PHONE = {"width": 390, "height": 844, "has_touch": True, "is_mobile": True}


def on_phone(new_page, scheme: str = "light", **options):
    """Two partners as ``partners`` makes them (Alex on a desktop, to set things up), and
    Alex signed in on a phone too."""
    alex, sam = partners(new_page)
    state = alex.context.storage_state()
    page = new_page(**PHONE, color_scheme=scheme, storage_state=state, **options)
    return page, alex, sam


def no_sideways_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{page.url} scrolls sideways: {width}"


def add_dated_goal(page, quarter_url: str, lane_id: str, stage_id: str, title: str, start, end):
    response = page.request.post(
        f"{quarter_url}/goals/new",
        form={
            "lane_id": lane_id,
            "stage_id": stage_id,
            "title": title,
            "status": "active",
            "starts_on": start,
            "target_on": end,
        },
        headers={"X-CSRFToken": csrf_token(page)},
        max_redirects=0,
    )
    assert response.status in (200, 302), response.status


def note_hours(page, title: str, hours: str) -> None:
    page.goto("/")
    page.get_by_role("link", name=f"Edit {title}").click()
    page.get_by_role("link", name=f"What it takes for {title}").click()
    page.get_by_label("Hours a week").fill(hours)
    page.get_by_role("button", name="Add my note").click()
    page.wait_for_selector("text=Saved your note.")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_balance_chart_reads_at_phone_size(new_page, scheme):
    page, alex, _sam = on_phone(new_page, scheme)
    quarter_url = alex.locator("#board").get_attribute("data-url")
    alex.goto("/settings")
    lane = alex.locator("[id$='-settings'][id^='lane-']").last.get_attribute("id").split("-")[1]
    stage = alex.locator("[id^='stage-'][id$='-settings']").nth(1).get_attribute("id")
    add_dated_goal(alex, quarter_url, lane, stage.split("-")[1], "Plan the trip", "", "")
    note_hours(alex, "Plan the trip", "6")
    alex.goto(quarter_url + "/availability")
    alex.get_by_label("Hours a week for goals").fill("4")
    alex.get_by_role("button", name="Save what I have").click()
    alex.wait_for_selector("#history svg.chart")
    page.goto("/balance")
    page.wait_for_selector("#history svg.chart")

    # Every label of the chart is at least 12 CSS px tall, and inside the drawing.
    chart = page.locator("#history svg.chart").bounding_box()
    labels = page.eval_on_selector_all(
        "#history svg.chart text",
        """texts => texts.filter(t => getComputedStyle(t).display !== 'none').map(t => {
             const r = t.getBoundingClientRect();
             return {text: t.textContent, top: r.top, bottom: r.bottom, left: r.left,
                     right: r.right, height: r.height,
                     size: parseFloat(getComputedStyle(t).fontSize)};
           })""",
    )
    assert labels
    top = chart["y"] - page.evaluate("window.scrollY")
    for label in labels:
        assert label["size"] >= 12 and label["height"] >= 12, label
        assert label["bottom"] <= top + chart["height"] + 0.5, label  # "Q1", not "O1"
        assert chart["x"] - 0.5 <= label["left"] and label["right"] <= chart["x"] + chart["width"]

    # The summary agrees with the warning above it.
    assert page.locator(".load-warning").count() == 1
    signals = page.locator("#signals").inner_text()
    assert "Nothing stands out" not in signals and "More hours than Alex has" in signals
    assert page.get_by_role("link", name="Settings → Money and prompts").is_visible()
    no_sideways_scroll(page)
    screenshot(page, f"phone-balance-{scheme}")
    assert page.errors == [] and alex.errors == []


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_settings_fit_a_phone_and_the_invite_link_copies(new_page, scheme):
    page, _alex, _sam = on_phone(new_page, scheme)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto("/settings")
    page.get_by_role("button", name="Create invite link").click()
    link = page.locator("#invite-url")
    shown = link.inner_text().strip()
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/join/[\w-]{43}", shown)
    box = link.bounding_box()
    assert box["x"] + box["width"] <= 390  # wraps, never cut off
    page.get_by_role("button", name="Copy link").click()
    page.wait_for_selector("#invite-copied:has-text('Copied.')")
    assert page.evaluate("navigator.clipboard.readText()") == shown

    # Each colour is a 44 x 44 target; each arrow too, on the row of the name it moves.
    for option in page.locator(".colour-option").all():
        target = option.bounding_box()
        assert target["width"] >= 44 and target["height"] >= 44
    row = page.locator("#stages .ordered-list li").first
    name_box = row.locator("input[name$='-name']").bounding_box()
    for arrow in row.locator("button.icon").all():
        arrow_box = arrow.bounding_box()
        assert arrow_box["width"] >= 44 and arrow_box["height"] >= 44
        assert abs(arrow_box["y"] - name_box["y"]) < 24  # one row, not a line of its own
    assert row.get_by_role("button", name=re.compile(r"^→ Move column")).count() == 1
    for digits in page.locator("input.digits").all():
        assert digits.bounding_box()["width"] < 120
    no_sideways_scroll(page)
    screenshot(page, f"phone-settings-{scheme}")
    assert page.errors == []


def test_without_javascript_the_invite_link_is_still_there_to_select(new_page):
    page, _alex, _sam = on_phone(new_page, java_script_enabled=False)
    page.goto("/settings")
    page.get_by_role("button", name="Create invite link").click()
    assert "/join/" in page.locator("#invite-url").inner_text()
    assert page.get_by_role("button", name="Copy link").count() == 0  # hidden: it needs JS
    assert page.locator("#invite-url").evaluate("e => getComputedStyle(e).userSelect") == "all"


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_timeline_on_a_phone(new_page, scheme):
    page, _alex, _sam = on_phone(new_page, scheme)
    page.goto("/")
    quarter_url = page.locator("#board").get_attribute("data-url")
    page.goto(quarter_url + "/timeline")
    lanes = page.locator(".tl-lane").evaluate_all("rows => rows.map(r => r.id.split('-')[2])")
    page.goto("/settings")
    stage = page.locator("[id^='stage-'][id$='-settings']").first.get_attribute("id").split("-")[1]
    alex_lane, together = lanes[0], lanes[-1]
    add_dated_goal(page, quarter_url, alex_lane, stage, "Run a half marathon", "2027-01-04", "")
    add_dated_goal(
        page, quarter_url, alex_lane, stage, "Call the plumber", "2027-01-05", "2027-01-07"
    )
    add_dated_goal(page, quarter_url, together, stage, "Book the hut", "2027-03-25", "2027-03-27")
    for day in ("11", "12", "13"):
        add_dated_goal(page, quarter_url, alex_lane, stage, f"Due {day}", "", f"2027-02-{day}")
    page.goto(quarter_url + "/timeline")

    # A 3-day goal's title reads on one line beside its bar, not a letter per line.
    for title in ("Call the plumber", "Book the hut"):
        beside = page.locator(".tl-beside", has_text=title)
        box = beside.locator(".tl-title").bounding_box()
        assert box["width"] >= 60 and box["height"] < 24, (title, box)  # one line
    # The lane's name never touches its first bar.
    label = page.locator(".tl-lane .tl-label span").first.bounding_box()
    bar = page.locator(".tl-lane .tl-bar").first.bounding_box()
    assert label["y"] + label["height"] <= bar["y"] or label["x"] + label["width"] < bar["x"]
    # Week headers: the date on one line.
    for week in page.locator(".tl-week").all()[:3]:
        assert week.bounding_box()["height"] < 24
    # One marked week: three of Alex's goals due 11-13 February, in words too.
    assert page.locator(".tl-busy").count() == 1
    assert "3 due for Alex" in page.locator("#crowded-weeks").inner_text()

    # The one sideways scroller: reached by Tab, named, scrolled by the arrow keys.
    scroller = page.get_by_role("region", name=re.compile("timeline"))
    assert scroller.get_attribute("tabindex") == "0"
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "timeline-scroll":
            break
    assert page.evaluate("document.activeElement.id") == "timeline-scroll"
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => document.getElementById('timeline-scroll').scrollLeft > 0")
    no_sideways_scroll(page)
    screenshot(page, f"phone-timeline-{scheme}")
    assert page.errors == []


def test_a_done_goal_is_marked_done_in_words_on_the_timeline(new_page):
    page, _alex, _sam = on_phone(new_page)
    page.goto("/")
    quarter_url = page.locator("#board").get_attribute("data-url")
    page.goto("/settings")
    stages = page.locator("[id^='stage-'][id$='-settings']")
    done = stages.last.get_attribute("id").split("-")[1]  # Done, the done column
    page.goto(quarter_url + "/timeline")
    lane = page.locator(".tl-lane").first.get_attribute("id").split("-")[2]
    add_dated_goal(page, quarter_url, lane, done, "Fix the bike", "2027-01-04", "2027-02-28")
    page.goto(quarter_url + "/timeline")
    bar = page.locator(".tl-bar", has_text="Fix the bike")
    assert bar.locator(".tl-tick svg").count() == 1  # a drawn tick, not a glyph a font may lack
    assert "done" in bar.locator(".tl-status").inner_text()
    decoration = bar.locator(".tl-title").evaluate("e => getComputedStyle(e).textDecorationLine")
    assert decoration == "line-through"
