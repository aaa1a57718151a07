"""The calendar feed, read back the way a calendar app reads it.

Each feed is parsed with ``icalendar`` and its recurrences expanded with
``recurring_ical_events``, a second implementation that shares nothing with how the app
writes them, and the expansion is compared with dates written out by hand (and, for
rituals, with the app's own expansion, ``models.occurrences``).
"""

import hashlib
import re
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
import recurring_ical_events
from factories import (
    PASSWORD,
    lane_of,
    load,
    logged_in,
    make_contract,
    make_goal,
    make_quarter,
    make_user,
    raise_entry,
    shared_lane,
)
from icalendar import Calendar
from sqlalchemy import select, update
from werkzeug.http import http_date, parse_date

from goalmap.auth.service import set_password
from goalmap.calendar import service as calendar
from goalmap.extensions import db
from goalmap.flexibility import service as flexibility
from goalmap.milestones import service as milestones
from goalmap.models import (
    CalendarFeed,
    FlexEntry,
    Goal,
    Partnership,
    Quarter,
    Ritual,
    RitualRule,
    User,
    next_quarter,
    occurrences,
)
from goalmap.rituals import queries as ritual_queries
from goalmap.rituals import service as rituals
from goalmap.scoping import scoped

BERLIN = ZoneInfo("Europe/Berlin")
SECRET_TITLE, SECRET_NOTES, SECRET_SLOT = "Therapy on Tuesdays", "about my father", "Letters home"
LINK = re.compile(r'value="https?://[^/"]+(/calendar/([A-Za-z0-9_-]{43})\.ics)"')


# -- helpers ------------------------------------------------------------------------------


def make_ritual(
    app, user, title="Date night", kind="joint", is_private=False, goal_id=None, **rule
):
    """A ritual through the rituals area; its id. ``rule`` overrides a weekly Monday
    19:00 hour in Berlin from 1 March 2027."""
    values = {
        "frequency": "weekly",
        "weekdays": "MO",
        "month_day": None,
        "nth": None,
        "at": time(19, 0),
        "minutes": 60,
        "time_zone": "Europe/Berlin",
        "starts_on": date(2027, 3, 1),
        "until": None,
        **rule,
    }
    with app.app_context():
        member = db.session.get(User, user.id)
        ritual = rituals.create(
            member, kind=kind, title=title, is_private=is_private, goal_id=goal_id, rule=values
        )
        db.session.commit()
        return ritual.id


def feed_path(app, user) -> str:
    """A new calendar link of ``user``'s, made through the calendar area; its path."""
    with app.app_context():
        token = calendar.issue(db.session.get(User, user.id))
        db.session.commit()
    return f"/calendar/{token}.ics"


def unfolded(body: str) -> str:
    """The feed's text with its folded lines joined (RFC 5545 folds at 75 octets, which
    could split a word a test looks for)."""
    return body.replace("\r\n ", "")


def fetch(app, path: str) -> Calendar:
    response = app.test_client().get(path)
    assert response.status_code == 200, response.status_code
    return Calendar.from_ical(response.get_data())


def named(cal: Calendar, summary: str) -> list:
    return [event for event in cal.walk("VEVENT") if str(event.get("SUMMARY")) == summary]


def expanded(cal: Calendar, summary: str, first: date, last: date) -> list:
    """The start of every occurrence of the events called ``summary`` from ``first`` up
    to ``last`` (exclusive), as ``recurring_ical_events`` expands them."""
    found = recurring_ical_events.of(cal).between(first, last)
    return sorted(event.start for event in found if str(event.get("SUMMARY")) == summary)


def local(moments) -> list[datetime]:
    return [moment.astimezone(BERLIN).replace(tzinfo=None) for moment in moments]


def app_expansion(app, user, ritual_id: int, first: date, last: date) -> list[datetime]:
    """The same ritual expanded by the app itself (``models.occurrences``), as naive
    Berlin wall-clock times."""
    with app.app_context():
        found = ritual_queries.of_partnership(db.session.get(User, user.id))
        ritual = next(r for r in found if r.id == ritual_id)
        found = occurrences(
            ritual, found.rules_of(ritual), found.exceptions_of(ritual), first, last
        )
        return local(occurrence.starts for occurrence in found)


