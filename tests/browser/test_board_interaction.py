"""The board in a real browser: drag and drop, the keyboard way, touch, and layout."""

from helpers import (
    add_goal,
    add_goals_fast,
    card,
    cell,
    drag,
    partners,
    screenshot,
    settled,
    titles_in,
    touch_drag,
)


def test_a_drag_across_columns_is_saved_and_the_partner_sees_it(new_page):
    alex, sam = partners(new_page)
    add_goal(alex, "Together", "Ideas", "Plan the Lisbon trip")
    add_goal(alex, "Together", "Ideas", "Sunday dinners")
    with alex.expect_response(lambda r: "/move" in r.url) as answer:
        drag(
            alex,
            card(alex, "Plan the Lisbon trip"),
            cell(alex, "Together", "In progress").locator("ol"),
        )
    assert answer.value.status == 200
    cell(alex, "Together", "In progress").locator(
        ".goal-title", has_text="Plan the Lisbon trip"
    ).wait_for()
    assert titles_in(alex, "Together", "Ideas") == ["Sunday dinners"]

    sam.reload()
    assert titles_in(sam, "Together", "In progress") == ["Plan the Lisbon trip"]
    assert titles_in(sam, "Together", "Ideas") == ["Sunday dinners"]
    screenshot(sam, "drag-seen-by-partner")
    assert alex.errors == [] and sam.errors == []


def test_a_drag_across_lanes_updates_both_lane_counts_from_the_server(new_page):
    alex, _sam = partners(new_page)
    add_goal(alex, "Alex", "Ideas", "Learn to climb")
    add_goal(alex, "Alex", "Ideas", "Write every week")
    alex_lane = alex.locator("section.lane", has=alex.locator("h2", has_text="Alex"))
    together = alex.locator("section.lane", has=alex.locator("h2", has_text="Together"))
    assert alex_lane.locator(".lane-count").inner_text() == "2 goals"
    with alex.expect_response(lambda r: "/move" in r.url) as answer:
        drag(alex, card(alex, "Learn to climb"), cell(alex, "Together", "Ideas").locator("ol"))
    assert answer.value.status == 200
    settled(alex)
    assert alex_lane.locator(".lane-count").inner_text() == "1 goal"
    assert together.locator(".lane-count").inner_text() == "1 goal"
    assert titles_in(alex, "Together", "Ideas") == ["Learn to climb"]
    assert alex.errors == []


def test_reordering_within_a_column_survives_a_reload(new_page):
    alex, _sam = partners(new_page)
    for title in ("First", "Second", "Third"):
        add_goal(alex, "Alex", "This quarter", title)
    with alex.expect_response(lambda r: "/move" in r.url):
        drag(alex, card(alex, "Third"), card(alex, "First"))
    alex.wait_for_load_state("networkidle")
    after_drag = titles_in(alex, "Alex", "This quarter")
    assert after_drag[0] == "Third"
    alex.reload()
    assert titles_in(alex, "Alex", "This quarter") == after_drag
    assert sorted(after_drag) == ["First", "Second", "Third"]


def test_a_refused_drag_snaps_back_with_a_message(new_page):
    alex, _sam = partners(new_page)
    add_goal(alex, "Alex", "Ideas", "Run a half marathon")
    with alex.expect_response(lambda r: "/move" in r.url) as answer:
        drag(alex, card(alex, "Run a half marathon"), cell(alex, "Sam", "Ideas").locator("ol"))
    assert answer.value.status == 403
    alex.locator("#flashes .flash-error").wait_for()
    assert "own lane or a shared one" in alex.locator("#flashes").inner_text()
    cell(alex, "Alex", "Ideas").locator(".goal-title", has_text="Run a half marathon").wait_for()
    assert titles_in(alex, "Sam", "Ideas") == []
    screenshot(alex, "refused-drag")


