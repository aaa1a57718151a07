"""The timeline, computed on known dates, and what the partner sees of it."""

from datetime import date

from factories import lane_of, make_goal, make_quarter, shared_lane, words

from goalmap.filters import day as day_html
from goalmap.filters import day_text
from goalmap.models import Goal, Lane, Quarter, User
from goalmap.timeline.service import build

ALEX, SAM = User(id=1, display_name="Alex"), User(id=2, display_name="Sam")
ALEX_LANE = Lane(id=10, owner_id=1, owner=ALEX, name="Alex", position=0)
SAM_LANE = Lane(id=11, owner_id=2, owner=SAM, name="Sam", position=1)
TOGETHER = Lane(id=12, owner_id=None, name="Together", position=2)
# 2027 Q1 starts on a Friday; its first week starts on Monday 28 December 2026.
Q1 = Quarter(id=1, name="2027 Q1", starts_on=date(2027, 1, 1), ends_on=date(2027, 3, 31))


def goal(id_, lane, starts_on=None, target_on=None, status="active"):
    return Goal(
        id=id_,
        title=f"G{id_}",
        lane_id=lane.id,
        owner_id=lane.owner_id,
        starts_on=starts_on,
        target_on=target_on,
        status=status,
    )


def plan(*goals):
    return build(Q1, [ALEX_LANE, SAM_LANE, TOGETHER], list(goals), [ALEX, SAM])


def bars(timeline, lane_index):
    return [
        (b.goal.id, b.first_week, b.last_week, b.outside) for b in timeline.rows[lane_index].bars
    ]


def test_weeks_run_monday_to_monday_across_the_quarter():
    timeline = plan()
    assert len(timeline.weeks) == 14
    assert timeline.weeks[0].starts_on == date(2026, 12, 28)
    assert timeline.weeks[-1].starts_on == date(2027, 3, 29)


def test_bars_span_the_weeks_from_start_to_target():
    timeline = plan(
        goal(1, ALEX_LANE, date(2027, 1, 4), date(2027, 1, 17)),  # weeks 2-3
        goal(2, ALEX_LANE, date(2027, 1, 1), date(2027, 3, 31)),  # all of it
        goal(3, TOGETHER, target_on=date(2027, 2, 1)),  # a single day: week 6
    )
    assert bars(timeline, 0) == [(2, 1, 14, False), (1, 2, 3, False)]
    assert bars(timeline, 2) == [(3, 6, 6, False)]


def test_dates_outside_the_quarter_are_flagged_or_listed_apart():
    timeline = plan(
        goal(1, SAM_LANE, date(2026, 12, 1), date(2027, 1, 10)),  # starts before: clipped, flagged
        goal(2, SAM_LANE, date(2027, 5, 1), date(2027, 6, 1)),  # wholly after: listed apart
        goal(3, SAM_LANE),  # undated
        goal(
            4, SAM_LANE, date(2027, 1, 1), date(2027, 1, 2), status="dropped"
        ),  # dropped: not shown
    )
    assert bars(timeline, 1) == [(1, 1, 2, True)]
    assert [g.id for g in timeline.beyond] == [2]
    assert [g.id for g in timeline.rows[1].undated] == [3]


def test_a_week_is_marked_when_three_goals_one_partner_carries_are_due_in_it():
    timeline = plan(
        # Running side by side all quarter: no mark for that alone.
        goal(1, ALEX_LANE, date(2027, 1, 4), date(2027, 3, 28)),
        goal(2, SAM_LANE, date(2027, 1, 4), date(2027, 3, 28)),
        goal(3, TOGETHER, date(2027, 1, 4), date(2027, 3, 28)),
        # Week 5 (25-31 January): two of Alex's and a shared one are due; Sam has one.
        goal(4, ALEX_LANE, date(2027, 1, 4), date(2027, 1, 25)),
        goal(5, ALEX_LANE, target_on=date(2027, 1, 31)),
        goal(6, TOGETHER, date(2027, 1, 11), date(2027, 1, 29)),
        # Week 7: three of Sam's, one already done: not crowded.
        goal(7, SAM_LANE, target_on=date(2027, 2, 8)),
        goal(8, SAM_LANE, target_on=date(2027, 2, 9)),
        goal(9, SAM_LANE, target_on=date(2027, 2, 10), status="done"),
    )
    crowded = {w.number: timeline.crowded(w) for w in timeline.weeks if timeline.crowded(w)}
    assert crowded == {5: [(ALEX, 3)]}
    assert timeline.weeks[6].due == {SAM.id: 2}


def test_the_crowded_week_is_marked_in_words_on_the_page(app, alex, sam, alex_client):
    quarter = make_quarter(app, alex)
    for day in (4, 5, 6):
        make_goal(app, quarter, lane_of(app, alex), target_on=date(2027, 1, day))
    make_goal(app, quarter, lane_of(app, sam), target_on=date(2027, 1, 6))
    page = alex_client.get(f"/quarters/{quarter.id}/timeline").get_data(as_text=True)
    head = page.split('id="week-2"')[1].split("</div>")[0]
    assert "tl-busy" in page.split('id="week-2"')[0].rsplit("<div", 1)[1]
    assert '3 due<span class="visually-hidden"> for Alex</span>' in head
    assert page.count("tl-busy") == 1  # Sam's one goal due that week marks nothing
    crowded = page.split('id="crowded-weeks"')[1].split("</ul>")[0]
    monday = day_html(date(2027, 1, 4))  # "4 Jan", with the year when it is not this one
    assert f"Week of {monday}: 3 due for Alex" in crowded


def test_the_partner_never_sees_a_private_goal_on_the_timeline(app, alex, sam, sam_client):
    quarter = make_quarter(app, alex)
    make_goal(
        app,
        quarter,
        lane_of(app, alex),
        title="Secret plan",
        is_private=True,
        starts_on=date(2027, 1, 4),
        target_on=date(2027, 2, 19),
    )
    make_goal(
        app,
        quarter,
        shared_lane(app, alex),
        title="Trip",
        starts_on=date(2027, 2, 1),
        target_on=date(2027, 2, 7),
    )
    page = sam_client.get(f"/quarters/{quarter.id}/timeline").get_data(as_text=True)
    assert "Secret plan" not in page and "19 Feb" not in page
    assert "1 private goal of your partner is not shown." in page
    assert 'class="tl-bar c-s6 c-e7 status-active tl-short"' in page  # Trip: week 6 only


def test_goals_without_dates_or_outside_the_quarter_are_listed_with_their_lane(
    app, alex, alex_client
):
    quarter = make_quarter(app, alex)
    make_goal(app, quarter, lane_of(app, alex), title="Learn to juggle")
    make_goal(app, quarter, shared_lane(app, alex), title="Sort the attic")
    make_goal(
        app,
        quarter,
        shared_lane(app, alex),
        title="Summer trip",
        starts_on=date(2027, 7, 1),
        target_on=date(2027, 7, 14),
    )
    page = alex_client.get(f"/quarters/{quarter.id}/timeline").get_data(as_text=True)
    aside = page.split('<section class="timeline-aside">')[1]
    undated = aside.split("Dated outside this quarter")[0]
    assert 'Learn to juggle <span class="muted">(Alex)</span>' in undated
    assert 'Sort the attic <span class="muted">(Together)</span>' in undated
    dates = f"{day_text(date(2027, 7, 1))} → {day_text(date(2027, 7, 14))}"
    assert f"Summer trip: {dates}" in words(aside)
    assert '<time datetime="2027-07-01">' in aside and 'class="icon"' in aside