def today_of(app, user) -> date:
    return load(app, Partnership, user.partnership_id).today()


def monday_after(day: date) -> date:
    return day + timedelta(days=7 - day.weekday())


# -- rituals ------------------------------------------------------------------------------

# Each ritual's rule, a range, and the days it happens on in that range (at 19:00 Berlin).
RECURRENCES = {
    # From a Wednesday: the first occurrence is the Thursday after.
    "weekly on two days": (
        {"weekdays": "MO,TH", "starts_on": date(2027, 3, 3)},
        (date(2027, 3, 1), date(2027, 3, 16)),
        [date(2027, 3, d) for d in (4, 8, 11, 15)],
    ),
    "fortnightly": (
        {"frequency": "fortnightly", "weekdays": "WE", "starts_on": date(2027, 1, 6)},
        (date(2027, 1, 1), date(2027, 3, 1)),
        [date(2027, 1, 6), date(2027, 1, 20), date(2027, 2, 3), date(2027, 2, 17)],
    ),
    # The 31st, in months without one on their last day: 29 February in a leap year.
    "monthly on the 31st": (
        {"frequency": "monthly_day", "month_day": 31, "starts_on": date(2027, 12, 31)},
        (date(2027, 12, 1), date(2028, 7, 1)),
        [
            date(2027, 12, 31),
            date(2028, 1, 31),
            date(2028, 2, 29),
            date(2028, 3, 31),
            date(2028, 4, 30),
            date(2028, 5, 31),
            date(2028, 6, 30),
        ],
    ),
    "monthly on the last Saturday": (
        {
            "frequency": "monthly_weekday",
            "nth": -1,
            "weekdays": "SA",
            "starts_on": date(2028, 1, 1),
        },
        (date(2028, 1, 1), date(2028, 5, 1)),
        [date(2028, 1, 29), date(2028, 2, 26), date(2028, 3, 25), date(2028, 4, 29)],
    ),
    "quarterly": (
        {"frequency": "quarterly", "starts_on": date(2027, 1, 15)},
        (date(2027, 1, 1), date(2028, 2, 1)),
        [date(2027, month, 15) for month in (1, 4, 7, 10)] + [date(2028, 1, 15)],
    ),
}


@pytest.mark.parametrize("name", sorted(RECURRENCES))
def test_each_ritual_recurs_in_the_feed_as_it_does_in_the_app(app, alex, name):
    rule, (first, last), days = RECURRENCES[name]
    ritual_id = make_ritual(app, alex, title=name, **rule)
    cal = fetch(app, feed_path(app, alex))
    wanted = [datetime.combine(day, time(19, 0)) for day in days]
    assert local(expanded(cal, name, first, last)) == wanted
    assert app_expansion(app, alex, ritual_id, first, last - timedelta(days=1)) == wanted
    (series,) = named(cal, name)
    assert series.get("DTSTART").params["TZID"] == "Europe/Berlin"
    assert series.duration == timedelta(minutes=60)


def test_a_weekly_evening_stays_at_seven_across_both_daylight_saving_changes(app, alex):
    make_ritual(app, alex, title="Friday dinner", weekdays="FR", starts_on=date(2027, 3, 19))
    cal = fetch(app, feed_path(app, alex))
    starts = expanded(cal, "Friday dinner", date(2027, 3, 19), date(2027, 11, 6))
    assert len(starts) == 34  # every Friday from 19 March to 5 November 2027
    assert {moment.astimezone(BERLIN).time() for moment in starts} == {time(19, 0)}
    in_utc = {moment.date(): moment.astimezone(UTC).hour for moment in starts}
    # Summer time begins on 28 March and ends on 31 October 2027.
    assert in_utc[date(2027, 3, 26)] == 18 and in_utc[date(2027, 4, 2)] == 17
    assert in_utc[date(2027, 10, 29)] == 17 and in_utc[date(2027, 11, 5)] == 18
    # The VTIMEZONE the feed carries says the same on its own, without the zone database.
    (zone,) = [tz for tz in cal.timezones if tz.tz_name == "Europe/Berlin"]
    described = zone.to_tz(lookup_tzid=False)
    assert datetime(2027, 3, 26, 19, tzinfo=described).utcoffset() == timedelta(hours=1)
    assert datetime(2027, 4, 2, 19, tzinfo=described).utcoffset() == timedelta(hours=2)
    assert datetime(2027, 11, 5, 19, tzinfo=described).utcoffset() == timedelta(hours=1)


