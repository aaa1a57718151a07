"""The yearly review: when it falls, one review however many press start, answers revealed
together, what the couple keeps and changes saved by version, and a kept review that
stays as it was."""

import json
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from factories import (
    allocate,
    lane_of,
    load,
    make_contract,
    make_goal,
    make_quarter,
    make_ritual,
    raise_entry,
    shared_lane,
    words,
)
from sqlalchemy import select

from goalmap.contracts import service as contracts
from goalmap.extensions import db
from goalmap.flexibility import service as flexibility
from goalmap.models import (
    Contract,
    FlexEntry,
    Goal,
    Partnership,
    Ritual,
    RitualRule,
    User,
    Win,
    YearlyAnswer,
    YearlyReview,
    utcnow,
)
from goalmap.yearly.service import on

TOKEN = re.compile(r'"[\w-]+\.[\w-]+\.[\w-]+"')  # a CSRF token, signed anew for each page
SECRET = "Therapy on Tuesdays"


def today() -> date:
    return datetime.now(UTC).date()  # the partnership's calendar: UTC by default


def year_before(day: date) -> date:
    return on(day.year - 1, day.month, day.day)


def first_quarter(app, user, anniversary: date, name: str = "First"):
    """The partnership's first quarter, begun a year before ``anniversary``."""
    starts = year_before(anniversary)
    return make_quarter(app, user, name=name, starts_on=starts, ends_on=starts + timedelta(days=90))


def make_win(app, goal, by, what: str, when: datetime | None = None, **fields) -> int:
    """A win on ``goal``, as the wins area stores it (inserted here, so these tests
    depend on no other area's routes)."""
    with app.app_context():
        win = Win(
            partnership_id=goal.partnership_id,
            kind=fields.pop("kind", "goal"),
            subject_id=fields.pop("subject_id", goal.id),
            goal_id=goal.id,
            quarter_id=goal.quarter_id,
            owner_id=goal.owner_id,
            user_id=by.id,
            what=what,
            created_at=when or utcnow(),
            **fields,
        )
        db.session.add(win)
        db.session.commit()
        return win.id


def page(client, url: str) -> str:
    return TOKEN.sub('""', client.get(url).get_data(as_text=True))


def start(client, day: date):
    return client.post("/yearly/start", data={"day": day.isoformat()})


def started(client, day: date) -> int:
    response = start(client, day)
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].rsplit("/", 1)[1])


def answer(client, review_id: int, *replies: str):
    data = {f"answers-{i}": reply for i, reply in enumerate(replies)}
    return client.post(f"/yearly/{review_id}/answers", data=data)


def decide(client, review_id: int, keep: str, change: str, version: int, **kwargs):
    data = {"keep": keep, "change": change, "version": str(version)}
    return client.post(f"/yearly/{review_id}/decisions", data=data, **kwargs)


@pytest.fixture
def due(app, alex, sam):
    """A partnership whose first quarter began a year before a day ten days from now."""
    day = today() + timedelta(days=10)
    quarter = first_quarter(app, alex, day)
    return {"day": day, "quarter": quarter}


@pytest.fixture
def review(app, due, alex_client) -> int:
    return started(alex_client, due["day"])


# -- when it falls ------------------------------------------------------------------------


def test_the_default_review_day_is_the_first_quarters_anniversary(app, alex, alex_client):
    assert "Plan your first quarter" in page(alex_client, "/yearly")
    make_quarter(app, alex, name="Later", starts_on=date(2031, 4, 1), ends_on=date(2031, 6, 30))
    make_quarter(app, alex, name="First", starts_on=date(2030, 1, 15), ends_on=date(2030, 3, 31))
    shown = words(page(alex_client, "/yearly"))
    assert "Your next review is on 15 Jan 2031." in shown
    assert "You can start it from 16 Dec 2030" in shown
    assert "The anniversary of your first quarter (15 January)" in shown
    assert 'action="/yearly/start"' not in shown


