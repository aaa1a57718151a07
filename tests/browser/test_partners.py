"""Two partners in two browsers: sign up, join, and work on one board."""

from helpers import add_goal, partners, reveal_drafts, screenshot


def test_two_partners_share_one_board(new_page):
    alex, sam = partners(new_page)
    titles = sam.locator(".lane-title").all_inner_texts()
    assert [title.split()[0] for title in titles] == ["Alex", "Sam", "Together"]

    add_goal(alex, "Together", "This quarter", "Plan the Lisbon trip")
    assert "Added “Plan the Lisbon trip”." in alex.locator("#flashes").inner_text()
    sam.reload()
    assert sam.locator(".goal-title", has_text="Plan the Lisbon trip").is_visible()
    screenshot(sam, "partners-shared-board")
    assert alex.errors == [] and sam.errors == []


def test_edit_in_place_and_delete_with_undo(new_page):
    alex, _sam = partners(new_page)
    add_goal(alex, "Alex", "Ideas", "Run a half marathon")
    alex.get_by_role("link", name="Edit Run a half marathon").click()
    form = alex.locator("form.goal-form")
    form.get_by_label("Goal", exact=True).fill("Run a full marathon")
    form.get_by_label("Notes").fill("Three runs a week")
    form.get_by_role("button", name="Save").click()
    card = alex.locator("article.goal", has_text="Run a full marathon")
    card.wait_for()
    assert "Three runs a week" in card.inner_text()
    url_before = alex.url

    alex.get_by_role("link", name="Edit Run a full marathon").click()
    alex.get_by_role("button", name="Delete Run a full marathon").click()
    alex.get_by_role("button", name="Undo").wait_for()
    assert alex.locator("article.goal", has_text="Run a full marathon").count() == 0
    alex.get_by_role("button", name="Undo").click()
    alex.locator("article.goal", has_text="Run a full marathon").wait_for()
    assert alex.url == url_before  # htmx: no full page load for card work
    screenshot(alex, "edit-delete-undo")
    assert alex.errors == []


def test_private_goal_is_a_placeholder_for_the_partner(new_page):
    alex, sam = partners(new_page)
    add_goal(alex, "Alex", "Ideas", "Write to my sister")
    alex.get_by_role("link", name="Edit Write to my sister").click()
    alex.get_by_label("Private: my partner sees only that a private goal exists").check()
    alex.locator("form.goal-form").get_by_role("button", name="Save").click()
    alex.locator(".tag-private").wait_for()
    reveal_drafts(alex, sam)  # drafted in a planning quarter: first both say "ready"
    sam.goto("/")
    assert sam.locator(".goal-hidden").count() == 1
    assert "Write to my sister" not in sam.content()
    screenshot(sam, "private-placeholder")


def test_a_phone_sized_board_has_no_sideways_page_scroll(new_page):
    alex, _sam = partners(new_page)
    for lane, stage in (("Alex", "Done"), ("Together", "In progress")):
        add_goal(alex, lane, stage, f"A goal in {stage}")
    phone = alex.context.new_page()
    phone.set_viewport_size({"width": 390, "height": 844})
    phone.goto("/")
    phone.wait_for_selector("#board")
    # Columns scroll inside their lane; the page itself never needs a sideways scroll.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, "phone-board")
