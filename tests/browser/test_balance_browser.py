"""Allocating time in a browser: the over-commitment warning on the board, and the chart."""

from helpers import add_goal, partners, screenshot


def test_allocate_see_the_warning_and_the_chart(new_page):
    alex, _sam = partners(new_page)
    add_goal(alex, "Together", "This quarter", "Plan the Lisbon trip")
    board_url = alex.url
    alex.get_by_role("link", name="Edit Plan the Lisbon trip").click()
    alex.get_by_role("link", name="What it takes for Plan the Lisbon trip").click()
    alex.get_by_label("Hours a week").fill("6")
    alex.get_by_label("Money").fill("1200.555")
    alex.get_by_role("button", name="Add my note").click()
    assert "Use at most 2 decimals for money." in alex.locator(".field .error").inner_text()
    alex.get_by_label("Money").fill("1200.50")
    alex.get_by_label("Per").select_option("quarter")
    alex.get_by_role("button", name="Add my note").click()
    alex.wait_for_selector("text=Saved your note.")

    alex.goto(board_url.replace("/quarters/", "/quarters/").rstrip("/") + "/availability")
    alex.get_by_label("Hours a week for goals").fill("4")
    alex.get_by_role("button", name="Save what I have").click()
    alex.wait_for_selector("#history svg.chart")
    warning = alex.locator(".load-warning").first.inner_text()
    assert "More hours allocated than Alex has: Plan the Lisbon trip (6 h)" in warning
    assert alex.locator("svg.chart circle").count() >= 1
    screenshot(alex, "balance-overcommitted")

    alex.goto(board_url)
    assert "6 / 4 h a week" in alex.locator("#loads").inner_text()
    assert alex.locator("#loads .load-over").count() == 1
    screenshot(alex, "board-with-loads")
    assert alex.errors == []
