"""Live: two partners in two browsers see each other's changes without reloading."""

import time

import pytest
from helpers import SESSION_LINK, add_goal, card, cell, partners, screenshot, session_step, settled

NO_RELOAD = "() => { window.stillThisPage = true; }"


def mark(*pages) -> None:
    """Mark each page's window: a reload would lose the mark."""
    for page in pages:
        page.evaluate(NO_RELOAD)


def not_reloaded(page) -> bool:
    return page.evaluate("() => window.stillThisPage === true")


def listening(page) -> None:
    """Wait until the page's live stream is open."""
    page.wait_for_selector("body[data-live-open]", state="attached")


def test_a_move_on_one_board_shows_on_the_other_without_a_reload(new_page):
    alex, sam = partners(new_page)
    add_goal(alex, "Together", "Ideas", "Plant the herb garden")
    sam.reload()
    sam.wait_for_selector("text=Plant the herb garden")
    listening(sam)
    listening(alex)
    mark(alex, sam)

    # Each sees the other is here.
    sam.get_by_text("Alex is here too").wait_for(timeout=3000)
    alex.get_by_text("Sam is here too").wait_for(timeout=3000)

    # Alex moves the goal with the keyboard's Move form; Sam's board follows.
    goal = card(alex, "Plant the herb garden")
    goal.get_by_role("link", name="Move").click()
    form = alex.locator("form.move-form")
    form.get_by_label("Column").select_option(label="In progress")
    started = time.monotonic()
    form.get_by_role("button", name="Move").click()
    moved = cell(sam, "Together", "In progress").locator(".goal-title", has_text="Plant the")
    moved.wait_for(timeout=2000)
    assert time.monotonic() - started < 2.5  # the click, the move and the live refresh
    assert not_reloaded(sam)
    screenshot(sam, "live-board-after-partners-move")

    # A goal Sam is editing is not replaced under the cursor: the form stands in the
    # board's dialog, so the board behind it catches up and her words stay.
    add_goal(sam, "Together", "Ideas", "Book the train")
    settled(sam)
    card(sam, "Book the train").get_by_role("link", name="Edit").click()
    sam.locator("form.goal-form").wait_for()
    settled(sam)
    sam.locator("form.goal-form").get_by_label("Goal", exact=True).fill("Book the night train")
    add_goal(alex, "Together", "This quarter", "Learn to juggle")
    sam.locator("#board .goal-title", has_text="Learn to juggle").wait_for(timeout=3000)
    assert sam.locator("form.goal-form").get_by_label("Goal", exact=True).input_value() == (
        "Book the night train"
    )
    sam.locator("form.goal-form").get_by_role("button", name="Save").click()
    sam.locator("#board .goal-title", has_text="Book the night train").wait_for(timeout=3000)
    assert sam.locator(".live-notice").count() == 0
    assert not_reloaded(sam)
    assert not alex.errors and not sam.errors, (alex.errors, sam.errors)


def test_a_partners_ready_turns_still_drafting_into_the_reveal(new_page):
    alex, sam = partners(new_page)
    for page in (alex, sam):
        page.goto("/")
        page.get_by_role("link", name=SESSION_LINK).click()
        session_step(page, "My goals")
    alex.get_by_label("Goal", exact=True).fill("Write the first chapter")
    alex.get_by_role("button", name="Add my goal").click()
    alex.wait_for_selector("text=Write the first chapter")
    sam.get_by_label("Goal", exact=True).fill("Climb Ben Nevis")
    sam.get_by_role("button", name="Add my goal").click()
    sam.wait_for_selector("text=Climb Ben Nevis")
    listening(alex)
    listening(sam)
    mark(alex, sam)
    sam.get_by_text("Alex is here too").wait_for(timeout=3000)
    assert "Alex is still drafting." in sam.content()

    sam.get_by_role("button", name="I'm ready").click()  # Sam's own page reloads
    sam.wait_for_selector("#flashes .flash")
    # Alex's page, untouched, learns that Sam is ready.
    alex.get_by_text("Sam is ready.").wait_for(timeout=2000)
    assert not_reloaded(alex)

    listening(sam)
    mark(sam)
    started = time.monotonic()
    alex.get_by_role("button", name="I'm ready").click()
    # Sam's page is not reloaded; the reveal arrives by itself.
    sam.locator(".session-goal-title", has_text="Write the first chapter").wait_for(timeout=2500)
    assert time.monotonic() - started < 3
    assert not_reloaded(sam)
    assert sam.get_by_text("Alex is here too").is_visible()  # kept through the refresh
    screenshot(sam, "live-session-revealed")
    assert not alex.errors and not sam.errors, (alex.errors, sam.errors)


@pytest.fixture
def short_streams(server_with, new_page):
    """Pages of a server whose streams end after 3 seconds (a proxy's timeout, say)."""
    url = server_with(LIVE_STREAM_SECONDS="3")
    return lambda **options: new_page(base_url=url, **options)


def test_a_page_that_lost_its_stream_catches_up_when_it_is_back(short_streams):
    alex, sam = partners(short_streams)
    listening(sam)
    mark(sam)
    # The stream ends and cannot come back: the phone went into a tunnel.
    sam.context.set_offline(True)
    sam.wait_for_selector("body:not([data-live-open])", state="attached", timeout=6000)
    add_goal(alex, "Together", "Ideas", "Made while Sam was away")
    sam.wait_for_timeout(300)
    assert sam.locator(".goal-title", has_text="Made while Sam was away").count() == 0
    sam.context.set_offline(False)
    # The stream comes back by itself (with backoff), says what was missed, and the board
    # asks again: no reload.
    listening(sam)
    sam.locator(".goal-title", has_text="Made while Sam was away").wait_for(timeout=5000)
    assert not_reloaded(sam)


def test_a_story_open_on_one_phone_follows_and_a_deleted_goal_says_so(new_page):
    alex, sam = partners(new_page)
    add_goal(alex, "Together", "Ideas", "Paint the hallway")
    sam.reload()
    listening(sam)
    sam.get_by_role("link", name="Paint the hallway", exact=True).click()
    dialog = sam.locator("dialog#story")
    dialog.locator("h2", has_text="Paint the hallway").wait_for()

    # Alex cheers from another phone: Sam's open story shows it.
    alex.get_by_role("link", name="Paint the hallway", exact=True).click()
    alex.locator("dialog#story").get_by_role("button", name="Cheer Paint the hallway").click()
    dialog.locator(".cheers", has_text="Cheered by Alex").wait_for(timeout=3000)

    # Alex deletes the goal: Sam's story says it is gone, not an error of Sam's.
    alex.locator("dialog#story").get_by_role("button", name="Close the story").click()
    alex.get_by_role("link", name="Edit Paint the hallway").click()
    alex.get_by_role("button", name="Delete Paint the hallway").click()
    alex.get_by_role("button", name="Undo").wait_for()
    dialog.get_by_text("This is no longer here").wait_for(timeout=3000)
    assert sam.locator("#error-message").count() == 0
    assert sam.locator("#board .goal-title", has_text="Paint the hallway").count() == 0
    # Chromium logs the story's 404 as a failed load; it is the answer that says "gone".
    unexpected = [error for error in sam.errors if "status of 404" not in error]
    assert not alex.errors and not unexpected, (alex.errors, sam.errors)