def test_a_skipped_occurrence_is_gone_and_a_moved_one_is_where_it_went(app, alex):
    first = monday_after(today_of(app, alex))
    ritual_id = make_ritual(app, alex, title="Coffee", starts_on=first)
    second, third, fourth = (first + timedelta(days=7 * n) for n in (1, 2, 3))
    moved_to = datetime.combine(third + timedelta(days=2), time(20, 30))
    with app.app_context():
        member = db.session.get(User, alex.id)
        ritual = next(r for r in ritual_queries.of_partnership(member) if r.id == ritual_id)
        assert rituals.skip(ritual, second, member)
        assert rituals.skip(ritual, third, member, moved_to=moved_to)
        db.session.commit()
    cal = fetch(app, feed_path(app, alex))
    wanted = [datetime.combine(first, time(19)), moved_to, datetime.combine(fourth, time(19))]
    span = (first, fourth + timedelta(days=1))
    assert local(expanded(cal, "Coffee", *span)) == wanted
    assert app_expansion(app, alex, ritual_id, first, fourth) == wanted
    series, moved = sorted(named(cal, "Coffee"), key=lambda event: "RECURRENCE-ID" in event)
    assert local(series.exdates) == [datetime.combine(second, time(19))]
    assert local([moved.get("RECURRENCE-ID").dt]) == [datetime.combine(third, time(19))]
    assert moved.get("UID") == series.get("UID")


def test_a_changed_rule_keeps_its_dates_and_the_new_one_follows(app, alex):
    today = today_of(app, alex)
    began = monday_after(today - timedelta(days=28))
    from_day = monday_after(today) + timedelta(days=3)  # a Thursday
    ritual_id = make_ritual(app, alex, title="Walk", starts_on=began)
    with app.app_context():
        member = db.session.get(User, alex.id)
        # Loaded for this member, not through of_partnership: adapt() reads the ritual
        # again, and a ritual loaded by a statement built for any viewer cannot be.
        ritual = db.session.scalar(scoped(Ritual, user=member).where(Ritual.id == ritual_id))
        current = db.session.scalar(
            select(RitualRule).where(
                RitualRule.ritual_id == ritual_id, RitualRule.replaced_at.is_(None)
            )
        )
        new_rule = {
            "frequency": "weekly",
            "weekdays": "FR",
            "month_day": None,
            "nth": None,
            "at": time(8, 0),
            "minutes": 30,
            "time_zone": "Europe/Berlin",
        }
        assert rituals.adapt(ritual, current, ritual.version, member, new_rule, from_day)
        db.session.commit()
    cal = fetch(app, feed_path(app, alex))
    last = from_day + timedelta(days=21)
    mondays = [began + timedelta(days=7 * n) for n in range(6)]
    wanted = [datetime.combine(day, time(19)) for day in mondays if day < from_day] + [
        datetime.combine(from_day + timedelta(days=1 + 7 * n), time(8)) for n in range(3)
    ]
    assert local(expanded(cal, "Walk", began, last)) == wanted
    assert app_expansion(app, alex, ritual_id, began, last - timedelta(days=1)) == wanted
    old, new = sorted(named(cal, "Walk"), key=lambda event: event.start)
    assert old.get("UID") != new.get("UID")
    (old_rule,) = old.rrules
    assert old_rule["UNTIL"][0].astimezone(BERLIN).date() == from_day - timedelta(days=1)
    assert "UNTIL" not in new.rrules[0]


