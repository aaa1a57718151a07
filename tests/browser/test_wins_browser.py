"""Milestones and wins in two partners' browsers: the last tick, the goal done, the
celebration (once for each partner, calm when motion is unwelcome) and the wins wall."""

from helpers import (
    add_goal,
    card,
    create_quarter,
    partners,
    register,
    screenshot,
    settled,
    start_quarter,
)

CONFETTI = "() => document.querySelector('body > canvas') !== null"


def open_story(page, title: str):
    page.get_by_role("link", name=title, exact=True).click()
    dialog = page.locator("dialog#story")
    dialog.locator("h2", has_text=title).wait_for()
    return dialog


def add_milestone(page, dialog, title: str) -> None:
    dialog.get_by_label("New milestone", exact=True).fill(title)
    dialog.get_by_role("button", name="Add milestone").click()
    dialog.locator(".milestone-title", has_text=title).wait_for()
    settled(page)


def test_the_last_milestone_the_goal_done_and_a_celebration_once_for_each(new_page):
    alex, sam = partners(new_page)
    add_goal(alex, "Together", "In progress", "Paint the hallway")
    start_quarter(alex, sam)
    alex.goto("/")
    dialog = open_story(alex, "Paint the hallway")
    add_milestone(alex, dialog, "Buy paint")
    add_milestone(alex, dialog, "First coat")
    dialog.get_by_role("button", name="Mark “Buy paint” done").click()
    dialog.locator(".milestone-progress", has_text="1 / 2").wait_for()
    settled(alex)
    dialog.get_by_role("button", name="Mark “First coat” done").click()
    offer = dialog.locator(".milestone-offer")
    offer.wait_for()
    settled(alex)
    # The milestone's win plays at once for the one who ticked it.
    alex.locator("#flashes [data-celebrated=confetti]", has_text="First coat").wait_for()
    offer.get_by_role("button", name="Mark the goal done").click()
    done = alex.locator("#flashes [data-celebrate]", has_text="“Paint the hallway” is done.")
    done.wait_for()
    # The milestone's canvas may still be on the page: wait for this message's own mark.
    alex.locator("#flashes [data-celebrated]", has_text="“Paint the hallway” is done.").wait_for()
    assert done.get_attribute("data-celebrated") == "confetti"
    alex.wait_for_function(CONFETTI)
    screenshot(alex, "win-celebrated")
    dialog.get_by_role("button", name="Close the story of Paint the hallway").click()
    card(alex, "Paint the hallway").locator(".tag-milestones", has_text="2 / 2").wait_for()
    assert "Done" in card(alex, "Paint the hallway").locator(".goal-tags").inner_text()

    # Sam's next board celebrates Alex's wins, once.
    with sam.expect_response(lambda r: "/wins/seen" in r.url) as seen:
        sam.goto("/")
    assert seen.value.status == 204
    celebrations = sam.locator("#celebrations")
    assert "Paint the hallway" in celebrations.inner_text()
    assert "First coat" in celebrations.inner_text()
    sam.wait_for_function(CONFETTI)
    screenshot(sam, "win-partner-celebration")
    sam.reload()
    sam.wait_for_selector("#board")
    assert sam.locator("#celebrations").count() == 0

    # On the wall, Sam thanks Alex for the finished hallway.
    sam.get_by_role("link", name="Wins").click()
    win = sam.locator("article.win", has=sam.locator(".win-title", has_text="Paint the hallway"))
    assert sam.locator("article.win").count() == 3  # two milestones and the goal
    win.get_by_text("Add a note of appreciation").click()
    win.get_by_label("A note of appreciation").fill("I love how you kept at this")
    win.get_by_role("button", name="Send").click()
    win.locator(".appreciations", has_text="I love how you kept at this").wait_for()
    settled(sam)
    win.get_by_role("button", name="So proud for “Paint the hallway”").click()
    win.locator(".reaction[aria-pressed=true]").wait_for()
    screenshot(sam, "wins-wall")
    alex.goto("/wins")
    assert (
        "I love how you kept at this"
        in alex.locator("article.win", has_text="Paint the hallway").inner_text()
    )
    assert alex.errors == [] and sam.errors == []


def test_nothing_moves_when_the_user_prefers_reduced_motion(new_page):
    alex = new_page(reduced_motion="reduce")
    register(alex, "Alex")
    create_quarter(alex)
    add_goal(alex, "Alex", "In progress", "Learn the cello")
    dialog = open_story(alex, "Learn the cello")
    add_milestone(alex, dialog, "First lesson")
    dialog.get_by_role("button", name="Mark “First lesson” done").click()
    message = alex.locator("#flashes [data-celebrate]", has_text="First lesson")
    message.wait_for()
    alex.wait_for_function("() => document.querySelector('[data-celebrated]') !== null")
    # A calm message: no confetti canvas, no animation.
    assert message.get_attribute("data-celebrated") == "calm"
    alex.wait_for_timeout(300)
    assert alex.evaluate("() => document.querySelectorAll('canvas').length") == 0
    assert message.evaluate("m => getComputedStyle(m).animationName") == "none"
    assert message.is_visible()
    assert alex.errors == []
