"""Template filters for numbers and dates people read."""

from datetime import date, datetime
from decimal import Decimal

from flask import Flask, g, has_request_context, url_for
from flask_login import current_user
from markupsafe import Markup

from goalmap.broadcast import stamp

_MARKER = 987654321


def hours(value: Decimal | None) -> str:
    """12 rather than 12.0; 12.5 stays 12.5."""
    if value is None:
        return "0"
    return f"{value.normalize():f}" if value == value.to_integral() else f"{value:f}".rstrip("0")


def and_list(items: list[str]) -> str:
    """ "A", "A and B", "A, B and C"."""
    items = [str(item) for item in items]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def quoted(text: str) -> str:
    """A title in quotation marks, so a comma inside it does not read as two."""
    return f"“{text}”"


def money(value: Decimal | None, currency: str) -> str:
    """An exact amount with two decimals and the currency code, e.g. 1,250.00 EUR."""
    return f"{(value or Decimal(0)):,.2f} {currency}"


def day_text(
    value: date | datetime, today: date | None = None, weekday: bool = False, year: bool = False
) -> str:
    """The one way Goalmap writes a day: "8 Oct" within the current year, "8 Oct 2027"
    otherwise. A board is read within its quarter, so its days need no year, and a day of
    another year always says which. ``weekday`` gives "Mon 8 Oct"; ``year`` always writes
    the year (the yearly review: its year spans two, and a kept record outlasts it).
    A datetime is written as its day."""
    day = value.date() if isinstance(value, datetime) else value
    today = today or _today()
    text = f"{day.day} {day:%b}"
    if year or day.year != today.year:
        text += f" {day:%Y}"
    return f"{day:%a} {text}" if weekday else text


def _today() -> date:
    """Today where the reader's partnership lives, once a request; the server's date for
    a visitor, and outside a request (a mail, a command)."""
    if not has_request_context():
        return date.today()
    if "today" not in g:
        partnership = current_user.partnership if current_user.is_authenticated else None
        g.today = partnership.today() if partnership is not None else date.today()
    return g.today


def machine_time(value: date | datetime, utc: bool = True) -> str:
    """What a ``<time datetime>`` holds: the ISO day, or a moment with its zone (a naive
    one is a stored UTC moment, unless ``utc`` is False: a wall-clock time)."""
    if isinstance(value, datetime):
        moment = value.replace(microsecond=0)
        return moment.isoformat() + ("Z" if utc and moment.tzinfo is None else "")
    return value.isoformat()


def day(
    value: date | datetime | None,
    weekday: bool = False,
    clock: bool = False,
    utc: bool = True,
    year: bool = False,
) -> Markup:
    """A day for people and machines: ``<time datetime="2027-10-08">8 Oct</time>``.
    ``clock`` adds a moment's time: "8 Oct, 14:05 UTC" for a stored (naive UTC) moment,
    "8 Oct, 19:00" for one in its own zone or a wall-clock one (``utc=False``).
    Nothing for None."""
    if value is None:
        return Markup("")
    text = day_text(value, weekday=weekday, year=year)
    if clock and isinstance(value, datetime):
        naive_utc = utc and value.tzinfo is None
        text += f", {value:%H:%M}" + (" UTC" if naive_utc else "")
    return Markup('<time datetime="{}">{}</time>').format(machine_time(value, utc), text)


def goal_url(endpoint: str, goal_id: int) -> str:
    """``url_for(endpoint, goal_id=…)``, fast enough for a board of hundreds of goals.

    Werkzeug builds each URL in about 25 µs; a board of 500 goals asks for 2,500 of
    them. Each endpoint's URL is built once a request, with a marker id that is then
    replaced, so every URL still comes from the URL map.
    """
    cache = g.setdefault("goal_urls", {})
    if endpoint not in cache:
        cache[endpoint] = url_for(endpoint, goal_id=_MARKER)
    return cache[endpoint].replace(str(_MARKER), str(goal_id))


def init_app(app: Flask) -> None:
    app.add_template_filter(stamp)
    app.add_template_filter(hours)
    app.add_template_filter(money)
    app.add_template_filter(and_list)
    app.add_template_filter(quoted)
    app.add_template_filter(day)
    app.add_template_filter(day_text)
    app.add_template_global(goal_url)
