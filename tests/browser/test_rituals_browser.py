"""The week of rituals and solo time in Chromium: three kinds told apart by colour and by
pattern, a partner's private slot as "solo time", and one day at a time on a phone."""

from helpers import partners, screenshot

EVERY_DAY = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def add_ritual(page, title: str, kind: str, private: bool = False) -> None:
    page.goto("/rituals")
    form = page.locator("form", has=page.get_by_role("button", name="Add it"))
    form.get_by_label("What", exact=True).fill(title)
    form.get_by_label(kind, exact=True).check()
    if private:
        form.get_by_label("Private", exact=False).check()
    for day in EVERY_DAY:
        form.get_by_label(day, exact=True).check()
    form.get_by_label("At", exact=True).fill("19:30")
    form.get_by_role("button", name="Add it").click()
    page.wait_for_url("**/rituals/*")


LOOK = """(slot) => {
  const style = getComputedStyle(slot.querySelector('a'));
  return {border: style.borderLeftColor, pattern: style.backgroundImage,
          background: style.backgroundColor};
}"""


def looks(page) -> dict:
    """How the first slot of each kind is drawn."""
    return {
        kind: page.locator(f"#day-{today(page)} .slot.kind-{kind}").first.evaluate(LOOK)
        for kind in ("solo", "joint", "flexible")
    }


def today(page) -> str:
    return page.locator(".week-day.today").get_attribute("id").removeprefix("day-")


def test_the_week_tells_the_three_kinds_apart_without_colour_too(new_page):
    alex, sam = partners(new_page)
    add_ritual(alex, "Morning coffee", "Together")
    add_ritual(alex, "Open evening", "Flexible time")
    add_ritual(sam, "Pottery in secret", "Solo time", private=True)

    alex.goto("/rituals/week")
    day = alex.locator(".week-day.today")
    assert "Morning coffee" in day.inner_text() and "Open evening" in day.inner_text()
    assert "Pottery" not in alex.content()
    assert "Sam’s solo time" in day.inner_text()  # Sam's private slot: that it is, not what
    for kind in ("Solo time", "Together", "Flexible time"):
        alex.locator(".week-legend", has_text=kind).wait_for()

    light = looks(alex)
    # Each kind its own colour …
    assert len({look["border"] for look in light.values()}) == 3, light
    # … and its own pattern, so the week reads in greyscale too.
    assert "repeating-linear-gradient" in light["solo"]["pattern"]
    assert "radial-gradient" in light["flexible"]["pattern"]
    assert light["joint"]["pattern"] == "none"
    screenshot(alex, "rituals-week-light")

    alex.emulate_media(color_scheme="dark")
    dark = looks(alex)
    assert all(dark[kind]["border"] != light[kind]["border"] for kind in dark), (dark, light)
    assert len({look["border"] for look in dark.values()}) == 3
    screenshot(alex, "rituals-week-dark")
    assert not alex.errors and not sam.errors, (alex.errors, sam.errors)


def test_on_a_phone_the_week_shows_one_day_at_a_time(new_page):
    alex, _sam = partners(new_page)
    add_ritual(alex, "Morning coffee", "Together")
    phone = new_page(width=390, height=844, has_touch=True, is_mobile=True)
    phone.context.add_cookies(alex.context.cookies())
    phone.goto("/rituals/week")
    week = phone.locator(".week")
    width = week.evaluate("w => w.clientWidth")
    # Today's day first: the week opens scrolled to it.
    phone.wait_for_function(
        "() => Math.abs(document.querySelector('.week-day.today').getBoundingClientRect().left"
        " - document.querySelector('.week').getBoundingClientRect().left) < 2"
    )
    days = phone.locator(".week-day")
    assert days.count() == 7
    assert abs(days.first.evaluate("d => d.getBoundingClientRect().width") - width) < 2
    assert week.evaluate("w => w.scrollWidth") > 6 * width  # the others are a swipe away
    # The page itself does not scroll sideways; the day links jump to a day.
    assert phone.evaluate("() => document.documentElement.scrollWidth") <= 390
    phone.locator(".day-nav a").first.click()  # Monday, whatever today is
    phone.wait_for_function("() => document.querySelector('.week').scrollLeft < 2")
    screenshot(phone, "rituals-week-phone")
    assert not phone.errors, phone.errors
