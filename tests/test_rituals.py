"""Rituals and solo slots: recurrence and its exceptions, adapting a rule, the week view,
their hours in each partner's load, and the privacy of a private solo slot."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from dateutil.rrule import rrulestr
from factories import lane_of, load, make_goal, make_quarter
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from goalmap.extensions import db
from goalmap.models import FREQUENCIES, Ritual, RitualException, RitualRule, User
from goalmap.resources import service as resources
from goalmap.rituals import service

RULE = {
    "frequency": "weekly",
    "weekdays": ["MO"],
    "at": "19:00",
    "minutes": "120",
    "time_zone": "UTC",
    "nth": "1",
    "month_day": "",
}


def add(client, title="Date night", kind="joint", starts_on="2027-01-01", **fields):
    data = {**RULE, "title": title, "kind": kind, "starts_on": starts_on, "goal": "", **fields}
    return client.post("/rituals", data=data)


def ritual_named(app, title) -> Ritual:
    with app.app_context():
        ritual = db.session.scalar(select(Ritual).where(Ritual.what == title).options())
        db.session.expunge_all()
        return ritual


def rules_of(app, ritual) -> list[RitualRule]:
    with app.app_context():
        rules = db.session.scalars(
            select(RitualRule)
            .where(RitualRule.ritual_id == ritual.id)
            .order_by(RitualRule.starts_on)
        ).all()
        db.session.expunge_all()
        return rules


def rule(**values) -> RitualRule:
    defaults = {
        "frequency": "weekly",
        "weekdays": "MO",
        "at": time(19),
        "minutes": 60,
        "time_zone": "UTC",
        "starts_on": date(2027, 1, 1),
    }
    return RitualRule(**{**defaults, **values})


def days(found) -> list[str]:
    return [moment.date().isoformat() for moment in found]


# -- recurrence ---------------------------------------------------------------------------


def test_the_31st_falls_on_each_shorter_months_last_day_through_a_leap_february():
    monthly = rule(frequency="monthly_day", month_day=31, weekdays="", starts_on=date(2028, 1, 31))
    found = monthly.starts_between(date(2028, 1, 1), date(2028, 6, 30))
    assert days(found) == [
        "2028-01-31", "2028-02-29", "2028-03-31", "2028-04-30", "2028-05-31", "2028-06-30",
    ]  # fmt: skip
    next_year = monthly.starts_between(date(2029, 2, 1), date(2029, 2, 28))
    assert days(next_year) == ["2029-02-28"]


def test_quarterly_from_a_months_end_and_the_last_saturday_of_each_month():
    quarterly = rule(frequency="quarterly", weekdays="", starts_on=date(2027, 1, 31))
    assert days(quarterly.starts_between(date(2027, 1, 1), date(2027, 12, 31))) == [
        "2027-01-31", "2027-04-30", "2027-07-31", "2027-10-31",
    ]  # fmt: skip
    last_saturday = rule(frequency="monthly_weekday", weekdays="SA", nth=-1)
    assert days(last_saturday.starts_between(date(2027, 1, 1), date(2027, 3, 31))) == [
        "2027-01-30", "2027-02-27", "2027-03-27",
    ]  # fmt: skip
    assert last_saturday.describe() == "Every month on the last Saturday at 19:00 for 1 h"


def test_fortnightly_on_two_days_counts_weeks_from_its_start():
    fortnightly = rule(frequency="fortnightly", weekdays="TU,TH", starts_on=date(2027, 1, 4))
    assert days(fortnightly.starts_between(date(2027, 1, 1), date(2027, 1, 31))) == [
        "2027-01-05", "2027-01-07", "2027-01-19", "2027-01-21",
    ]  # fmt: skip


def test_a_ritual_keeps_its_local_time_across_daylight_saving_changes():
    berlin = rule(weekdays="FR", at=time(19), time_zone="Europe/Berlin")
    spring = berlin.starts_between(date(2027, 3, 20), date(2027, 4, 3))
    assert [moment.strftime("%H:%M") for moment in spring] == ["19:00", "19:00"]
    assert [moment.utcoffset() for moment in spring] == [timedelta(hours=1), timedelta(hours=2)]
    autumn = berlin.starts_between(date(2027, 10, 22), date(2027, 11, 5))
    assert [moment.utcoffset() for moment in autumn] == [
        timedelta(hours=2), timedelta(hours=2), timedelta(hours=1),
    ]  # fmt: skip


def test_an_ended_rule_stops_on_its_last_day():
    ended = rule(weekdays="MO", until=date(2027, 1, 18))
    assert days(ended.starts_between(date(2027, 1, 1), date(2027, 2, 28))) == [
        "2027-01-04", "2027-01-11", "2027-01-18",
    ]  # fmt: skip


# -- making, adapting, skipping ----------------------------------------------------------


def test_a_ritual_is_made_shown_and_listed(app, alex, sam, alex_client, sam_client):
    response = add(alex_client)
    assert response.status_code == 302
    page = alex_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Date night" in page
    assert "Every week on Monday at 19:00 for 2 h" in page
    listed = sam_client.get("/rituals").get_data(as_text=True)
    assert "Date night" in listed and "Together and flexible" in listed


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"weekdays": []}, "Pick at least one day of the week."),
        ({"frequency": "monthly_weekday", "weekdays": ["MO", "TU"]}, "Pick the one weekday"),
        ({"time_zone": "Mars/Olympus"}, "Name a time zone, like Europe/Berlin."),
        ({"minutes": "0"}, "Between 5 minutes and a whole day"),
        ({"at": "25:99"}, "Enter a time like 19:30."),
        ({"title": "  "}, "Say what it is"),
        ({"kind": "secret"}, "Not a valid choice"),
        ({"frequency": "daily"}, "Not a valid choice"),
        ({"goal": "12345"}, "Not a valid choice"),
        ({"month_day": "32", "frequency": "monthly_day"}, "A day of the month is 1 to 31."),
    ],
)
def test_bad_input_is_refused_where_it_was_typed_and_nothing_is_saved(
    app, alex, alex_client, fields, message
):
    response = add(alex_client, **fields)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Ritual.id)) is None


def test_skipping_and_moving_one_occurrence_leaves_the_rule(app, alex, alex_client):
    add(alex_client, starts_on="2030-01-07")
    ritual = ritual_named(app, "Date night")
    skipped = alex_client.post(f"/rituals/{ritual.id}/occurrences/2030-01-14")
    assert skipped.status_code == 302
    again = alex_client.post(f"/rituals/{ritual.id}/occurrences/2030-01-14", follow_redirects=True)
    assert "already skipped or moved" in again.get_data(as_text=True)
    alex_client.post(
        f"/rituals/{ritual.id}/occurrences/2030-01-21",
        data={"to_day": "2030-01-23", "to_time": "20:30"},
    )
    with app.app_context():
        member = db.session.get(User, alex.id)
        skipped_week = service.week(member, date(2030, 1, 14))
        moved_week = service.week(member, date(2030, 1, 21))
        starts = [o.starts.isoformat() for day in moved_week for o in day.occurrences]
    assert not any(day.occurrences for day in skipped_week)  # the 14th is skipped
    assert starts == ["2030-01-23T20:30:00+00:00"]  # the 21st moved to the 23rd
    assert len(rules_of(app, ritual)) == 1
    # Not too far, nor into the past: that would be another plan.
    for far in ("2030-03-01", "2020-01-01"):
        refused = alex_client.post(
            f"/rituals/{ritual.id}/occurrences/2030-01-28", data={"to_day": far}
        )
        assert refused.status_code == 422
    # Not a day the rule plans: nothing to skip.
    assert alex_client.post(f"/rituals/{ritual.id}/occurrences/2030-01-15").status_code == 404
    assert alex_client.post(f"/rituals/{ritual.id}/occurrences/not-a-day").status_code == 404
    # Undo: the 14th is back.
    alex_client.post(f"/rituals/{ritual.id}/occurrences/2030-01-14/restore")
    with app.app_context():
        assert (
            db.session.scalar(
                select(RitualException.id).where(RitualException.day == date(2030, 1, 14))
            )
            is None
        )


def test_adapting_keeps_the_earlier_rule_and_its_dates(app, alex, alex_client):
    add(alex_client, starts_on="2026-01-05")
    ritual = ritual_named(app, "Date night")
    data = {
        **RULE,
        "adapt-frequency": "monthly_weekday",
        "adapt-weekdays": ["SA"],
        "adapt-nth": "1",
        "adapt-at": "10:00",
        "adapt-minutes": "240",
        "adapt-time_zone": "UTC",
        "adapt-month_day": "",
        "adapt-from_day": "2030-02-01",
        "adapt-version": str(ritual.version),
    }
    response = alex_client.post(f"/rituals/{ritual.id}/rule", data=data)
    assert response.status_code == 302
    old, new = rules_of(app, ritual)
    assert (old.frequency, old.until, old.replaced_at is not None) == (
        "weekly",
        date(2030, 1, 31),
        True,
    )
    assert (new.frequency, new.starts_on, new.replaced_at) == (
        "monthly_weekday",
        date(2030, 2, 1),
        None,
    )
    page = alex_client.get(f"/rituals/{ritual.id}").get_data(as_text=True)
    assert "How it adapted" in page and "Every month on the first Saturday" in page
    # The same form again was drawn on the old version: a conflict, nothing changed.
    stale = alex_client.post(f"/rituals/{ritual.id}/rule", data=data)
    assert stale.status_code == 409
    assert "changed a moment ago" in stale.get_data(as_text=True)
    assert len(rules_of(app, ritual)) == 2
    # What already happened stays as it was.
    data["adapt-from_day"] = "2020-01-01"
    data["adapt-version"] = str(load(app, Ritual, ritual.id).version)
    past = alex_client.post(f"/rituals/{ritual.id}/rule", data=data)
    assert past.status_code == 422
    assert "starts today or later" in past.get_data(as_text=True)


def test_a_stale_rename_is_a_conflict(app, alex, sam, alex_client, sam_client):
    add(alex_client)
    ritual = ritual_named(app, "Date night")
    base = {"details-goal": "", "details-version": str(ritual.version)}
    saved = alex_client.post(f"/rituals/{ritual.id}", data={**base, "details-title": "Dinner"})
    assert saved.status_code == 302
    stale = sam_client.post(f"/rituals/{ritual.id}", data={**base, "details-title": "Dance"})
    assert stale.status_code == 409
    body = stale.get_data(as_text=True)
    assert "changed a moment ago" in body and 'value="Dance"' in body
    with app.app_context():
        assert db.session.scalar(select(Ritual.what).where(Ritual.id == ritual.id)) == "Dinner"


def test_delete_is_soft_with_an_undo(app, alex, alex_client):
    add(alex_client)
    ritual = ritual_named(app, "Date night")
    deleted = alex_client.post(f"/rituals/{ritual.id}/delete", follow_redirects=True)
    assert f"/rituals/{ritual.id}/restore" in deleted.get_data(as_text=True)
    assert alex_client.get(f"/rituals/{ritual.id}").status_code == 404
    alex_client.post(f"/rituals/{ritual.id}/restore")
    assert alex_client.get(f"/rituals/{ritual.id}").status_code == 200


# -- privacy ----------------------------------------------------------------------------


def test_a_private_solo_slot_shows_to_the_partner_as_solo_time_only(
    app, alex, sam, alex_client, sam_client
):
    add(
        sam_client,
        title="Pottery class secret",
        kind="solo",
        is_private="y",
        starts_on="2026-11-30",
    )
    ritual = ritual_named(app, "Pottery class secret")
    assert ritual.owner_id == sam.id and ritual.is_private
    for url in ("/rituals", f"/rituals/{ritual.id}", "/rituals/week"):
        body = alex_client.get(url).get_data(as_text=True)
        assert "Pottery" not in body, url
        assert "Solo time" in body, url
    assert "Pottery class secret" in sam_client.get("/rituals/week").get_data(as_text=True)
    # The partner may not change it, nor skip one of its evenings.
    attempt = {"details-title": "Mine now", "details-goal": "", "details-version": "1"}
    assert alex_client.post(f"/rituals/{ritual.id}", data=attempt).status_code == 403
    assert alex_client.post(f"/rituals/{ritual.id}/delete").status_code == 403


def test_a_shared_ritual_cannot_be_private(app, alex, alex_client):
    add(alex_client, title="Sunday walk", kind="joint", is_private="y")
    assert not ritual_named(app, "Sunday walk").is_private


# -- hours ---------------------------------------------------------------------------------


def test_rituals_count_in_each_partners_load(app, alex, sam, quarter, alex_client, sam_client):
    add(alex_client, title="Date night", kind="joint")  # Mondays 2 h: shared for both
    add(sam_client, title="Run club", kind="solo", weekdays=["TU", "TH"], minutes="45")
    add(alex_client, title="Open evening", kind="flexible", weekdays=["FR"], minutes="180")
    with app.app_context():
        member = db.session.get(User, alex.id)
        quarter_row = db.session.get(type(quarter), quarter.id)
        loads = {
            load.member.id: (load.personal_hours, load.shared_hours)
            for load in resources.quarter_loads(quarter_row, member)
        }
    # 13 Mondays of 2 h in a quarter of 90 days (12.9 weeks): 2.0 h a week, for both.
    assert loads[alex.id][1] == loads[sam.id][1] == Decimal("2.0")
    assert loads[sam.id][0] == Decimal("1.5")  # 26 evenings of 45 minutes
    assert loads[alex.id][0] == 0  # flexible time counts for nobody
    board = alex_client.get(f"/quarters/{quarter.id}").get_data(as_text=True)
    assert "2 h a week" in board or "2.0 h a week" in board


def test_a_reviewed_quarter_keeps_the_hours_its_rituals_took(app, alex, sam, alex_client):
    quarter = make_quarter(app, alex, state="active")
    add(alex_client, title="Date night", kind="joint")
    ritual = ritual_named(app, "Date night")
    with app.app_context():
        member = db.session.get(User, alex.id)
        row = db.session.get(type(quarter), quarter.id)
        service.keep_hours(row, member)
        service.keep_hours(row, member)  # a second time keeps the first
        row.state = "reviewed"
        db.session.commit()
    alex_client.post(f"/rituals/{ritual.id}/delete")
    with app.app_context():
        member = db.session.get(User, alex.id)
        row = db.session.get(type(quarter), quarter.id)
        shared = {
            load.member.id: load.shared_hours for load in resources.quarter_loads(row, member)
        }
    assert shared[alex.id] == Decimal("2.0")


def test_the_week_shows_each_kind_with_its_colour_class(app, alex, alex_client):
    add(alex_client, title="Coffee together", kind="joint", starts_on="2030-01-07")
    add(alex_client, title="My evening", kind="solo", weekdays=["TU"], starts_on="2030-01-07")
    body = alex_client.get("/rituals/week?of=2030-01-09").get_data(as_text=True)
    assert "Week of 7 Jan 2030" in body
    week = body[body.index('<div class="week"') :]
    assert week.index("Coffee together") < week.index("My evening")  # Monday, then Tuesday
    assert 'class="slot kind-joint"' in body and 'class="slot kind-solo"' in body
    assert "/rituals/week?of=2029-12-31" in body and "/rituals/week?of=2030-01-14" in body
    # A nonsense week is this week, not an error.
    assert alex_client.get("/rituals/week?of=yesterday").status_code == 200


@settings(max_examples=300, deadline=None)
@given(
    frequency=st.sampled_from(sorted(FREQUENCIES)),
    days=st.sets(st.sampled_from(["MO", "TU", "WE", "TH", "FR", "SA", "SU"]), min_size=1),
    month_day=st.integers(1, 31),
    nth=st.sampled_from([-1, 1, 2, 3, 4]),
    starts_on=st.dates(date(2020, 1, 1), date(2030, 12, 31)),
    later=st.integers(0, 4000),
    length=st.integers(0, 120),
)
def test_expanding_from_a_later_start_finds_the_same_occurrences(
    frequency, days, month_day, nth, starts_on, later, length
):
    """The shortcut that starts expanding whole periods later finds exactly what expanding
    from the first day finds."""
    days = sorted(days, key=["MO", "TU", "WE", "TH", "FR", "SA", "SU"].index)
    ritual_rule = rule(
        frequency=frequency,
        weekdays=",".join(days if frequency != "monthly_weekday" else days[:1]),
        month_day=month_day,
        nth=nth,
        starts_on=starts_on,
        time_zone="Europe/Berlin",
    )
    first = starts_on + timedelta(days=later)
    last = first + timedelta(days=length)
    everything = rrulestr(
        ritual_rule.rrule, dtstart=datetime.combine(starts_on, ritual_rule.at)
    ).between(datetime.combine(first, time.min), datetime.combine(last, time.max), inc=True)
    found = ritual_rule.starts_between(first, last)
    assert [moment.replace(tzinfo=None) for moment in found] == everything


# -- found in review -------------------------------------------------------------------


def test_a_partner_saving_the_words_keeps_a_goal_they_cannot_see(
    app, alex, sam, quarter, alex_client, sam_client
):
    secret = make_goal(app, quarter, lane_of(app, alex), title="Secret", is_private=True)
    add(alex_client, title="Walk", goal=str(secret.id))
    ritual = ritual_named(app, "Walk")
    assert ritual.goal_id == secret.id
    page = sam_client.get(f"/rituals/{ritual.id}").get_data(as_text=True)
    assert "Secret" not in page
    data = {"details-title": "Long walk", "details-goal": "", "details-version": "1"}
    assert sam_client.post(f"/rituals/{ritual.id}", data=data).status_code == 302
    assert load(app, Ritual, ritual.id).goal_id == secret.id  # Alex's to unlink, not Sam's


def test_a_rule_cannot_start_before_the_rule_in_place_once_it_replaced_another(
    app, alex, alex_client
):
    add(alex_client, starts_on="2026-01-05")
    ritual = ritual_named(app, "Date night")

    def adapt(from_day, version, days):
        data = {
            **{f"adapt-{k}": v for k, v in RULE.items()},
            "adapt-weekdays": days,
            "adapt-from_day": from_day,
            "adapt-version": str(version),
        }
        return alex_client.post(f"/rituals/{ritual.id}/rule", data=data)

    assert adapt("2030-02-01", 1, ["TU"]).status_code == 302
    refused = adapt("2030-01-10", 2, ["FR"])  # before the Tuesday rule, after the Monday one
    assert refused.status_code == 422
    assert "change it from that day or later" in refused.get_data(as_text=True)
    with app.app_context():
        week = service.week(db.session.get(User, alex.id), date(2030, 1, 14))
    assert [o.starts.date() for day in week for o in day.occurrences] == [date(2030, 1, 14)]


def test_a_time_alone_moves_an_occurrence_within_its_day(app, alex, alex_client):
    add(alex_client, starts_on="2030-01-07")
    ritual = ritual_named(app, "Date night")
    alex_client.post(f"/rituals/{ritual.id}/occurrences/2030-01-14", data={"to_time": "21:15"})
    with app.app_context():
        week = service.week(db.session.get(User, alex.id), date(2030, 1, 14))
    assert [o.starts.isoformat() for day in week for o in day.occurrences] == [
        "2030-01-14T21:15:00+00:00"
    ]


def test_a_quarterly_ritual_paused_and_started_again_keeps_its_day(app, alex, alex_client):
    add(alex_client, frequency="quarterly", starts_on="2030-01-15")
    ritual = ritual_named(app, "Date night")
    data = {"pause-from_day": "2030-02-01", "pause-resume_on": "2030-03-03", "pause-version": "1"}
    assert alex_client.post(f"/rituals/{ritual.id}/pause", data=data).status_code == 302
    _old, again = rules_of(app, ritual)
    assert again.starts_on == date(2030, 4, 15)  # its next day in the cycle, not 3 March
    assert days(again.starts_between(date(2030, 1, 1), date(2030, 12, 31))) == [
        "2030-04-15", "2030-07-15", "2030-10-15",
    ]  # fmt: skip


def test_the_week_finds_a_ritual_kept_in_a_zone_a_day_ahead(app, alex, alex_client):
    with app.app_context():
        db.session.get(User, alex.id).partnership.time_zone = "Pacific/Pago_Pago"  # UTC-11
        db.session.commit()
    add(alex_client, weekdays=["TU"], at="00:30", time_zone="Pacific/Kiritimati")  # UTC+14
    with app.app_context():
        week = service.week(db.session.get(User, alex.id), date(2030, 1, 7))
    # Tuesday 15 January, 00:30 at UTC+14, is Sunday 13 January, 23:30 at UTC-11.
    assert [o.starts.isoformat() for day in week for o in day.occurrences] == [
        "2030-01-13T23:30:00-11:00"
    ]