def test_each_kind_has_its_category_and_colour(app, alex):
    for kind in ("solo", "joint", "flexible"):
        make_ritual(app, alex, title=f"A {kind} one", kind=kind)
    cal = fetch(app, feed_path(app, alex))
    seen = {}
    for kind in ("solo", "joint", "flexible"):
        (event,) = named(cal, f"A {kind} one")
        assert event.categories == [kind]
        assert event.get("TRANSP") == "OPAQUE"
        seen[kind] = event.color
    assert seen == {"solo": "slateblue", "joint": "seagreen", "flexible": "goldenrod"}


def test_a_deleted_ritual_leaves_the_feed(app, alex):
    ritual_id = make_ritual(app, alex, title="Gone soon")
    path = feed_path(app, alex)
    assert named(fetch(app, path), "Gone soon")
    with app.app_context():
        member = db.session.get(User, alex.id)
        ritual = next(r for r in ritual_queries.of_partnership(member) if r.id == ritual_id)
        assert rituals.remove(ritual)
        db.session.commit()
    assert named(fetch(app, path), "Gone soon") == []


# -- the all-day events -------------------------------------------------------------------


def day_event(cal: Calendar, summary: str):
    """The one all-day event called ``summary``: its first day and the day after its last."""
    (event,) = named(cal, summary)
    assert event.get("DTSTART").params.get("VALUE") == "DATE", summary
    assert event.get("TRANSP") == "TRANSPARENT", summary
    return event.start, event.end


def test_goals_milestones_check_ins_look_agains_and_sessions_are_all_day_events(app, alex, sam):
    today = today_of(app, alex)
    quarter = make_quarter(
        app,
        alex,
        name="Now",
        state="active",
        starts_on=today - timedelta(days=30),
        ends_on=today + timedelta(days=60),
    )
    trip = make_goal(
        app, quarter, shared_lane(app, alex), title="Our trip", target_on=today + timedelta(days=20)
    )
    run = make_goal(app, quarter, lane_of(app, alex), title="Alex runs")
    make_goal(app, quarter, lane_of(app, alex), title="Dropped", status="dropped", target_on=today)
    with app.app_context():
        goal, member = db.session.get(Goal, trip.id), db.session.get(User, alex.id)
        milestones.add(goal, member, "Book the train", today + timedelta(days=5))
        milestones.add(goal, member, "Undated step", None)
        db.session.commit()
    make_contract(app, run, witness=sam, check_in=True)  # checked in today: next in a week
    entry, _ids = raise_entry(app, alex, quarter, [], look_again_on=today + timedelta(days=10))
    with app.app_context():
        flexibility.respond(db.session.get(FlexEntry, entry), db.session.get(User, sam.id), "", [])
        db.session.commit()
    cal = fetch(app, feed_path(app, alex))
    one_day = timedelta(days=1)
    target = today + timedelta(days=20)
    assert day_event(cal, "Target: Our trip") == (target, target + one_day)
    assert named(cal, "Target: Dropped") == []
    assert day_event(cal, "Milestone: Book the train") == (
        today + timedelta(days=5),
        today + timedelta(days=6),
    )
    assert len([e for e in cal.walk("VEVENT") if "milestone" in e.categories]) == 1
    week = today + timedelta(days=7)
    assert day_event(cal, "Your contract check-in: Alex runs") == (week, week + one_day)
    look_again = today + timedelta(days=10)
    assert day_event(cal, "Look again: A new job") == (look_again, look_again + one_day)
    # The next goal-mapping session: the last week of the running quarter.
    assert day_event(cal, f"Plan {next_quarter(quarter.ends_on)[0]} together") == (
        quarter.ends_on - timedelta(days=6),
        quarter.ends_on + one_day,
    )
    (event,) = named(cal, "Target: Our trip")
    assert str(event.get("URL")).endswith(f"/goals/{trip.id}")
    # Expanded as a calendar app would, the next ten weeks hold these and nothing else.
    ahead = recurring_ical_events.of(cal).between(today, today + timedelta(days=70))
    dated = {(str(e.get("SUMMARY")), e.start) for e in ahead}
    assert {(summary, day) for summary, day in dated if summary != "Weekly check-in"} == {
        ("Target: Our trip", target),
        ("Milestone: Book the train", today + timedelta(days=5)),
        ("Your contract check-in: Alex runs", week),
        ("Look again: A new job", look_again),
        (f"Plan {next_quarter(quarter.ends_on)[0]} together", quarter.ends_on - timedelta(days=6)),
    }
    # The partner sees the same check-in as Alex's.
    partner = fetch(app, feed_path(app, sam))
    assert day_event(partner, "Alex’s contract check-in: Alex runs") == (week, week + one_day)