def test_the_couple_picks_the_review_day_in_settings(app, alex, sam_client, alex_client):
    make_quarter(app, alex, name="First", starts_on=date(2030, 1, 15), ends_on=date(2030, 3, 31))
    calendar = {"time_zone": "UTC", "week_starts_on": "0"}
    saved = sam_client.post(
        "/settings/calendar", data={**calendar, "review_month": "6", "review_day": "21"}
    )
    assert saved.status_code == 302
    partnership = load(app, Partnership, alex.partnership_id)
    assert (partnership.review_month, partnership.review_day) == (6, 21)
    # Half a year after the first quarter began at least: not 21 June 2030.
    shown = words(page(alex_client, "/yearly"))
    assert "Your next review is on 21 Jun 2031." in shown and "The day you picked" in shown
    # Blank again: the anniversary.
    alex_client.post("/settings/calendar", data={**calendar, "review_month": "", "review_day": ""})
    assert "Your next review is on 15 Jan 2031." in words(page(alex_client, "/yearly"))


@pytest.mark.parametrize(
    ("month", "day", "message"),
    [
        ("4", "31", "April has 30 days."),
        ("6", "", "Say which day of the month."),
        ("", "12", "Pick the month too, or leave both blank."),
        ("13", "1", "Pick a month from the list."),
        ("June", "1", "Pick a month from the list."),
        ("6", "0", "A day from 1 to 31."),
        ("6", "tenth", "Not a valid integer value."),
    ],
)
def test_a_review_day_that_is_no_day_is_refused_at_its_field(
    app, alex, alex_client, month, day, message
):
    data = {"time_zone": "UTC", "week_starts_on": "0", "review_month": month, "review_day": day}
    response = alex_client.post("/settings/calendar", data=data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    partnership = load(app, Partnership, alex.partnership_id)
    assert (partnership.review_month, partnership.review_day) == (None, None)


def test_the_29th_of_february_falls_on_the_28th_in_other_years(app, alex, alex_client):
    make_quarter(app, alex, name="First", starts_on=date(2030, 1, 1), ends_on=date(2030, 3, 31))
    data = {"time_zone": "UTC", "week_starts_on": "0", "review_month": "2", "review_day": "29"}
    assert alex_client.post("/settings/calendar", data=data).status_code == 302
    assert "Your next review is on 28 Feb 2031." in words(page(alex_client, "/yearly"))


def test_a_review_starts_from_thirty_days_before_its_day_and_not_sooner(app, alex, alex_client):
    day = today() + timedelta(days=40)
    first_quarter(app, alex, day)
    shown = page(alex_client, "/yearly")
    assert 'action="/yearly/start"' not in shown
    refused = start(alex_client, day)
    assert refused.status_code == 409
    assert "you can start it from" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(YearlyReview.id))) == 0


def test_a_due_review_starts_and_looks_back_on_the_year(app, alex, due, alex_client):
    shown = page(alex_client, "/yearly")
    assert "You can start it now" in shown and 'action="/yearly/start"' in shown
    review_id = started(alex_client, due["day"])
    row = load(app, YearlyReview, review_id)
    assert (row.starts_on, row.ends_on, row.state) == (due["quarter"].starts_on, due["day"], "open")
    assert row.questions[0].startswith("Are autonomy and togetherness")
    # Held: the next one is a year later, and the list names this one.
    after = page(alex_client, "/yearly")
    assert f'href="/yearly/{review_id}"' in after and "In progress" in after
    assert 'action="/yearly/start"' not in after


def test_a_review_nobody_started_can_start_after_its_day(app, alex, alex_client):
    day = today() - timedelta(days=20)
    first_quarter(app, alex, day)
    assert "is waiting" in page(alex_client, "/yearly")
    review_id = started(alex_client, day)
    assert load(app, YearlyReview, review_id).ends_on == day


def test_two_starts_make_one_review(app, alex, sam, due, alex_client, sam_client):
    first = started(alex_client, due["day"])
    # The partner's page still shows the start button: pressing it opens the same review.
    assert started(sam_client, due["day"]) == first
    assert started(alex_client, due["day"]) == first
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(YearlyReview.id))) == 1


def test_a_start_from_a_stale_page_for_another_day_is_refused(app, due, alex_client):
    response = start(alex_client, due["day"] + timedelta(days=1))
    assert response.status_code == 409
    assert "Your review day changed meanwhile" in response.get_data(as_text=True)


# -- answers, revealed together -------------------------------------------------------------


