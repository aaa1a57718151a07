"""A whole entry of the flexibility log: raised on a phone, agreed in a second browser."""

from helpers import add_goal, card, partners, screenshot, start_quarter


def test_a_life_event_is_re_planned_together_from_two_browsers(new_page):
    alex, sam = partners(new_page)
    add_goal(alex, "Alex", "This quarter", "Evening course")
    add_goal(alex, "Together", "This quarter", "Weekend in Lisbon")
    start_quarter(alex, sam)

    # Alex, on a phone, records what happened and what it changes.
    phone = new_page(width=390, height=844, has_touch=True, is_mobile=True)
    phone.context.add_cookies(alex.context.cookies())
    phone.goto("/")
    phone.get_by_role("link", name="Flexibility log").click()
    phone.get_by_role("link", name="Record a life event").click()
    assert "Name what happened" in phone.locator(".protocol-guide").inner_text()
    # One step at a time, as the protocol takes the conversation.
    assert "Step 1 of 4: What happened" in phone.locator(".step-status").inner_text()
    assert not phone.get_by_role("button", name="Save and acknowledge").is_visible()
    phone.get_by_label("What happened, in a few words").fill("Sam's new job")
    phone.get_by_label("Kind").select_option("work")
    phone.get_by_role("button", name="Next").click()
    phone.get_by_label("What it means for your goals and the shared ones").fill("Fewer evenings.")
    phone.get_by_role("button", name="Next").click()
    phone.get_by_label("Decision for Evening course").select_option("pause")
    phone.get_by_label("Decision for Weekend in Lisbon").select_option("defer")
    phone.get_by_role("button", name="Next").click()
    assert "Step 4 of 4" in phone.locator(".step-status").inner_text()
    assert not phone.get_by_role("button", name="Next").is_visible()
    phone.get_by_label("Look again on").fill("2027-02-15")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the form scrolls sideways on a phone ({width} px)"
    screenshot(phone, "flexibility-new-phone")
    phone.get_by_role("button", name="Save and acknowledge").click()
    phone.wait_for_url("**/flexibility/*")
    assert "Waiting for acknowledgement" in phone.locator("main").inner_text()

    # Alex's own goal paused at once; the shared one waits for Sam.
    alex.goto("/")
    assert "Paused" in card(alex, "Evening course").inner_text()
    assert "Paused" not in card(alex, "Weekend in Lisbon").inner_text()

    # Sam finds it in the log, adds his words and acknowledges.
    sam.goto("/flexibility")
    sam.get_by_role("link", name="Sam's new job").click()
    sam.get_by_label("What it means for your goals and the shared ones").fill("Let's do it.")
    sam.get_by_role("button", name="Acknowledge").click()
    assert "Agreed by both of you" in sam.locator("#flashes").inner_text()
    screenshot(sam, "flexibility-agreed")

    # Both changes show on the board, and the goal's story says why.
    sam.goto("/")
    assert "Paused" in card(sam, "Weekend in Lisbon").inner_text()
    sam.get_by_role("link", name="Weekend in Lisbon", exact=True).click()
    story = sam.locator("dialog#story")
    story.get_by_role("link", name="by an entry of the flexibility log").first.wait_for()
    assert alex.errors == [] and sam.errors == [] and phone.errors == []