def test_an_overdue_check_in_shows_today_saying_since_when(app, alex, sam):
    quarter = make_quarter(app, alex, state="active")
    run = make_goal(app, quarter, lane_of(app, alex), title="Alex runs")
    make_contract(app, run, witness=sam)  # its terms began yesterday: due since then
    today = today_of(app, alex)
    cal = fetch(app, feed_path(app, alex))
    assert day_event(cal, "Your contract check-in: Alex runs") == (today, today + timedelta(days=1))
    (event,) = named(cal, "Your contract check-in: Alex runs")
    assert str(event.get("DESCRIPTION")) == f"Due since {today - timedelta(days=1):%-d %B %Y}."


@pytest.mark.parametrize("week_starts_on, weekday", [(0, 6), (6, 5)])
def test_the_weekly_check_in_falls_on_the_last_day_of_every_week(
    app, alex, week_starts_on, weekday
):
    with app.app_context():
        db.session.get(Partnership, alex.partnership_id).week_starts_on = week_starts_on
        db.session.commit()
    today = today_of(app, alex)
    cal = fetch(app, feed_path(app, alex))
    days = expanded(cal, "Weekly check-in", today, today + timedelta(days=21))
    assert len(days) == 3
    assert {day.weekday() for day in days} == {weekday}
    assert [b - a for a, b in pairwise(days)] == [timedelta(days=7)] * 2


# The next goal-mapping session from the quarters there are, on 10 May 2027.
TODAY = date(2027, 5, 10)
RUNNING = Quarter(
    name="2027 Q2", state="active", starts_on=date(2027, 4, 1), ends_on=date(2027, 6, 30)
)


@pytest.mark.parametrize(
    "quarters, session",
    [
        ([], None),
        ([RUNNING], ("2027 Q3", date(2027, 6, 24), date(2027, 6, 30))),
        # Planned already: the week before it starts.
        (
            [
                RUNNING,
                Quarter(
                    name="Summer",
                    state="planning",
                    starts_on=date(2027, 7, 15),
                    ends_on=date(2027, 9, 30),
                ),
            ],
            ("Summer", date(2027, 7, 8), date(2027, 7, 14)),
        ),
        # The running quarter is over and nobody planned the next: today.
        (
            [
                Quarter(
                    name="2027 Q1",
                    state="active",
                    starts_on=date(2027, 1, 1),
                    ends_on=date(2027, 3, 31),
                )
            ],
            ("2027 Q2", TODAY, TODAY),
        ),
        # Reviewed quarters are behind the couple.
        (
            [
                Quarter(
                    name="2027 Q1",
                    state="reviewed",
                    starts_on=date(2027, 1, 1),
                    ends_on=date(2027, 3, 31),
                )
            ],
            None,
        ),
    ],
)
def test_the_next_planning_session(quarters, session):
    assert calendar.next_session(quarters, TODAY) == session


# -- privacy ------------------------------------------------------------------------------