def test_answers_are_sealed_until_both_have_answered(
    app, alex, sam, review, alex_client, sam_client
):
    url = f"/yearly/{review}"
    assert "Alex has not answered yet" in page(sam_client, url)
    assert (
        answer(alex_client, review, "Sunday runs, each on our own", "", "The trip").status_code
        == 302
    )
    waiting = page(sam_client, url)
    assert "Alex has answered" in waiting
    assert "Sunday runs" not in waiting and "The trip" not in waiting
    assert f'id="answer-{alex.id}"' not in waiting
    assert "Sunday runs" in page(alex_client, url)
    assert "Sunday runs" not in page(sam_client, f"{url}/print")
    assert answer(sam_client, review, "Yes, mostly", "Start a Friday walk").status_code == 302
    for client in (alex_client, sam_client):
        shown = page(client, url)
        assert "Sunday runs" in shown and "Start a Friday walk" in shown


def test_answering_twice_keeps_the_first_answers(app, alex, review, alex_client):
    answer(alex_client, review, "First")
    again = answer(alex_client, review, "Second")
    assert again.status_code == 302
    with app.app_context():
        rows = db.session.scalars(db.select(YearlyAnswer)).all()
        assert [json.loads(row.answers_json)[0] for row in rows] == ["First"]


def test_an_empty_answer_is_refused_where_it_was_typed(app, review, alex_client):
    response = answer(alex_client, review, "", " ")
    assert response.status_code == 422
    assert "Answer at least one of the questions." in response.get_data(as_text=True)


# -- what the couple keeps and changes -------------------------------------------------------


def test_a_stale_save_of_keep_and_change_is_a_conflict_showing_both(
    app, review, alex_client, sam_client
):
    assert decide(alex_client, review, "Sunday breakfasts", "", 1).status_code == 302
    stale = decide(sam_client, review, "Our walks", "Fewer screens", 1)
    assert stale.status_code == 409
    body = stale.get_data(as_text=True)
    assert "Your partner saved this while you were writing." in body
    assert "Sunday breakfasts" in body and "Our walks" in body and "Fewer screens" in body
    row = load(app, YearlyReview, review)
    assert (row.keep, row.change, row.version) == ("Sunday breakfasts", "", 2)
    # The conflict form carries the current version: saving again keeps Sam's words.
    assert decide(sam_client, review, "Our walks", "Fewer screens", 2).status_code == 302
    row = load(app, YearlyReview, review)
    assert (row.keep, row.change, row.version) == ("Our walks", "Fewer screens", 3)


def test_keep_and_change_under_htmx_answer_with_the_fragment(app, review, alex_client, sam_client):
    saved = decide(alex_client, review, "Walks", "", 1, htmx=True)
    assert saved.status_code == 200 and 'id="review-decisions"' in saved.get_data(as_text=True)
    assert "HX-Request" in saved.headers["Vary"]
    stale = decide(sam_client, review, "Runs", "", 1, htmx=True)
    assert stale.status_code == 409
    body = stale.get_data(as_text=True)
    assert body.lstrip().startswith('<div class="review-decisions" id="review-decisions">')
    assert "Walks" in body and "Runs" in body
    empty = decide(alex_client, review, "", "", 2, htmx=True)
    assert empty.status_code == 422
    assert "Write what you keep, what you change, or both." in empty.get_data(as_text=True)


# -- keeping the review ---------------------------------------------------------------------


def test_a_review_is_kept_only_once_both_answered_and_decided(app, review, alex_client, sam_client):
    refused = alex_client.post(f"/yearly/{review}/keep", data={"seen": "1"})
    assert refused.status_code == 409
    assert "Sam has not answered yet" in refused.get_data(as_text=True)
    answer(alex_client, review, "Yes")
    answer(sam_client, review, "Mostly")
    refused = alex_client.post(f"/yearly/{review}/keep", data={"seen": "1"})
    assert "what you keep and what you change is not written down yet" in refused.get_data(
        as_text=True
    )
    decide(alex_client, review, "Walks", "", 1)
    stale = alex_client.post(f"/yearly/{review}/keep", data={"seen": "1"})
    assert stale.status_code == 409 and "edited meanwhile" in stale.get_data(as_text=True)
    assert load(app, YearlyReview, review).state == "open"
    assert alex_client.post(f"/yearly/{review}/keep", data={"seen": "2"}).status_code == 302
    assert load(app, YearlyReview, review).state == "kept"


