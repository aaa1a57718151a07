"""What a person sees: contrast in light and dark, and a board without JavaScript."""

from pathlib import Path

import pytest
from helpers import (
    add_goal,
    card,
    cell,
    fill_account,
    partners,
    screenshot,
    titles_in,
    unique_email,
)

CONTRAST = (Path(__file__).parent / "contrast.js").read_text()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_text_meets_wcag_aa_contrast(new_page, scheme):
    alex, _sam = partners(new_page)
    add_goal(alex, "Alex", "Ideas", "Run a half marathon")
    add_goal(alex, "Together", "Done", "Build an emergency fund")
    alex.get_by_role("link", name="Edit Build an emergency fund").click()
    alex.locator("form.goal-form").get_by_label("Status").select_option("done")
    alex.locator("form.goal-form").get_by_role("button", name="Save").click()
    card(alex, "Build an emergency fund").locator(".tag-done").wait_for()
    alex.emulate_media(color_scheme=scheme)
    for path in ("/", "/settings", "/quarters"):
        alex.goto(path)
        assert alex.evaluate(CONTRAST) == [], f"{path} in {scheme}"
    alex.goto("/")
    screenshot(alex, f"board-{scheme}")


def test_everything_works_without_javascript(new_page, browser, live_server):
    page = new_page(java_script_enabled=False)
    email = unique_email("Nojs")
    page.goto("/register")
    fill_account(page, "Nojs", email)
    page.get_by_role("button", name="Create account").click()
    page.get_by_label("Name").fill("2027 Q1")
    page.get_by_label("Starts on").fill("2027-01-01")
    page.get_by_label("Ends on").fill("2027-03-31")
    page.get_by_role("button", name="Create quarter").click()

    page.get_by_role("link", name="+ Add goal to Nojs, Ideas").click()
    page.get_by_label("Goal", exact=True).fill("")
    page.get_by_role("button", name="Add goal").click()
    assert page.locator(".field .error").inner_text() == "Give the goal a title."
    page.get_by_label("Goal", exact=True).fill("Learn the cello")
    page.get_by_role("button", name="Add goal").click()
    assert titles_in(page, "Nojs", "Ideas") == ["Learn the cello"]

    page.get_by_role("link", name="Edit Learn the cello").click()
    page.get_by_label("Notes").fill("Lessons on Thursdays")
    page.get_by_role("button", name="Save").click()
    assert "Lessons on Thursdays" in card(page, "Learn the cello").inner_text()

    page.get_by_role("link", name="Move Learn the cello").click()
    page.get_by_label("Lane").select_option(label="Together")
    page.get_by_label("Column").select_option(label="In progress")
    page.get_by_role("button", name="Move").click()
    assert titles_in(page, "Together", "In progress") == ["Learn the cello"]

    page.get_by_role("link", name="Edit Learn the cello").click()
    page.get_by_role("button", name="Delete Learn the cello").click()
    assert card(page, "Learn the cello").count() == 0
    page.get_by_role("button", name="Undo").click()
    assert cell(page, "Together", "In progress").locator(".goal-title").all_inner_texts() == [
        "Learn the cello"
    ]
    screenshot(page, "no-javascript")