@pytest.fixture
def secrets_of_alex(app, alex, sam):
    """Alex's private goal (a target date, dated milestones, a contract kept to Alex), a
    private solo slot for it, and an open solo slot for it too."""
    today = today_of(app, alex)
    quarter = make_quarter(
        app,
        alex,
        state="active",
        starts_on=today - timedelta(days=30),
        ends_on=today + timedelta(days=60),
    )
    secret = make_goal(
        app,
        quarter,
        lane_of(app, alex),
        title=SECRET_TITLE,
        notes=SECRET_NOTES,
        is_private=True,
        target_on=today + timedelta(days=12),
    )
    with app.app_context():
        goal, member = db.session.get(Goal, secret.id), db.session.get(User, alex.id)
        milestones.add(goal, member, SECRET_NOTES, today + timedelta(days=3))
        milestones.add(goal, member, "Call the clinic", today + timedelta(days=4))
        db.session.commit()
    make_contract(app, secret, witness=sam)  # not shown to Sam all the same
    make_ritual(
        app,
        alex,
        title=SECRET_SLOT,
        kind="solo",
        is_private=True,
        goal_id=secret.id,
        weekdays="TU",
        at=time(18, 30),
    )
    make_ritual(app, alex, title="Morning run", kind="solo", goal_id=secret.id, weekdays="WE")
    make_ritual(app, alex, title="Date night", weekdays="FR")
    return secret


def test_the_partners_feed_shows_private_things_as_busy_and_solo_time_only(
    app, alex, sam, secrets_of_alex
):
    response = app.test_client().get(feed_path(app, sam))
    text = unfolded(response.get_data(as_text=True))
    for secret in (SECRET_TITLE, SECRET_NOTES, SECRET_SLOT, "Call the clinic"):
        assert secret not in text
    cal = Calendar.from_ical(response.get_data())
    for event in cal.walk("VEVENT"):
        for value in event.values():
            assert all(s not in str(value) for s in (SECRET_TITLE, SECRET_NOTES, SECRET_SLOT))
    # When Alex is away, not what for: the slot's times, nothing else.
    (slot,) = named(cal, "Solo time")
    assert slot.start.astimezone(BERLIN).time() == time(18, 30)
    assert [str(r.to_ical(), "ascii") for r in slot.rrules] == ["FREQ=WEEKLY;BYDAY=TU;WKST=MO"]
    assert slot.categories == ["solo"]
    assert "DESCRIPTION" not in slot and "URL" not in slot
    (busy,) = named(cal, "Busy")
    assert busy.start == secrets_of_alex.target_on
    assert "DESCRIPTION" not in busy and "URL" not in busy and "CATEGORIES" not in busy
    # An open solo slot shows, without naming the private goal it serves.
    (run,) = named(cal, "Morning run")
    assert str(run.get("DESCRIPTION")) == "Every week on Wednesday at 19:00 for 1 h."
    assert named(cal, "Date night")
    # The private goal's milestones and its contract are not there at all.
    summaries = [str(event.get("SUMMARY")) for event in cal.walk("VEVENT")]
    assert not [s for s in summaries if s.startswith(("Milestone", "Alex’s contract"))]


def test_the_owners_own_feed_shows_their_private_things(app, alex, sam, secrets_of_alex):
    text = unfolded(app.test_client().get(feed_path(app, alex)).get_data(as_text=True))
    for words in (
        f"SUMMARY:Target: {SECRET_TITLE}",
        f"SUMMARY:Milestone: {SECRET_NOTES}",
        f"SUMMARY:{SECRET_SLOT}",
        f"For the goal “{SECRET_TITLE}”",
        f"SUMMARY:Your contract check-in: {SECRET_TITLE}",
    ):
        assert words in text, words
    assert "Solo time" not in text and "SUMMARY:Busy" not in text


def test_the_partners_drafts_are_not_even_busy(app, alex, sam):
    today = today_of(app, alex)
    quarter = make_quarter(app, alex)
    make_goal(app, quarter, lane_of(app, alex), title="A draft", is_draft=True, target_on=today)
    assert named(fetch(app, feed_path(app, alex)), "Target: A draft")
    cal = fetch(app, feed_path(app, sam))
    assert named(cal, "Busy") == [] and named(cal, "Target: A draft") == []


def test_a_member_who_leaves_takes_their_link_but_not_the_couples_calendar(app, alex, sam):
    make_ritual(app, alex, title="Date night")
    path = feed_path(app, sam)
    assert named(fetch(app, path), "Date night")
    from goalmap.partnership import service as partnership

    with app.app_context():
        partnership.leave(db.session.get(User, sam.id))
        db.session.commit()
    assert named(fetch(app, path), "Date night") == []