def test_moving_with_the_keyboard_only(new_page):
    alex, _sam = partners(new_page)
    add_goal(alex, "Together", "Ideas", "Repaint the bedroom")
    move_link = alex.get_by_role("link", name="Move Repaint the bedroom")
    move_link.focus()
    alex.keyboard.press("Enter")
    # The form takes the keyboard when it is ready: focus lands on its first field.
    lane = alex.get_by_label("Lane")
    alex.wait_for_function("(el) => document.activeElement === el", arg=lane.element_handle())
    settled(alex)  # htmx has wired the form's selects up, so a change asks for places
    alex.keyboard.press("Tab")  # to "Column"
    column = alex.get_by_label("Column", exact=True)
    alex.wait_for_function("(el) => document.activeElement === el", arg=column.element_handle())
    alex.keyboard.press("ArrowDown")
    alex.keyboard.press("ArrowDown")  # Ideas → This quarter → In progress
    assert column.evaluate("(el) => el.selectedOptions[0].textContent.trim()") == "In progress"
    # The places of the chosen cell come in (its request may not have left yet when htmx
    # looks settled): it is empty, so only the top.
    place = alex.get_by_label("Place")
    place.locator("option", has_text="where it is now").wait_for(state="detached")
    settled(alex)
    assert place.locator("option").all_inner_texts() == ["At the top"]
    alex.keyboard.press("Tab")  # to "Place"
    alex.keyboard.press("Tab")  # to the Move button
    alex.keyboard.press("Enter")
    cell(alex, "Together", "In progress").locator(".goal-title", has_text="Repaint").wait_for()
    goal_id = card(alex, "Repaint the bedroom").get_attribute("id")
    alex.wait_for_function("(id) => document.activeElement?.id === id", arg=goal_id)
    alex.wait_for_function(
        "() => document.getElementById('announcer').textContent.includes('Moved')"
    )
    assert "In progress in Together" in alex.locator("#announcer").inner_text()
    screenshot(alex, "keyboard-move")
    assert alex.errors == []


def test_a_finger_drag_on_a_phone(new_page, browser, live_server):
    alex, _sam = partners(new_page)
    add_goal(alex, "Alex", "Ideas", "Learn to juggle")
    phone = browser.new_context(
        base_url=live_server,
        viewport={"width": 390, "height": 844},
        has_touch=True,
        is_mobile=True,
        storage_state=alex.context.storage_state(),
    )
    page = phone.new_page()
    page.goto("/")
    page.wait_for_selector("#board")
    with page.expect_response(lambda r: "/move" in r.url) as answer:
        touch_drag(
            page, card(page, "Learn to juggle"), cell(page, "Together", "Ideas").locator("ol")
        )
    assert answer.value.status == 200
    cell(page, "Together", "Ideas").locator(".goal-title", has_text="Learn to juggle").wait_for()
    # Scrolling the page with a finger elsewhere still scrolls: only the handle drags.
    assert (
        page.evaluate("getComputedStyle(document.querySelector('.drag-handle')).touchAction")
        == "none"
    )
    assert page.evaluate("getComputedStyle(document.querySelector('.cell')).touchAction") == "auto"
    screenshot(page, "phone-touch-drag")
    phone.close()


def test_sixty_goals_fit_a_desktop_without_sideways_scroll(new_page):
    alex, _sam = partners(new_page)
    alex.set_viewport_size({"width": 1440, "height": 900})
    lanes = alex.locator("section.lane .cell")
    cells = [
        (lanes.nth(i).get_attribute("data-lane"), lanes.nth(i).get_attribute("data-stage"))
        for i in range(lanes.count())
    ]
    editable = [
        c for c, lane in zip(cells, range(len(cells)), strict=True) if lane < 4 or lane >= 8
    ]
    for i, (lane_id, stage_id) in enumerate(editable):
        add_goals_fast(
            alex, lane_id, stage_id, [f"Goal {i}-{n} with a longer title" for n in range(8)]
        )
    alex.reload()
    assert alex.locator("article.goal").count() == 64
    assert alex.evaluate("document.documentElement.scrollWidth") <= 1440
    screenshot(alex, "desktop-64-goals")
