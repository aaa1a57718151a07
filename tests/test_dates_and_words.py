"""One way to write a day, for people and machines, and words rather than emoji.

Every page and htmx fragment of a partnership with dated records is crawled: no ISO date
(``2027-02-10``) may reach a text node or an attribute people read (it belongs in a
``<time datetime>``, an input's value or a URL), and no page, template, Python or
JavaScript file of the app carries an emoji (a phone without an emoji font shows an empty
box; the icon macro in templates/_macros.html draws the few symbols the app uses).
"""

import re
from collections import Counter
from datetime import date, datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest
from factories import lane_of, load, make_goal, make_milestones, stages_of
from test_authorization_matrix import MATRIX, client_for, world  # noqa: F401 (a fixture)

from goalmap.extensions import db
from goalmap.filters import day, day_text
from goalmap.models import Goal, Quarter

ROOT = Path(__file__).resolve().parent.parent
ISO_DAY = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
# Attributes whose words people read or hear; the others (datetime, value, href, ids,
# data-*) are for machines.
READ_ATTRIBUTES = {"title", "aria-label", "alt", "placeholder", "aria-description"}
# Code points that fonts draw only as emoji: pictographs, emoticons and their
# supplements, the dingbats and miscellaneous symbols, stars and arrows of the emoji set,
# the arrows with a hook, and the selector that asks for an emoji's colour form.
EMOJI = re.compile(
    "["
    "\U0001f000-\U0001faff"
    "\u2600-\u27bf"
    "\u2b00-\u2bff"
    "\u2194-\u2199\u21a9\u21aa"
    "\u231a\u231b\u2328\u23cf\u23e9-\u23f3\u23f8-\u23fa"
    "\u25aa\u25ab\u25b6\u25c0\u25fb-\u25fe"
    "\u2934\u2935\u3030\u303d\u3297\u3299"
    "\ufe0f"
    "]"
)
PAGES_PER_PATH = 4


class Reader(HTMLParser):
    """What a person reads in a page: its text nodes and the attributes read out."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.read: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        self.read.extend(value for name, value in attrs if name in READ_ATTRIBUTES and value)

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.read.append(data)


def read(html: str) -> list[str]:
    reader = Reader()
    reader.feed(html)
    return reader.read


def test_the_one_way_to_write_a_day():
    """ "8 Oct" within the current year, with the year otherwise; machines get ISO."""
    this_year = date(2027, 1, 15)
    assert day_text(date(2027, 10, 8), today=this_year) == "8 Oct"
    assert day_text(date(2028, 1, 2), today=this_year) == "2 Jan 2028"
    assert day_text(date(2026, 12, 31), today=this_year) == "31 Dec 2026"
    assert day_text(date(2027, 10, 8), today=this_year, year=True) == "8 Oct 2027"
    assert day_text(date(2027, 10, 8), today=this_year, weekday=True) == "Fri 8 Oct"
    assert day_text(datetime(2027, 10, 8, 23, 59), today=this_year) == "8 Oct"
    assert str(day(date(1999, 3, 4))) == '<time datetime="1999-03-04">4 Mar 1999</time>'
    moment = str(day(datetime(1999, 3, 4, 14, 5, 9, 123), clock=True))
    assert moment == '<time datetime="1999-03-04T14:05:09Z">4 Mar 1999, 14:05 UTC</time>'
    wall_clock = str(day(datetime(1999, 3, 4, 19, 0), clock=True, utc=False))
    assert wall_clock == '<time datetime="1999-03-04T19:00:00">4 Mar 1999, 19:00</time>'
    assert str(day(None)) == ""


def test_the_checks_see_what_they_look_for():
    """The reader finds an ISO day in text and in a title, not in machine attributes,
    and the emoji pattern finds the emoji the app once used, not its arrows."""
    page = (
        '<p title="due 2027-01-02">On <time datetime="2027-01-01">1 Jan</time> 2027-01-03'
        '<input type="date" value="2027-01-04"><a href="/w?of=2027-01-05">week</a></p>'
        "<script>let x = '2027-01-06';</script>"
    )
    found = [text for text in read(page) if ISO_DAY.search(text)]
    assert found == ["due 2027-01-02", " 2027-01-03"]
    assert EMOJI.search("Nothing left open. \U0001f388") and EMOJI.search("\U0001f389")
    assert EMOJI.search("\u26a0 over") and EMOJI.search("\u2665") and EMOJI.search("\u21aa")
    assert not EMOJI.search("← Week before · Week after → – “words” ×2 … €")


@pytest.fixture
def dated(app, alex, world):  # noqa: F811 (the matrix's world, given dates)
    """The matrix's world, with dates on its goals and milestones and a dated goal drafted
    in the next quarter's session."""
    with app.app_context():
        for key in ("personal", "shared"):
            goal = db.session.get(Goal, world[key])
            goal.starts_on, goal.target_on = date(2027, 1, 11), date(2027, 3, 19)
        db.session.commit()
    next_quarter = load(app, Quarter, world["next"])
    stage = stages_of(app, alex)[1]
    make_goal(
        app,
        next_quarter,
        lane_of(app, alex),
        stage,
        title="Learn the cello",
        starts_on=date(2027, 4, 5),
        target_on=date(2027, 6, 25),
    )
    make_milestones(app, load(app, Goal, world["shared"]), alex, ("Book the train",))
    return world