@pytest.fixture
def year(app, alex, sam, due):
    """A year with a win of each kind of owner, a contract kept, a change and hours."""
    quarter = due["quarter"]
    trip = make_goal(app, quarter, shared_lane(app, alex), title="Our trip")
    runs = make_goal(app, quarter, lane_of(app, alex), title="Alex runs")
    guitar = make_goal(app, quarter, lane_of(app, sam), title="Sam plays guitar")
    make_win(app, trip, sam, "Our trip")
    make_win(app, runs, alex, "Alex runs")
    make_win(app, guitar, sam, "Sam plays guitar")
    make_win(
        app, guitar, sam, "Last year's song", when=utcnow() - timedelta(days=400), kind="milestone"
    )
    allocate(app, trip, alex, hours="3")
    allocate(app, runs, alex, hours="1")
    contract, _none = make_contract(app, runs, witness=sam)
    with app.app_context():
        contracts.complete(db.session.get(Contract, contract), db.session.get(User, alex.id), 2)
        db.session.commit()
    entry, _ids = raise_entry(app, alex, quarter, [(trip, "pause")], event="A new job")
    with app.app_context():
        flexibility.respond(db.session.get(FlexEntry, entry), db.session.get(User, sam.id), "", [])
        db.session.commit()
    return {"trip": trip, "runs": runs, "guitar": guitar}


def test_the_review_shows_the_years_wins_contracts_changes_and_balance(
    app, year, review, alex_client, sam_client
):
    shown = page(sam_client, f"/yearly/{review}")
    for text in ("Our trip", "Alex runs", "Sam plays guitar", "Two modules a month", "A new job"):
        assert text in shown, text
    assert "Last year&#39;s song" not in shown and "Last year's song" not in shown
    assert "Paused: Our trip" in shown
    # Of Alex's hours, 3 of 4 went to the shared trip; Sam noted none.
    assert '<th scope="row">First</th><td>75 %</td><td>–</td><td>75 %</td>' in shown


def _ready_to_keep(review, alex_client, sam_client) -> None:
    answer(alex_client, review, "Yes")
    answer(sam_client, review, "Mostly")
    decide(alex_client, review, "Walks", "Fewer screens", 1)


def test_a_kept_review_is_read_only(app, review, alex_client, sam_client):
    _ready_to_keep(review, alex_client, sam_client)
    assert alex_client.post(f"/yearly/{review}/keep", data={"seen": "2"}).status_code == 302
    writes = [
        (sam_client, "keep", {"seen": "3"}),
        (alex_client, "decisions", {"keep": "Other", "change": "", "version": "3"}),
        (sam_client, "answers", {"answers-0": "Late"}),
    ]
    for client, action, data in writes:
        response = client.post(f"/yearly/{review}/{action}", data=data)
        assert response.status_code == 409, action
        assert "This review is kept" in response.get_data(as_text=True)
    row = load(app, YearlyReview, review)
    assert (row.keep, row.version) == ("Walks", 3)
    shown = page(sam_client, f"/yearly/{review}")
    assert "Kept" in shown and 'action="/yearly/' not in shown.split('id="the-year"')[1]


def test_a_kept_review_shows_the_year_as_it_was_kept(
    app, alex, year, review, alex_client, sam_client
):
    _ready_to_keep(review, alex_client, sam_client)
    alex_client.post(f"/yearly/{review}/keep", data={"seen": "2"})
    # Afterwards: the trip's win is withdrawn, the goal renamed, a new win comes.
    with app.app_context():
        db.session.execute(
            db.update(Win).where(Win.goal_id == year["trip"].id).values(withdrawn_at=utcnow())
        )
        db.session.get(Goal, year["trip"].id).title = "Renamed trip"
        db.session.commit()
    make_win(app, year["runs"], alex, "A new record", kind="milestone", subject_id=99)
    for client in (alex_client, sam_client):
        shown = page(client, f"/yearly/{review}")
        assert "Our trip" in shown and "Paused: Our trip" in shown
        assert "Renamed trip" not in shown and "A new record" not in shown
        assert "Two modules a month" in shown
    printed = page(alex_client, f"/yearly/{review}/print")
    assert "Our trip" in printed and "A new record" not in printed


# -- privacy ---------------------------------------------------------------------------------