# -- the link -----------------------------------------------------------------------------


def test_a_link_is_shown_once_stored_as_a_hash_revoked_and_made_anew(app, alex, alex_client):
    assert "You have no calendar link" in alex_client.get("/calendar").get_data(as_text=True)
    made = alex_client.post("/calendar")
    assert made.status_code == 200
    assert made.headers["Cache-Control"] == "no-store"
    page = made.get_data(as_text=True)
    path, token = LINK.search(page).groups()
    assert f'href="webcal://localhost{path}"' in page
    # Only a fingerprint is kept; the page never shows the link again.
    with app.app_context():
        (row,) = db.session.scalars(select(CalendarFeed)).all()
        assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
        assert token not in repr([getattr(row, c.key) for c in CalendarFeed.__table__.c])
    again = alex_client.get("/calendar").get_data(as_text=True)
    assert token not in again and "You have a calendar link" in again
    anyone = app.test_client()
    assert anyone.get(path).status_code == 200
    # Stopped: gone at once, and as gone as a link that never was.
    assert alex_client.post("/calendar/revoke").status_code == 302
    revoked = anyone.get(path)
    unknown = anyone.get("/calendar/" + "A" * 43 + ".ics")
    assert revoked.status_code == unknown.status_code == 404
    assert revoked.get_data() == unknown.get_data()
    # A new link works; the one before it does not.
    first = LINK.search(alex_client.post("/calendar").get_data(as_text=True)).group(1)
    second = LINK.search(alex_client.post("/calendar").get_data(as_text=True)).group(1)
    assert first != second
    assert anyone.get(first).status_code == 404
    assert anyone.get(second).status_code == 200
    with app.app_context():
        live = select(CalendarFeed).where(CalendarFeed.revoked_at.is_(None))
        assert len(db.session.scalars(live).all()) == 1


def test_each_member_has_their_own_link(app, alex, sam, alex_client, sam_client):
    alex_path = LINK.search(alex_client.post("/calendar").get_data(as_text=True)).group(1)
    sam_path = LINK.search(sam_client.post("/calendar").get_data(as_text=True)).group(1)
    alex_client.post("/calendar/revoke")
    assert app.test_client().get(alex_path).status_code == 404
    assert app.test_client().get(sam_path).status_code == 200


def test_making_a_link_needs_the_forms_token(app, alex, alex_client):
    assert alex_client.post("/calendar", csrf=False).status_code == 400
    assert alex_client.post("/calendar/revoke", csrf=False).status_code == 400
    with app.app_context():
        assert db.session.scalars(select(CalendarFeed)).all() == []


def test_settings_leads_to_the_calendar_page(alex_client):
    assert 'href="/calendar"' in alex_client.get("/settings").get_data(as_text=True)


# -- polling ------------------------------------------------------------------------------


def settle(app, user, moment: datetime) -> None:
    """Make ``moment`` (naive UTC) the partnership's last change."""
    with app.app_context():
        db.session.execute(
            update(Partnership)
            .where(Partnership.id == user.partnership_id)
            .values(touched_at=moment)
        )
        db.session.commit()


