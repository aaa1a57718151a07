"""A whole quarterly goal-mapping session on two 390 px phones, with the demo's quarter
behind it (three wins to celebrate, eight open goals, one of them private): every step
within the first screen or one scroll, and nothing that scrolls sideways."""

from datetime import date

import pytest
from factories import make_config
from helpers import SESSION_LINK, save_availability, screenshot, session_step

from goalmap import create_app
from goalmap.demo import service as demo
from goalmap.extensions import db

PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True}
# The first screen or one scroll: at most two screens tall.
TALLEST = 2 * 844


@pytest.fixture
def demo_server(serve_instance, tmp_path):
    url = serve_instance(tmp_path)
    app = create_app(make_config(f"sqlite:///{tmp_path / 'goalmap.sqlite'}"))
    with app.app_context():
        assert demo.seed(date.today())
        db.session.commit()
        db.engine.dispose()
    return url


def on_phone(browser, url: str, email: str, scheme: str):
    context = browser.new_context(**PHONE, base_url=url, color_scheme=scheme)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(demo.DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").tap()
    page.wait_for_selector("#board")
    return page


def measure(page, step: str, scheme: str) -> None:
    """The step as it opens: its height and width, and a screenshot to look at."""
    height, width = page.evaluate(
        "[document.documentElement.scrollHeight, document.documentElement.scrollWidth]"
    )
    screenshot(page, f"session-demo-{step.lower().replace(' ', '-')}-{scheme}")
    assert height <= TALLEST and width <= 390, (step, scheme, height, width)


def decide(page, title: str, decision: str, reason: str = "") -> None:
    """One open goal's decision in the look back; what needs a word more (its dates, a
    reason to drop) opens under its button first."""
    row = page.locator(".review-goal", has=page.get_by_text(title, exact=True))
    if decision == "drop":
        row.get_by_text("Drop…").tap()
        # "Go" on the phone's keyboard (Enter) sends the drop, not the row's first button.
        row.get_by_label(f"Why drop {title}? (optional)").fill(reason)
        row.get_by_label(f"Why drop {title}? (optional)").press("Enter")
    elif decision == "carry" and row.get_by_text("Carry over…").count():
        row.get_by_text("Carry over…").tap()
        row.get_by_label("Its dates fall outside").select_option("move")
        row.get_by_role("button", name=f"Carry over {title}").tap()
    else:
        label = "Carry over" if decision == "carry" else "Done"
        row.get_by_role("button", name=f"{label} {title}").tap()
    row.wait_for(state="detached")  # decided: the page comes back without it


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_two_partners_run_a_whole_session_on_two_phones(browser, demo_server, scheme):
    alex = on_phone(browser, demo_server, "alex@example.com", scheme)
    sam = on_phone(browser, demo_server, "sam@example.com", scheme)
    try:
        alex.get_by_role("button", name="Plan the next quarter").tap()
        alex.wait_for_selector("text=1. Look back")
        sam.reload()
        sam.get_by_role("link", name=SESSION_LINK).tap()
        sam.wait_for_selector("text=1. Look back")

        # 1. Look back: three wins first, then every open goal decided by whose it is.
        for page in (alex, sam):
            assert page.locator(".celebration .win").count() == 3
            measure(page, "Look back", scheme)
        # Alex's private goal is hers to decide; Sam is told only that there is one.
        theirs = sam.locator(".review-theirs").inner_text()
        assert theirs.startswith("Alex decides about") and "and 1 private goal" in theirs
        assert "Write to my sister" not in sam.content()
        decide(alex, "Plan the summer trip to Lisbon", "carry")
        decide(alex, "Repaint the bedroom", "drop", "We are moving instead")
        decide(alex, "Sunday dinners with friends", "carry")
        decide(alex, "Run a half marathon", "done")
        decide(alex, "Finish the pottery course", "carry")
        decide(alex, "Write to my sister every month", "carry")
        decided = alex.locator("ul.decided").inner_text()
        assert "Repaint the bedroom: dropped (We are moving instead)" in decided
        assert "Plan the summer trip to Lisbon: carried over" in decided
        sam.reload()
        assert "Alex decides about" not in sam.content()
        decide(sam, "Learn conversational Spanish", "carry")
        decide(sam, "Ship the side project", "drop")
        assert sam.locator(".review-goal").count() == 0

        # 2. My goals, drafted apart and revealed together.
        for page, title in ((alex, "Swim twice a week"), (sam, "Read twelve books")):
            session_step(page, "My goals")
            measure(page, "My goals", scheme)
            page.get_by_label("Goal", exact=True).fill(title)
            page.get_by_role("button", name="Add my goal").tap()
            page.wait_for_selector(f"text={title}")
        for page in (alex, sam):
            page.get_by_role("button", name="I'm ready").tap()
            page.wait_for_selector("#flashes .flash")
        sam.reload()
        assert "Swim twice a week" in sam.content()

        # 3. Our goals.
        session_step(sam, "Our goals")
        measure(sam, "Our goals", scheme)
        sam.get_by_label("Goal", exact=True).fill("A week by the sea")
        sam.get_by_role("button", name="Add our goal").tap()
        sam.wait_for_selector("text=A week by the sea")

        # 4. Resources: what each has, on the step's one page.
        for page, hours in ((alex, "6"), (sam, "8")):
            session_step(page, "Resources")
            measure(page, "Resources", scheme)
            save_availability(page, hours)

        # 5. Both agree, and the quarter starts with what they decided.
        for page in (alex, sam):
            session_step(page, "Agree and start")
            measure(page, "Agree and start", scheme)
            page.get_by_role("button", name="I agree").tap()
        sam.wait_for_selector("#board")
        assert "Active" in sam.locator(".board-header").inner_text()
        alex.goto("/")
        titles = alex.locator("#board .goal-title").all_inner_texts()
        for title in ("Plan the summer trip to Lisbon", "Swim twice a week", "A week by the sea"):
            assert title in titles
        assert "Repaint the bedroom" not in titles and "Run a half marathon" not in titles
        assert alex.errors == [] and sam.errors == []
    finally:
        alex.context.close()
        sam.context.close()