def test_a_private_goals_win_is_a_private_win_or_nothing_to_the_partner(
    app, alex, sam, due, review, alex_client, sam_client
):
    secret = make_goal(app, due["quarter"], lane_of(app, alex), title=SECRET, is_private=True)
    win = make_win(app, secret, alex, SECRET)
    url = f"/yearly/{review}"
    assert SECRET in page(alex_client, url)
    hidden = page(sam_client, url)
    assert SECRET not in hidden and "a private win" not in hidden
    with app.app_context():
        db.session.get(Win, win).shared_by_owner = True
        db.session.commit()
    shown = page(sam_client, url)
    assert SECRET not in shown and "a private win" in shown
    assert SECRET not in page(sam_client, f"{url}/print")
    # Kept: the year as both could see it, so the kept row holds no private title.
    _ready_to_keep(review, alex_client, sam_client)
    alex_client.post(f"/yearly/{review}/keep", data={"seen": "2"})
    assert SECRET not in load(app, YearlyReview, review).summary_json
    for client in (alex_client, sam_client):
        kept = page(client, url)
        assert SECRET not in kept and "a private win" in kept


def test_a_stranger_finds_no_review(app, review, stranger_client):
    for url in (f"/yearly/{review}", f"/yearly/{review}/print"):
        assert stranger_client.get(url).status_code == 404
    assert (
        stranger_client.post(f"/yearly/{review}/answers", data={"answers-0": "x"}).status_code
        == 404
    )


# -- the printable page ----------------------------------------------------------------------


def test_the_printable_summary_renders_with_its_print_styles(
    app, year, review, alex_client, sam_client
):
    _ready_to_keep(review, alex_client, sam_client)
    response = alex_client.get(f"/yearly/{review}/print")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "css/yearly.css" in body and 'id="yearly-print"' in body
    assert "Our trip" in body and "Fewer screens" in body and "Mostly" in body
    with app.test_client().get("/static/css/yearly.css") as stylesheet:
        assert "@media print" in stylesheet.get_data(as_text=True)


def adapt_in_the_past(app, ritual, on: date, **rule) -> None:
    """``ritual``'s rule replaced on ``on`` by one with ``rule``, as if done back then."""
    with app.app_context():
        first = db.session.scalar(select(RitualRule).where(RitualRule.ritual_id == ritual.id))
        first.until, first.replaced_at = on - timedelta(days=1), utcnow()
        values = {c: getattr(first, c) for c in ("weekdays", "at", "minutes", "time_zone")}
        db.session.add(
            RitualRule(
                partnership_id=first.partnership_id,
                ritual_id=ritual.id,
                starts_on=on,
                **{**values, "frequency": "weekly", **rule},
            )
        )
        db.session.commit()


def test_the_review_shows_how_rituals_changed_and_keeps_it(
    app, alex, sam, due, review, alex_client, sam_client
):
    half_year_ago = today() - timedelta(days=180)
    dinner = make_ritual(app, alex, "Weekly dinner", weekdays="FR", starts_on=half_year_ago)
    adapt_in_the_past(
        app, dinner, today() - timedelta(days=60), frequency="monthly_weekday", nth=1,
        weekdays="SA",
    )  # fmt: skip
    pottery = make_ritual(app, sam, "Pottery secret", kind="solo", starts_on=half_year_ago)
    with app.app_context():
        db.session.get(Ritual, pottery.id).is_private = True
        db.session.commit()
    adapt_in_the_past(app, pottery, today() - timedelta(days=30), weekdays="TH")
    make_ritual(app, alex, "Unchanged walk", starts_on=half_year_ago)

    shown = page(alex_client, f"/yearly/{review}")
    part = shown.split('id="year-rituals"')[1].split("</section>")[0]
    assert "Weekly dinner" in part and "Every month on the first Saturday" in part
    assert "Sam’s solo time" in part and "Pottery" not in shown
    assert "Unchanged walk" not in part
    assert "Pottery secret" in page(sam_client, f"/yearly/{review}")  # Sam's own

    _ready_to_keep(review, alex_client, sam_client)
    alex_client.post(f"/yearly/{review}/keep", data={"seen": "2"})
    with app.app_context():
        db.session.get(Ritual, dinner.id).what = "Renamed dinner"
        db.session.commit()
    for client in (alex_client, sam_client):
        kept = page(client, f"/yearly/{review}")
        assert "Weekly dinner" in kept and "Renamed dinner" not in kept
        assert "Pottery secret" not in kept  # the kept year holds what both could see
