import itertools
from pathlib import Path

PASSWORD = "a long enough password"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
_counter = itertools.count()


def unique_email(name: str) -> str:
    return f"{name.lower()}-{next(_counter)}-{id(_counter)}@example.com"


def register(page, name: str, email: str | None = None) -> str:
    email = email or unique_email(name)
    page.goto("/register")
    fill_account(page, name, email)
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url("**/quarters/new")
    return email


def fill_account(page, name: str, email: str) -> None:
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)


def create_quarter(page, name: str = "2027 Q1") -> None:
    page.goto("/quarters/new")
    page.get_by_label("Name").fill(name)
    page.get_by_label("Starts on").fill("2027-01-01")
    page.get_by_label("Ends on").fill("2027-03-31")
    page.get_by_role("button", name="Create quarter").click()
    page.wait_for_selector("#board")


def invite_link(page) -> str:
    page.goto("/settings")
    page.get_by_role("button", name="Create invite link").click()
    return page.locator("#invite-url").input_value()


def partners(new_page):
    """Two people in two browsers: Alex plans a quarter and Sam joins by the invite link."""
    alex, sam = new_page(), new_page()
    register(alex, "Alex")
    create_quarter(alex)
    link = invite_link(alex)
    sam.goto(link)
    fill_account(sam, "Sam", unique_email("Sam"))
    sam.get_by_role("button", name="Create account and join").click()
    sam.wait_for_selector("#board")
    alex.goto("/")
    alex.wait_for_selector("#board")
    return alex, sam


def add_goal(page, lane: str, stage: str, title: str) -> None:
    page.get_by_role("link", name=f"+ Add goal to {lane}, {stage}").click()
    form = page.locator("form.goal-form")
    form.get_by_label("Goal", exact=True).fill(title)
    form.get_by_role("button", name="Add goal").click()
    page.locator(".goal-title", has_text=title).wait_for()


def screenshot(page, name: str) -> None:
    """Keep what the user saw, for a person to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
