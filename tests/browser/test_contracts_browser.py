"""A development contract from draft to witness to check-ins to completion, in two browsers."""

from helpers import add_goal, card, partners, screenshot, start_quarter


def test_a_contract_is_drafted_witnessed_checked_in_and_completed(new_page):
    alex, sam = partners(new_page)
    add_goal(alex, "Alex", "In progress", "Get the diving licence")
    start_quarter(alex, sam)

    # Alex drafts a contract from the goal's story.
    alex.goto("/")
    alex.get_by_role("link", name="Get the diving licence", exact=True).click()
    alex.get_by_role("link", name="Make a development contract on it").click()
    alex.get_by_label("What I commit to, in my words").fill("Two pool sessions a week")
    alex.get_by_label("How we will know it worked").fill("The licence card")
    alex.get_by_label("What I ask of you").fill("Drive me on Saturdays")
    alex.get_by_role("button", name="Draft the contract").click()
    alex.wait_for_url("**/contracts/*")
    contract = alex.url

    # Sam witnesses it; it is active.
    sam.goto("/contracts")
    sam.get_by_role("link", name="Two pool sessions a week").click()
    sam.get_by_role("button", name="Sign as witness").click()
    assert "Signed. You are its witness." in sam.locator("#flashes").inner_text()

    # Two check-ins, each answered with encouragement.
    for progress, note, words in (
        ("30", "Pool basics", "Great start"),
        ("80", "Open water", "Almost!"),
    ):
        alex.goto(contract)
        alex.get_by_label("Progress (%)").fill(progress)
        alex.get_by_label("How it went").fill(note)
        alex.get_by_role("button", name="Check in").click()
        assert "Checked in." in alex.locator("#flashes").inner_text()
        sam.goto(contract)
        sam.get_by_label("Encourage Alex").first.fill(words)
        sam.get_by_role("button", name="Send").first.click()
    alex.goto(contract)
    page = alex.locator("main").inner_text()
    assert "Great start" in page and "Almost!" in page
    assert alex.locator("svg.progress-chart circle").count() == 2
    screenshot(alex, "contract-checked-in")

    # Alex completes it, and the goal with it.
    alex.get_by_label("Mark the goal done too").check()
    alex.get_by_role("button", name="Complete the contract").click()
    assert "Completed." in alex.locator("#flashes").inner_text()
    alex.goto("/")
    assert "Done" in card(alex, "Get the diving licence").inner_text()
    assert alex.errors == [] and sam.errors == []