@pytest.mark.parametrize("role", ["owner", "partner"])
def test_no_page_prints_an_iso_date_or_an_emoji(app, alex, sam, dated, role):
    """Crawl every page (as page and as htmx fragment) and every link on the way."""
    client = client_for(app, role, alex, sam)
    todo = [url.format(**dated) for method, url, _d, _e in MATRIX.values() if method == "GET"]
    seen, per_path, checked = set(), Counter(), 0
    while todo:
        url = todo.pop()
        if url in seen or url.startswith(("/static", "/logout")):
            continue
        path = url.partition("?")[0]
        if per_path[path] >= PAGES_PER_PATH:
            continue
        per_path[path] += 1
        seen.add(url)
        for htmx in (False, True):
            response = client.get(url, htmx=htmx)
            if response.mimetype != "text/html":
                continue  # exports and feeds keep ISO dates
            body = response.get_data(as_text=True)
            iso = [text.strip() for text in read(body) if ISO_DAY.search(text)]
            assert iso == [], (url, htmx)
            assert not EMOJI.search(body), (url, htmx, EMOJI.findall(body))
            checked += 1
            todo.extend(re.findall(r'href="(/[^"#]*)', body))
    assert checked > 40
    # The places that printed ISO days were among those read: the session's goal lines,
    # the board's goals and the timeline.
    assert any("/session/my-goals" in url for url in seen)
    assert f"/quarters/{dated['quarter']}/timeline" in seen


def test_the_conflict_view_writes_the_saved_dates_as_days(app, alex, dated):
    """A stale save shows the goal as saved, its dates written like every other day."""
    client = client_for(app, "owner", alex, None)
    url = f"/goals/{dated['shared']}/edit"
    version = str(load(app, Goal, dated["shared"]).version)
    form = {"title": "Our trip", "notes": "", "status": "active", "version": version}
    form |= {"starts_on": "2027-01-11", "target_on": "2027-03-19"}
    assert client.post(url, data={**form, "title": "Our long trip"}).status_code < 400
    stale = client.post(url, data={**form, "title": "Our short trip"}, htmx=True)
    body = stale.get_data(as_text=True)
    assert stale.status_code == 409 and "Saved dates" in body, stale.status_code
    assert '<time datetime="2027-01-11">' in body and '<time datetime="2027-03-19">' in body
    assert [text for text in read(body) if ISO_DAY.search(text)] == []


SOURCES = [
    *sorted((ROOT / "templates").rglob("*.html")),
    *sorted((ROOT / "goalmap").rglob("*.py")),
    *sorted((ROOT / "static" / "js").glob("*.js")),
    *sorted((ROOT / "static" / "css").glob("*.css")),
]


def test_no_template_code_or_script_carries_an_emoji():
    found = {
        str(path.relative_to(ROOT)): EMOJI.findall(path.read_text(encoding="utf-8"))
        for path in SOURCES
    }
    assert len(SOURCES) > 100
    assert {path: chars for path, chars in found.items() if chars} == {}
