"""A whole quarterly goal-mapping session for two partners, in two browsers."""

from helpers import SESSION_LINK, add_goal, card, partners, screenshot, session_step


def agree(page) -> None:
    session_step(page, "Agree and start")
    page.get_by_role("button", name="I agree").click()


def test_a_full_session_from_look_back_to_start(new_page):
    alex, sam = partners(new_page)
    add_goal(alex, "Alex", "In progress", "Learn the cello")
    add_goal(alex, "Together", "Ideas", "Repaint the bedroom")
    # Start 2027 Q1 so there is a quarter to look back on.
    for page in (alex, sam):
        page.goto("/")
        page.get_by_role("link", name=SESSION_LINK).click()
        agree(page)
    sam.wait_for_url("**/quarters/*")
    assert "Active" in sam.locator(".board-header").inner_text()

    # 2027 Q2: Alex opens the session from the board.
    alex.goto("/")
    alex.get_by_role("button", name="Plan the next quarter").click()
    alex.wait_for_selector("text=1. Look back")
    alex.get_by_role("button", name="Carry over Learn the cello").click()
    # Dropping is two taps: "Drop…" opens the reason, "Drop" drops.
    assert not alex.get_by_label("Why drop Repaint the bedroom? (optional)").is_visible()
    alex.locator(".review-goal", has_text="Repaint the bedroom").get_by_text("Drop…").click()
    alex.get_by_label("Why drop Repaint the bedroom? (optional)").fill("We'd rather move house")
    alex.get_by_role("button", name="Drop Repaint the bedroom").click()
    alex.wait_for_selector("text=Repaint the bedroom: dropped (We'd rather move house)")
    screenshot(alex, "session-look-back")

    # My goals: drafted apart, revealed together.
    session_step(alex, "My goals")
    alex.get_by_label("Goal", exact=True).fill("Write the first chapter")
    alex.get_by_role("button", name="Add my goal").click()
    sam.goto("/quarters")
    sam.get_by_role("link", name="2027 Q2").click()
    sam.get_by_role("link", name=SESSION_LINK).click()
    session_step(sam, "My goals")
    sam.get_by_label("Goal", exact=True).fill("Climb Ben Nevis")
    sam.get_by_role("button", name="Add my goal").click()
    assert "Write the first chapter" not in sam.content()
    assert "Alex is still drafting." in sam.content()
    alex.get_by_role("button", name="I'm ready").click()
    sam.get_by_role("button", name="I'm ready").click()
    sam.wait_for_selector("text=Write the first chapter")
    sam.get_by_label("A word of support for Write the first chapter").fill("Can't wait to read it!")
    sam.get_by_role("button", name="Cheer Write the first chapter").click()
    alex.reload()
    assert "Can't wait to read it!" in alex.content()
    assert "Climb Ben Nevis" in alex.content()
    screenshot(alex, "session-my-goals")

    # Our goals, then both agree.
    session_step(sam, "Our goals")
    sam.get_by_label("Goal", exact=True).fill("Find a flat with a garden")
    sam.get_by_role("button", name="Add our goal").click()
    sam.wait_for_selector("text=Find a flat with a garden")
    agree(alex)
    alex.wait_for_selector("text=Waiting for Sam")
    agree(sam)
    sam.wait_for_selector("#board")
    assert "Active" in sam.locator(".board-header").inner_text()
    assert "Carried over ×1" in card(sam, "Learn the cello").inner_text()
    for title in ("Write the first chapter", "Climb Ben Nevis", "Find a flat with a garden"):
        assert card(sam, title).count() == 1
    screenshot(sam, "session-started-board")

    sam.get_by_role("link", name="Timeline").click()
    sam.wait_for_selector("#timeline")
    screenshot(sam, "timeline")
    assert alex.errors == [] and sam.errors == []


# Buttons, fields, row summaries and the step links: each at least 44 x 44 CSS px
# (WCAG 2.5.5). A checkbox counts with its label, which takes the tap too.
SMALL_TARGETS = """() => [...document.querySelectorAll(
    '.session button, .session input:not([type=hidden]):not([type=checkbox]), .session select,'
    + ' .session summary, .session .steps a, .session-nav a')]
  .filter(e => e.getClientRects().length)
  .map(e => [e.textContent.trim().slice(0, 40) || e.name, e.getBoundingClientRect()])
  .filter(([, r]) => r.width < 44 || r.height < 44)
  .map(([name, r]) => `${name} ${Math.round(r.width)}x${Math.round(r.height)}`)"""


def test_every_step_fits_a_phone_in_light_and_dark(new_page):
    alex, _sam = partners(new_page)
    add_goal(alex, "Alex", "In progress", "Learn the cello")
    add_goal(alex, "Together", "Ideas", "Repaint the bedroom")
    for scheme in ("light", "dark"):
        phone = new_page(
            390,
            844,
            has_touch=True,
            is_mobile=True,
            color_scheme=scheme,
            storage_state=alex.context.storage_state(),
        )
        phone.goto("/")
        phone.get_by_role("link", name="Continue the goal-mapping session").click()
        for step in ("Look back", "My goals", "Our goals", "Resources", "Agree and start"):
            session_step(phone, step)
            phone.evaluate("document.querySelectorAll('details').forEach(d => d.open = false)")
            height, width = phone.evaluate(
                "[document.documentElement.scrollHeight, document.documentElement.scrollWidth]"
            )
            # The first screen or one scroll, and never sideways.
            assert height <= 2 * 844 and width <= 390, (step, scheme, height, width)
            phone.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
            assert phone.evaluate(SMALL_TARGETS) == [], (step, scheme)
            screenshot(phone, f"session-phone-{step.lower().replace(' ', '-')}-{scheme}")
        assert phone.errors == []