def test_a_calendar_polling_an_unchanged_feed_gets_a_304_cheaply(app, alex, count_queries):
    make_ritual(app, alex)
    path = feed_path(app, alex)
    today = today_of(app, alex)
    earlier = datetime.combine(today, time.min) - timedelta(hours=3)  # before today began
    settle(app, alex, earlier)
    client = app.test_client()
    first = client.get(path)
    assert first.status_code == 200
    assert first.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert first.headers["Cache-Control"] == "private, no-cache"
    assert "Set-Cookie" not in first.headers
    etag = first.headers["ETag"]
    assert client.get(path).get_data() == first.get_data()  # one tag, one body, byte for byte
    # The feed changes with the day too (what is overdue, the next session): the start of
    # today is its last change.
    midnight = datetime.combine(today, time.min, UTC)
    assert first.headers["Last-Modified"] == http_date(midnight)
    with count_queries() as counter:
        by_tag = client.get(path, headers={"If-None-Match": etag})
    assert by_tag.status_code == 304 and by_tag.get_data() == b""
    assert by_tag.headers["ETag"] == etag
    assert counter.count <= 2  # the link, with its member and partnership: nothing else
    by_date = client.get(path, headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert by_date.status_code == 304
    older = http_date(midnight - timedelta(seconds=1))
    assert client.get(path, headers={"If-Modified-Since": older}).status_code == 200
    # A tag that is not this one wins over a date that would match (RFC 9110).
    both = {"If-None-Match": '"other"', "If-Modified-Since": first.headers["Last-Modified"]}
    assert client.get(path, headers=both).status_code == 200
    assert client.get(path, headers={"If-None-Match": "*"}).status_code == 304


def test_a_change_moves_the_etag_and_the_date(app, alex):
    path = feed_path(app, alex)
    today = today_of(app, alex)
    settle(app, alex, datetime.combine(today, time.min) - timedelta(hours=3))
    client = app.test_client()
    before = client.get(path)
    make_ritual(app, alex, title="Something new")
    after = client.get(path, headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200
    assert after.headers["ETag"] != before.headers["ETag"]
    assert named(Calendar.from_ical(after.get_data()), "Something new")
    # A change made a moment ago is named by its ETag only: HTTP dates count whole
    # seconds, and another change within the same second would look unchanged.
    assert "Last-Modified" not in after.headers
    changed = load(app, Partnership, alex.partnership_id).touched_at
    settle(app, alex, changed - timedelta(seconds=5))
    later = client.get(path)
    assert parse_date(later.headers["Last-Modified"]) == (changed - timedelta(seconds=5)).replace(
        microsecond=0, tzinfo=UTC
    )
    stale = client.get(path, headers={"If-Modified-Since": http_date(midnight_of(today))})
    assert stale.status_code == 200


def midnight_of(day: date) -> datetime:
    return datetime.combine(day, time.min, UTC)


def test_the_tag_is_the_members_own(app, alex, sam):
    """The same partnership's two feeds differ (each sees their own private things), and
    so do their tags; a tag of one is no 304 for the other."""
    alex_path, sam_path = feed_path(app, alex), feed_path(app, sam)
    client = app.test_client()
    alex_tag = client.get(alex_path).headers["ETag"]
    assert client.get(sam_path).headers["ETag"] != alex_tag
    assert client.get(sam_path, headers={"If-None-Match": alex_tag}).status_code == 200


@pytest.mark.parametrize(
    "token", ["x", "A" * 42, "A" * 44, "A" * 42 + "!", "%00" * 15, "..%2F" * 9]
)
def test_a_link_that_is_not_one_is_not_found(app, alex, token):
    feed_path(app, alex)
    assert app.test_client().get(f"/calendar/{token}.ics").status_code == 404


def test_a_new_member_without_anything_gets_a_valid_empty_calendar(app):
    lonely = make_user(app, "Lonely")
    client = logged_in(app, lonely)
    path = LINK.search(client.post("/calendar").get_data(as_text=True)).group(1)
    cal = fetch(app, path)
    assert str(cal.get("VERSION")) == "2.0"
    assert str(cal.get("PRODID")) == calendar.PRODID
    assert str(cal.get("X-WR-CALNAME")) == "Goalmap: Lonely's partnership"
    assert [str(e.get("SUMMARY")) for e in cal.walk("VEVENT")] == ["Weekly check-in"]


def test_a_new_password_stops_the_calendar_link(app, alex, alex_client):
    """Whoever had the account before a new password keeps nothing, calendar included:
    after a change of password, and after a reset (or the server's set-password)."""
    anyone = app.test_client()
    path = feed_path(app, alex)
    assert anyone.get(path).status_code == 200
    new = "a new long password"
    changed = alex_client.post(
        "/account/password", data={"current": PASSWORD, "password": new, "confirm": new}
    )
    assert changed.status_code == 302
    assert anyone.get(path).status_code == 404
    path = feed_path(app, alex)
    with app.app_context():
        set_password(db.session.get(User, alex.id), "yet another password")
        db.session.commit()
    assert anyone.get(path).status_code == 404
