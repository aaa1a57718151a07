"""A quarter's record, done as one fact, and a goal's story, in two partners' browsers."""

from helpers import add_goal, card, cell, drag, partners, screenshot, settled, start_quarter


def test_done_is_one_fact_and_the_partner_cheers_from_the_story(new_page):
    alex, sam = partners(new_page)
    add_goal(alex, "Together", "In progress", "Paint the hallway")
    start_quarter(alex, sam)
    alex.goto("/")
    alex.wait_for_selector("#board")

    with alex.expect_response(lambda r: "/move" in r.url) as answer:
        drag(alex, card(alex, "Paint the hallway"), cell(alex, "Together", "Done").locator("ol"))
    assert answer.value.status == 200
    settled(alex)
    # Moved into Done, it is done: the card says so, and the message offers an undo.
    assert "Done" in card(alex, "Paint the hallway").locator(".goal-tags").inner_text()
    assert "“Paint the hallway” is done." in alex.locator("#flashes").inner_text()
    alex.get_by_role("button", name="Undo").click()
    cell(alex, "Together", "In progress").locator(
        ".goal-title", has_text="Paint the hallway"
    ).wait_for()
    settled(alex)
    assert "Done" not in card(alex, "Paint the hallway").locator(".goal-tags").inner_text()

    # Sam opens the goal's story from the board and cheers it.
    sam.goto("/")
    sam.get_by_role("link", name="Paint the hallway", exact=True).click()
    dialog = sam.locator("dialog#story")
    dialog.locator("h2", has_text="Paint the hallway").wait_for()
    assert dialog.evaluate("d => d.open")
    history = dialog.locator(".story-history").inner_text()
    assert "marked it done" in history and "reopened it" in history
    dialog.get_by_role("button", name="Cheer Paint the hallway").click()
    dialog.locator(".cheers", has_text="Cheered by Sam").wait_for()
    dialog.get_by_label("A word of support").fill("Looks lovely already")
    dialog.get_by_role("button", name="Add comment").click()
    dialog.locator(".comments", has_text="Looks lovely already").wait_for()
    screenshot(sam, "story-cheered")
    dialog.get_by_role("button", name="Close the story of Paint the hallway").click()
    # Closing the story brings the board up to date: the goal counts the cheer and word.
    card(sam, "Paint the hallway").locator(".tag-comments", has_text="2").wait_for()
    assert not dialog.evaluate("d => d.open")

    alex.reload()
    assert "2" in card(alex, "Paint the hallway").locator(".tag-comments").inner_text()
    assert alex.errors == [] and sam.errors == []


def test_a_goal_carried_over_stays_in_its_quarter_marked(new_page):
    alex, sam = partners(new_page)
    add_goal(alex, "Alex", "In progress", "Learn the cello")
    start_quarter(alex, sam)
    alex.goto("/")
    alex.get_by_role("button", name="Plan the next quarter").click()
    alex.wait_for_selector("text=1. Look back")
    alex.get_by_role("button", name="Carry over Learn the cello").click()
    alex.wait_for_selector("text=Learn the cello: carried over")

    # The quarter it came from still shows it, where it was, marked as carried on.
    alex.goto("/quarters")
    alex.get_by_role("link", name="2027 Q1").click()
    alex.wait_for_selector("#board")
    old = card(alex, "Learn the cello")
    assert "Carried on" in old.inner_text()
    assert old.get_by_role("link", name="Move").count() == 0  # it goes on in the next one
    assert cell(alex, "Alex", "In progress").locator(".goal-title").all_inner_texts() == [
        "Learn the cello"
    ]
    screenshot(alex, "carried-over-in-its-quarter")
    old.get_by_role("link", name="Learn the cello", exact=True).click()
    story = alex.locator("dialog#story")
    story.get_by_role("link", name="2027 Q2").wait_for()
    assert "carried it over" in story.locator(".story-history").inner_text()
    assert alex.errors == [] and sam.errors == []


def test_a_save_that_fails_says_so_inside_the_dialog(new_page):
    """The page's messages stand behind an open dialog: a failed save in the dialog says
    so in the dialog, and the error goes with the dialog."""
    alex, _sam = partners(new_page)
    add_goal(alex, "Together", "Ideas", "Repaint the bedroom")
    card(alex, "Repaint the bedroom").get_by_role("link", name="Edit").click()
    dialog = alex.locator("dialog#story[open]")
    dialog.locator("form.goal-form").wait_for()
    settled(alex)

    def fail(route):
        if route.request.method == "POST":
            route.fulfill(status=500, body="<p>Server trouble</p>", content_type="text/html")
        else:
            route.fallback()

    alex.route("**/goals/**", fail)
    dialog.get_by_label("Goal", exact=True).fill("Repaint the bedroom green")
    dialog.get_by_role("button", name="Save").click()
    error = dialog.locator(".dialog-error")
    error.wait_for()
    assert error.inner_text() == "That did not work (error 500). Please try again."
    assert error.is_visible() and dialog.get_by_label("Goal", exact=True).input_value() == (
        "Repaint the bedroom green"  # the words typed are still there to try again
    )
    alex.unroute("**/goals/**")
    dialog.get_by_role("button", name="Cancel").click()
    alex.wait_for_function("() => !document.getElementById('story').open")
    # The dialog's close event comes a moment after it closed: the error goes then.
    alex.locator(".dialog-error").wait_for(state="detached")
