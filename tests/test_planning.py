"""The quarterly goal-mapping session, through the routes the partners use."""

import re
from datetime import date
from decimal import Decimal

import pytest
from factories import (
    allocate,
    cell_positions,
    lane_of,
    load,
    make_goal,
    make_quarter,
    make_ritual,
    plan_next,
    shared_lane,
    stages_of,
    without_live_stamps,
)
from sqlalchemy import select

from goalmap.extensions import db
from goalmap.models import (
    Allocation,
    Availability,
    Goal,
    GoalComment,
    GoalEvent,
    PlanningSeat,
    Quarter,
    Ritual,
    RitualHours,
    SharedValue,
)


@pytest.fixture
def last_quarter(app, alex, sam):
    return make_quarter(app, alex, name="2027 Q1", state="active")


def test_planning_the_next_quarter_opens_its_session(app, alex, last_quarter, alex_client):
    next_id = plan_next(alex_client, last_quarter)
    quarter = load(app, Quarter, next_id)
    assert (quarter.name, quarter.starts_on, quarter.ends_on) == (
        "2027 Q2",
        date(2027, 4, 1),
        date(2027, 6, 30),
    )
    assert (quarter.previous_id, quarter.state, quarter.revealed_at) == (
        last_quarter.id,
        "planning",
        None,
    )
    assert (
        alex_client.get(f"/quarters/{next_id}/session")
        .headers["Location"]
        .endswith("/session/look-back")
    )
    assert plan_next(alex_client, last_quarter) == next_id  # once, not twice
    page = alex_client.get(f"/quarters/{next_id}/session/look-back").get_data(as_text=True)
    assert 'aria-current="step"' in page and "1. Look back" in page
    # Looking at the session keeps nothing; a member's place is kept once they act.
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(PlanningSeat)) == 0
    alex_client.post(f"/quarters/{next_id}/session/ready")
    with app.app_context():
        seats = db.session.scalars(select(PlanningSeat)).all()
        assert [(s.user_id, s.ready_at is not None) for s in seats] == [(alex.id, True)]


def test_look_back_carries_over_drops_with_a_reason_and_marks_done(
    app, alex, sam, last_quarter, alex_client
):
    lane = shared_lane(app, alex)
    stage = stages_of(app, alex)[1]
    carry, drop, finish = (
        make_goal(app, last_quarter, lane, stage, title=t) for t in ("Carry me", "Drop me", "Done")
    )
    already_done = make_goal(app, last_quarter, lane, stage, title="Already done", status="done")
    next_id = plan_next(alex_client, last_quarter)
    page = alex_client.get(f"/quarters/{next_id}/session/look-back").get_data(as_text=True)
    assert "What you achieved in 2027 Q1" in page and "Already done" in page

    url = f"/quarters/{next_id}/session/review"
    alex_client.post(f"{url}/{carry.id}", data={"decision": "carry"})
    alex_client.post(f"{url}/{drop.id}", data={"decision": "drop", "reason": "Life got busy"})
    alex_client.post(f"{url}/{finish.id}", data={"decision": "done"})

    # Carrying over leaves the goal in its quarter, marked, and goes on in the next.
    source = load(app, Goal, carry.id)
    assert (source.quarter_id, source.status, source.carried_over) == (
        last_quarter.id,
        "carried",
        0,
    )
    with app.app_context():
        continuation = db.session.scalar(select(Goal).where(Goal.carried_from_id == carry.id))
        assert (continuation.quarter_id, continuation.carried_over) == (next_id, 1)
        assert (continuation.title, continuation.status) == ("Carry me", "active")
        continuation_id = continuation.id
    assert cell_positions(app, next_id)[lane.id, stage.id] == [(0, continuation_id)]
    assert load(app, Goal, drop.id).status == "dropped"
    finished = load(app, Goal, finish.id)
    done_column = stages_of(app, alex)[3]
    assert (finished.status, finished.stage_id) == ("done", done_column.id)  # done is one fact
    with app.app_context():
        events = db.session.scalars(select(GoalEvent).order_by(GoalEvent.id)).all()
        assert [(e.goal_id, e.kind, e.note, e.quarter_id) for e in events] == [
            (carry.id, "carried_over", "Carried over into 2027 Q2.", last_quarter.id),
            (continuation_id, "carried_in", "Carried over from 2027 Q1.", next_id),
            (drop.id, "dropped", "Life got busy", last_quarter.id),
            (finish.id, "done", "", last_quarter.id),
            (finish.id, "moved", "To Done.", last_quarter.id),
        ]
    # The old cell keeps what it held, the carried goal included, in order.
    assert [g for _, g in cell_positions(app, last_quarter.id)[lane.id, stage.id]] == [
        carry.id,
        drop.id,
        already_done.id,
    ]
    page = alex_client.get(f"/quarters/{next_id}/session/look-back").get_data(as_text=True)
    assert f'<a href="/goals/{drop.id}/story">Drop me</a>: dropped (Life got busy)' in page
    assert f'<a href="/goals/{carry.id}/story">Carry me</a>: carried over' in page
    assert alex_client.post(f"{url}/{drop.id}", data={"decision": "carry"}).status_code == 302
    assert load(app, Goal, drop.id).status == "dropped"  # decided once
    assert alex_client.post(f"{url}/{carry.id}", data={"decision": "carry"}).status_code == 302
    with app.app_context():  # carried once: no second continuation
        assert (
            db.session.scalar(
                select(db.func.count()).select_from(Goal).where(Goal.title == "Carry me")
            )
            == 2
        )


def test_carried_over_counts_add_up_across_quarters(app, alex, sam, last_quarter, alex_client):
    goal = make_goal(app, last_quarter, lane_of(app, alex), title="Learn the cello")
    q2 = plan_next(alex_client, last_quarter)
    alex_client.post(f"/quarters/{q2}/session/review/{goal.id}", data={"decision": "carry"})
    with app.app_context():
        db.session.get(Quarter, q2).state = "active"
        db.session.commit()
    q3 = plan_next(alex_client, load(app, Quarter, q2))
    with app.app_context():
        in_q2 = db.session.scalar(select(Goal.id).where(Goal.carried_from_id == goal.id))
    alex_client.post(f"/quarters/{q3}/session/review/{in_q2}", data={"decision": "carry"})
    with app.app_context():
        chain = db.session.scalars(
            select(Goal).where(Goal.title == "Learn the cello").order_by(Goal.created_at)
        ).all()
        assert [(g.quarter_id, g.status, g.carried_over) for g in chain] == [
            (last_quarter.id, "carried", 0),
            (q2, "carried", 1),
            (q3, "active", 2),
        ]
        assert [g.carried_from_id for g in chain] == [None, chain[0].id, chain[1].id]


def test_only_the_owner_decides_about_a_personal_goal(
    app, alex, sam, last_quarter, sam_client, stranger_client
):
    goal = make_goal(app, last_quarter, lane_of(app, alex))
    next_id = plan_next(sam_client, last_quarter)
    url = f"/quarters/{next_id}/session/review/{goal.id}"
    assert sam_client.post(url, data={"decision": "drop"}).status_code == 403
    assert stranger_client.post(url, data={"decision": "drop"}).status_code == 404
    assert sam_client.post(url, data={"decision": "maybe"}).status_code == 403
    assert load(app, Goal, goal.id).status == "active"


def test_a_decision_must_be_one_of_the_three(app, alex, last_quarter, alex_client):
    goal = make_goal(app, last_quarter, shared_lane(app, alex))
    next_id = plan_next(alex_client, last_quarter)
    url = f"/quarters/{next_id}/session/review/{goal.id}"
    response = alex_client.post(url, data={"decision": "maybe"})
    assert response.status_code == 422
    assert "Choose carry over, done or drop." in response.get_data(as_text=True)
    response = alex_client.post(url, data={"decision": "drop", "reason": "x" * 501})
    assert response.status_code == 422
    assert load(app, Goal, goal.id).status == "active"


def test_a_refused_drop_says_so_at_its_goal_with_the_reason_kept(
    app, alex, last_quarter, alex_client
):
    goal = make_goal(app, last_quarter, shared_lane(app, alex))
    other = make_goal(app, last_quarter, shared_lane(app, alex), title="Another open goal")
    next_id = plan_next(alex_client, last_quarter)
    reason = "because " + "x" * 500
    response = alex_client.post(
        f"/quarters/{next_id}/session/review/{goal.id}", data={"decision": "drop", "reason": reason}
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)

    def row(of) -> str:
        return re.search(rf'<li class="review-goal" id="review-{of.id}">(.*?)</li>', page, re.S)[1]

    error = f'id="review-{goal.id}-error" role="alert"'
    assert error in row(goal)
    # The part the member was in stays open, with what they typed, tied to the error.
    assert '<details class="review-more review-drop" open>' in row(goal)
    assert f'value="{reason}" aria-invalid="true" aria-describedby="review-{goal.id}-error"' in (
        row(goal)
    )
    # Only that goal: the other keeps its drop closed and empty, and no error.
    assert '<details class="review-more review-drop">' in row(other)
    assert 'class="error"' not in row(other) and reason not in row(other)


def test_only_goals_of_the_previous_quarter_are_reviewed(app, alex, last_quarter, alex_client):
    next_id = plan_next(alex_client, last_quarter)
    current = make_goal(app, load(app, Quarter, next_id), shared_lane(app, alex))
    url = f"/quarters/{next_id}/session/review/{current.id}"
    assert alex_client.post(url, data={"decision": "drop"}).status_code == 404


def test_drafts_stay_hidden_until_everyone_is_ready(
    app, alex, sam, last_quarter, alex_client, sam_client
):
    next_id = plan_next(alex_client, last_quarter)
    session = f"/quarters/{next_id}/session"
    alex_client.post(f"{session}/my-goals", data={"title": "Write a novel", "notes": "mornings"})
    sam_client.post(f"{session}/my-goals", data={"title": "Climb a mountain"})
    for page in (
        f"{session}/my-goals",
        f"/quarters/{next_id}",
        f"/quarters/{next_id}/timeline",
        f"{session}/agree",
    ):
        assert "Write a novel" not in sam_client.get(page).get_data(as_text=True), page
        assert "Climb a mountain" not in alex_client.get(page).get_data(as_text=True), page
    assert "Write a novel" in alex_client.get(f"{session}/my-goals").get_data(as_text=True)
    with app.app_context():
        alex_goal = db.session.scalar(select(Goal).where(Goal.title == "Write a novel"))
        assert alex_goal.is_draft and alex_goal.owner_id == alex.id
    assert sam_client.get(f"/goals/{alex_goal.id}/edit").status_code == 404

    alex_client.post(f"{session}/ready")
    page = sam_client.get(f"{session}/my-goals").get_data(as_text=True)
    assert "Alex is ready." in page and "Write a novel" not in page
    sam_client.post(f"{session}/ready")
    assert load(app, Quarter, next_id).revealed_at is not None
    assert "Write a novel" in sam_client.get(f"{session}/my-goals").get_data(as_text=True)
    assert "Climb a mountain" in alex_client.get(f"/quarters/{next_id}").get_data(as_text=True)


def test_the_partner_cannot_count_drafts_from_pages_or_ids(
    app, alex, sam, last_quarter, alex_client, sam_client
):
    """Until the reveal not even the number of the other's drafts shows: Sam's pages are
    the same with none or five of Alex's drafts, and the ids Sam sees count nothing. What
    Sam can tell is that something changed (a board answered 200 instead of 304)."""
    next_id = plan_next(alex_client, last_quarter)
    session = f"/quarters/{next_id}/session"
    alex_client.post(f"{session}/my-goals", data={"title": "Start"})  # Alex is drafting
    pages = (f"{session}/my-goals", f"/quarters/{next_id}", f"{session}/agree")
    # CSRF tokens carry the second they were made: they differ whatever the drafts.
    token = re.compile(
        r'(csrf_token" type="hidden" value="|csrf_token" value="|X-CSRFToken": ")[^"]+'
    )

    def seen() -> list[str]:
        return [
            without_live_stamps(token.sub("", sam_client.get(page).get_data(as_text=True)))
            for page in pages
        ]

    before = seen()
    sam_client.post(f"{session}/my-goals", data={"title": "Sam's first"})
    sam_cards = seen()
    for n in range(5):
        alex_client.post(f"{session}/my-goals", data={"title": f"Alex's draft {n}"})
    assert seen() == sam_cards != before  # Sam's own draft shows; Alex's five do not
    sam_client.post(f"{session}/my-goals", data={"title": "Sam's second"})
    with app.app_context():
        first, second = (
            db.session.scalar(select(Goal.id).where(Goal.title == title))
            for title in ("Sam's first", "Sam's second")
        )
    # Goal ids are drawn at random: a gap between two of Sam's counts nothing.
    with app.app_context():
        ids = db.session.scalars(select(Goal.id).order_by(Goal.created_at)).all()
    assert ids != sorted(ids) and second - first != 6


def test_drafts_are_edited_and_deleted_before_the_reveal_which_shows_their_notes(
    app, alex, sam, last_quarter, alex_client, sam_client
):
    next_id = plan_next(alex_client, last_quarter)
    step = f"/quarters/{next_id}/session/my-goals"
    alex_client.post(step, data={"title": "Write a novle", "notes": "Every morning, 30 min"})
    alex_client.post(step, data={"title": "Learn the tuba"})
    with app.app_context():
        drafts = {g.title: g for g in db.session.scalars(select(Goal).order_by(Goal.id))}
        typo, tuba = drafts["Write a novle"], drafts["Learn the tuba"]
    page = alex_client.get(step).get_data(as_text=True)
    edit_url = f"/goals/{typo.id}/edit?next=/quarters/{next_id}/session/my-goals"
    assert f'href="{edit_url}"' in page.replace("%2F", "/")
    form = alex_client.get(edit_url).get_data(as_text=True)
    assert 'action="/goals/' in form and "next=" in form  # saving comes back to the step
    saved = alex_client.post(
        edit_url,
        data={
            "title": "Write a novel",
            "notes": "Every morning, 30 min",
            "status": "active",
            "version": str(typo.version),
        },
    )
    assert saved.headers["Location"] == step
    deleted = alex_client.post(f"/goals/{tuba.id}/delete?next={step}")
    assert deleted.headers["Location"] == step
    page = alex_client.get(step).get_data(as_text=True)
    assert "Deleted “Learn the tuba”." in page  # with its undo, back to this step
    undo = f'action="/goals/{tuba.id}/restore?next=/quarters/{next_id}/session/my-goals"'
    assert undo in page.replace("%2F", "/")
    assert f'id="session-goal-{tuba.id}"' not in page and "Write a novel" in page
    alex_client.post(f"/quarters/{next_id}/session/ready")
    sam_client.post(f"/quarters/{next_id}/session/ready")
    revealed = sam_client.get(step).get_data(as_text=True)
    assert "Write a novel" in revealed and "Every morning, 30 min" in revealed
    assert f"/goals/{typo.id}/edit" not in revealed  # the partner reads, never edits


def test_a_private_draft_stays_private_after_the_reveal(app, alex, sam, alex_client, sam_client):
    quarter = make_quarter(app, alex, name="2027 Q3")
    session = f"/quarters/{quarter.id}/session"
    alex_client.post(f"{session}/my-goals", data={"title": "Therapy", "is_private": "y"})
    alex_client.post(f"{session}/ready")
    sam_client.post(f"{session}/ready")
    board = sam_client.get(f"/quarters/{quarter.id}").get_data(as_text=True)
    assert "Therapy" not in board and "Private goal" in board


def test_after_the_reveal_the_partner_comments_but_does_not_edit(
    app, alex, sam, alex_client, sam_client, stranger_client
):
    quarter = make_quarter(app, alex, name="2027 Q3")
    session = f"/quarters/{quarter.id}/session"
    alex_client.post(f"{session}/my-goals", data={"title": "Run a marathon"})
    for client in (alex_client, sam_client):
        client.post(f"{session}/ready")
    with app.app_context():
        goal_id = db.session.scalar(select(Goal.id).where(Goal.title == "Run a marathon"))
    response = sam_client.post(
        f"/goals/{goal_id}/comments?next={session}/my-goals", data={"body": "You've got this!"}
    )
    assert response.headers["Location"] == f"{session}/my-goals"
    assert "You&#39;ve got this!" in alex_client.get(f"{session}/my-goals").get_data(as_text=True)
    assert sam_client.post(f"/goals/{goal_id}/edit", data={"title": "X"}).status_code == 403
    assert (
        stranger_client.post(f"/goals/{goal_id}/comments", data={"body": "hi"}).status_code == 404
    )
    sam_client.post(f"/goals/{goal_id}/comments", data={"body": "   "})
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(GoalComment)) == 1


def test_bad_goal_input_in_the_session_is_shown_and_not_saved(app, alex, alex_client):
    quarter = make_quarter(app, alex)
    response = alex_client.post(
        f"/quarters/{quarter.id}/session/my-goals",
        data={"title": "", "starts_on": "2027-02-02", "target_on": "2027-01-01"},
    )
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "Give the goal a title." in body
    assert "The target date cannot be before the start date." in body
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Goal)) == 0


def test_our_goals_can_serve_a_shared_value(app, alex, sam, stranger, alex_client, sam_client):
    quarter = make_quarter(app, alex)
    sam_client.post("/values", data={"value-name": "Adventure"})
    with app.app_context():
        value_id = db.session.scalar(select(SharedValue.id))
    lane = shared_lane(app, alex)
    response = alex_client.post(
        f"/quarters/{quarter.id}/session/our-goals",
        data={"title": "Hike the coast path", "lane_id": lane.id, "value_id": value_id},
    )
    assert response.status_code == 302
    with app.app_context():
        goal = db.session.scalar(select(Goal))
        assert (goal.value_id, goal.owner_id, goal.is_draft) == (value_id, None, False)
    page = sam_client.get(f"/quarters/{quarter.id}/session/our-goals").get_data(as_text=True)
    assert "Hike the coast path" in page and "Adventure" in page
    # A personal lane, or a value of another partnership, is refused.
    response = alex_client.post(
        f"/quarters/{quarter.id}/session/our-goals",
        data={"title": "X", "lane_id": lane_of(app, alex).id, "value_id": 0},
    )
    assert response.status_code == 422
    other = make_quarter(app, stranger)
    assert logged_stranger_post(app, stranger, other, value_id).status_code == 422  # not its value


def logged_stranger_post(app, stranger, quarter, value_id):
    from factories import logged_in

    client = logged_in(app, stranger)
    return client.post(
        f"/quarters/{quarter.id}/session/our-goals",
        data={"title": "X", "lane_id": shared_lane(app, stranger).id, "value_id": value_id},
    )


def test_the_quarter_starts_when_every_member_agrees(
    app, alex, sam, last_quarter, alex_client, sam_client
):
    next_id = plan_next(alex_client, last_quarter)
    session = f"/quarters/{next_id}/session"
    alex_client.post(f"{session}/my-goals", data={"title": "Draft of Alex"})
    response = alex_client.post(f"{session}/confirm")
    assert response.headers["Location"] == f"{session}/agree"
    assert load(app, Quarter, next_id).state == "planning"
    assert "Waiting for Sam" in alex_client.get(f"{session}/agree").get_data(as_text=True)
    response = sam_client.post(f"{session}/confirm")
    assert response.headers["Location"] == f"/quarters/{next_id}"
    quarter = load(app, Quarter, next_id)
    assert quarter.state == "active" and quarter.started_at and quarter.revealed_at
    assert load(app, Quarter, last_quarter.id).state == "reviewed"
    with app.app_context():
        seats = db.session.scalars(select(PlanningSeat).order_by(PlanningSeat.user_id)).all()
        assert [s.user_id for s in seats] == [alex.id, sam.id]
        assert all(s.confirmed_at for s in seats)
    assert "Draft of Alex" in sam_client.get(f"/quarters/{next_id}").get_data(as_text=True)
    assert sam_client.post(f"{session}/confirm").status_code == 409
    assert alex_client.post(f"{session}/my-goals", data={"title": "Late"}).status_code == 409


def test_a_reviewed_quarter_is_read_only(app, alex, alex_client):
    quarter = make_quarter(app, alex, state="reviewed")
    goal = make_goal(app, quarter, lane_of(app, alex))
    stage = stages_of(app, alex)[0]
    lane = lane_of(app, alex)
    attempts = [
        (f"/goals/{goal.id}/edit", {"title": "X", "status": "active", "version": "1"}),
        (f"/goals/{goal.id}/move", {"lane_id": lane.id, "stage_id": stage.id, "position": 0}),
        (f"/goals/{goal.id}/delete", {}),
        (
            f"/quarters/{quarter.id}/goals/new",
            {"lane_id": lane.id, "stage_id": stage.id, "title": "X"},
        ),
    ]
    for url, data in attempts:
        response = alex_client.post(url, data=data)
        assert response.status_code == 409, url
        assert "reviewed" in response.get_data(as_text=True)
    board = alex_client.get(f"/quarters/{quarter.id}").get_data(as_text=True)
    assert "+ Add goal" not in board and "Edit<span" not in board
    assert "is reviewed" in board
    assert load(app, Goal, goal.id).title == "Learn to sail"


def test_past_quarters_stay_browsable_from_the_switcher(app, alex, alex_client):
    old = make_quarter(
        app,
        alex,
        name="2026 Q4",
        state="reviewed",
        starts_on=date(2026, 10, 1),
        ends_on=date(2026, 12, 31),
    )
    current = make_quarter(app, alex, name="2027 Q1", state="active")
    page = alex_client.get(f"/quarters/{current.id}").get_data(as_text=True)
    assert f'href="/quarters/{old.id}">2026 Q4</a>' in page
    assert alex_client.get(f"/quarters/{old.id}").status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/session",
        "/session/look-back",
        "/session/my-goals",
        "/session/our-goals",
        "/session/resources",
        "/session/agree",
        "/timeline",
    ],
)
def test_strangers_and_anonymous_cannot_open_the_session(app, alex, client, stranger_client, path):
    quarter = make_quarter(app, alex)
    assert stranger_client.get(f"/quarters/{quarter.id}{path}").status_code == 404
    assert client.get(f"/quarters/{quarter.id}{path}").headers["Location"].startswith("/login")


def test_an_unknown_step_is_404(app, alex, alex_client):
    quarter = make_quarter(app, alex)
    assert alex_client.get(f"/quarters/{quarter.id}/session/dessert").status_code == 404


def test_the_resources_step_lists_the_rituals_and_a_started_quarter_keeps_their_hours(
    app, alex, sam, last_quarter, alex_client, sam_client
):
    make_ritual(app, alex, "Date night")  # Mondays, an hour, from January 2027
    pottery = make_ritual(app, sam, "Pottery secret", kind="solo", weekdays="TH", minutes=120)
    with app.app_context():
        db.session.get(Ritual, pottery.id).is_private = True
        db.session.commit()
    next_id = plan_next(alex_client, last_quarter)
    session = f"/quarters/{next_id}/session"
    step = alex_client.get(f"{session}/resources").get_data(as_text=True)
    part = step.split("Rituals and solo time")[1]
    # 13 Mondays of an hour in a quarter of 13 weeks; Sam's 13 Thursdays of two hours.
    assert "Date night" in part and "1 h a week in 2027 Q2" in part
    assert "Sam’s solo time" in part and "2 h a week in 2027 Q2 · Sam’s" in part
    assert "Pottery" not in step
    assert part.count("Adapt or pause") == 1  # Sam's slot is Sam's to change
    # Once both agree, the quarter planned from is reviewed and keeps its ritual hours.
    alex_client.post(f"{session}/confirm")
    sam_client.post(f"{session}/confirm")
    with app.app_context():
        kept = {
            row.user_id: (row.personal_hours, row.shared_hours)
            for row in db.session.scalars(
                select(RitualHours).where(RitualHours.quarter_id == last_quarter.id)
            )
        }
    assert kept == {
        alex.id: (Decimal("0.0"), Decimal("1.0")),
        sam.id: (Decimal("1.9"), Decimal("1.0")),  # 12 Thursdays in 2027 Q1's 12.9 weeks
    }


# The Resources step: one page, a row per goal and one for what the member has.


@pytest.fixture
def resources_step(app, alex, sam, quarter):
    """A quarter in planning with Alex's goal, a shared one, Sam's and Sam's private one;
    the step's URL and the goals."""
    stage = stages_of(app, alex)[1]
    goals = {
        "mine": make_goal(app, quarter, lane_of(app, alex), stage, title="Learn the cello"),
        "ours": make_goal(app, quarter, shared_lane(app, alex), stage, title="Find a flat"),
        "sams": make_goal(app, quarter, lane_of(app, sam), stage, title="Climb Ben Nevis"),
        "secret": make_goal(app, quarter, lane_of(app, sam), stage, title=SECRET, is_private=True),
    }
    return f"/quarters/{quarter.id}/session/resources", goals


SECRET = "Therapy on Tuesdays"
HTMX = {"HX-Request": "true"}


def row(goal, replaces=0, **values) -> dict:
    """A goal's row of the Resources step as the page's form sends it."""
    fields = {"hours_per_week": "", "amount": "", "money_period": "month", "energy": ""}
    fields |= {"note": "", "currency": "EUR", "replaces": str(replaces), **values}
    return {f"goal-{goal.id}-{name}": value for name, value in fields.items()}


def available(version=0, hours="", budget="") -> dict:
    return {
        "availability-version": str(version),
        "availability-hours_per_week": hours,
        "availability-budget": budget,
        "availability-currency": "EUR",
    }


def current_notes(app, goal) -> list[tuple]:
    with app.app_context():
        notes = db.session.scalars(
            select(Allocation).where(
                Allocation.goal_id == goal.id, Allocation.replaced_at.is_(None)
            )
        )
        return sorted((n.user_id, n.hours_per_week, n.energy, n.note) for n in notes)


def all_notes(app) -> int:
    with app.app_context():
        return db.session.scalar(select(db.func.count()).select_from(Allocation))


def test_the_resources_step_is_one_form_with_a_row_per_goal_and_a_count(
    app, alex, sam, resources_step, alex_client, sam_client
):
    url, goals = resources_step
    allocate(app, goals["sams"], sam, hours="2", note="Saturdays are free")
    allocate(app, goals["secret"], sam, hours="3", note="about my father")
    page = alex_client.get(url).get_data(as_text=True)
    assert page.count('<form method="post" action="' + url + '"') == 1
    for key in ("mine", "ours", "sams"):
        assert f'id="note-row-{goals[key].id}"' in page
    assert "<strong>0 of 3</strong> noted" in page
    assert "Sam: 2 h a week" in page and "Saturdays are free" in page
    # A partner's private goal, and Sam's note on it, stay Sam's.
    assert SECRET not in page and "about my father" not in page
    assert f"goal-{goals['secret'].id}-" not in page
    sams = sam_client.get(url).get_data(as_text=True)
    assert SECRET in sams, sams[sams.find("<main") :]
    assert "about my father" in sams and "<strong>2 of 4</strong>" in sams


def test_without_javascript_one_post_saves_every_row_and_the_availability(
    app, alex, resources_step, alex_client
):
    url, goals = resources_step
    form = {
        **available(hours="12", budget="300"),
        **row(goals["mine"], hours_per_week="3", energy="high", note="Evenings"),
        **row(goals["ours"], amount="40", money_period="quarter"),
        **row(goals["sams"]),  # left empty: nothing to save
    }
    response = alex_client.post(url, data=form)
    assert response.status_code == 302 and response.headers["Location"].endswith(url)
    assert current_notes(app, goals["mine"]) == [(alex.id, Decimal("3.0"), "high", "Evenings")]
    assert current_notes(app, goals["ours"]) == [(alex.id, None, None, "")]
    assert current_notes(app, goals["sams"]) == []
    with app.app_context():
        mine = db.session.scalars(select(Availability)).one()
        assert (mine.hours_per_week, mine.budget, mine.version) == (12, 300, 1)
    page = alex_client.get(url).get_data(as_text=True)
    assert "Saved 3 rows." in page and "<strong>2 of 3</strong> noted" in page
    # The same page sent again is no new note: rows left as shown are not saves.
    again = alex_client.get(url).get_data(as_text=True)
    replaces = re.search(rf'name="goal-{goals["mine"].id}-replaces" value="(\d+)"', again)
    form |= row(
        goals["mine"], replaces=replaces[1], hours_per_week="3", energy="high", note="Evenings"
    )
    ours = re.search(rf'name="goal-{goals["ours"].id}-replaces" value="(\d+)"', again)
    form |= row(goals["ours"], replaces=ours[1], amount="40", money_period="quarter")
    form |= available(version=1, hours="12", budget="300")
    before = all_notes(app)
    assert alex_client.post(url, data=form).status_code == 302
    assert all_notes(app) == before
    assert "Nothing had changed." in alex_client.get(url).get_data(as_text=True)


def test_a_bad_value_shows_at_its_row_and_nothing_is_saved(app, resources_step, alex_client):
    url, goals = resources_step
    form = {
        **available(hours="12"),
        **row(goals["mine"], hours_per_week="3"),
        **row(goals["ours"], hours_per_week="200", note="Weekends"),
    }
    response = alex_client.post(url, data=form)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Nothing was saved: fix the rows marked below." in page
    bad = page.split(f'id="note-row-{goals["ours"].id}"')[1].split("</details>")[0]
    assert "Between 0 and 168 hours a week." in bad and 'aria-invalid="true"' in bad
    assert 'value="Weekends"' in bad  # what was typed stays
    good = page.split(f'id="note-row-{goals["mine"].id}"')[1].split("</details>")[0]
    assert "Between 0" not in good and 'value="3"' in good
    assert all_notes(app) == 0
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Availability)) == 0


def test_a_row_saved_by_htmx_comes_back_saved_with_the_count_and_loads(
    app, alex, resources_step, alex_client
):
    url, goals = resources_step
    goal = goals["ours"]
    response = alex_client.post(
        f"{url}/goals/{goal.id}", data=row(goal, hours_per_week="2.5", energy="low"), headers=HTMX
    )
    fragment = response.get_data(as_text=True)
    assert response.status_code == 200 and "HX-Request" in response.headers["Vary"]
    assert fragment.lstrip().startswith(f'<details class="note-row noted" id="note-row-{goal.id}"')
    assert 'role="status">Saved</span>' in fragment and "Noted" in fragment
    assert "You: 2.5 h a week · low energy" in fragment
    assert 'id="notes-count" data-hx-swap-oob="true"><strong>1 of 3</strong>' in fragment
    assert 'id="loads" data-hx-swap-oob="true"' in fragment
    assert "<html" not in fragment
    assert current_notes(app, goal) == [(alex.id, Decimal("2.5"), "low", "")]
    # Saving it again replaces the note; the one before stays in the history.
    seen = re.search(rf'name="goal-{goal.id}-replaces" value="(\d+)"', fragment)[1]
    again = alex_client.post(
        f"{url}/goals/{goal.id}", data=row(goal, seen, hours_per_week="4"), headers=HTMX
    )
    assert again.status_code == 200
    assert current_notes(app, goal) == [(alex.id, Decimal("4.0"), None, "")]
    assert all_notes(app) == 2


def test_a_bad_value_in_an_htmx_row_comes_back_at_the_row(app, resources_step, alex_client):
    url, goals = resources_step
    goal = goals["mine"]
    response = alex_client.post(
        f"{url}/goals/{goal.id}", data=row(goal, amount="lots", note="Strings"), headers=HTMX
    )
    fragment = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'id="note-row-{goal.id}" open' in fragment
    assert "Enter a number, like 12.5." in fragment and 'value="Strings"' in fragment
    assert all_notes(app) == 0


def test_a_stale_row_is_a_conflict_at_the_row_never_an_overwrite(
    app, alex, resources_step, alex_client
):
    url, goals = resources_step
    goal = goals["mine"]
    first = allocate(app, goal, alex, hours="1", note="First")
    # Another window saved over the note this page showed.
    other = alex_client.post(
        f"{url}/goals/{goal.id}", data=row(goal, first.id, hours_per_week="2"), headers=HTMX
    )
    assert other.status_code == 200
    stale = row(goal, first.id, hours_per_week="5", note="From the old page")
    response = alex_client.post(f"{url}/goals/{goal.id}", data=stale, headers=HTMX)
    fragment = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "You changed this note in another window meanwhile" in fragment
    assert "You: 2 h a week" in fragment and 'value="From the old page"' in fragment
    assert current_notes(app, goal) == [(alex.id, Decimal("2.0"), None, "")]
    # Saved again from the row it answered, it replaces what is current now.
    seen = re.search(rf'name="goal-{goal.id}-replaces" value="(\d+)"', fragment)[1]
    assert (
        alex_client.post(
            f"{url}/goals/{goal.id}",
            data={**stale, **row(goal, seen, hours_per_week="5")},
            headers=HTMX,
        ).status_code
        == 200
    )
    # The page without JavaScript: a stale row saves nothing, not even the good rows.
    response = alex_client.post(
        url,
        data={
            **row(goals["ours"], hours_per_week="1"),
            **row(goal, first.id, hours_per_week="7"),
        },
    )
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Nothing was saved: a row changed meanwhile" in page
    conflict = page.split(f'id="note-row-{goal.id}"')[1].split("</details>")[0]
    assert "another window meanwhile" in conflict
    assert current_notes(app, goals["ours"]) == []


def test_a_stale_availability_is_a_conflict_at_its_row(
    app, alex, quarter, resources_step, alex_client
):
    url, _goals = resources_step
    alex_client.post(f"{url}/availability", data=available(hours="10"), headers=HTMX)
    response = alex_client.post(f"{url}/availability", data=available(hours="20"), headers=HTMX)
    fragment = response.get_data(as_text=True)
    assert response.status_code == 409
    assert fragment.lstrip().startswith(
        '<div class="availability-row row-problem" id="availability-row"'
    )
    assert "You changed this in another window meanwhile" in fragment
    assert 'name="availability-version" type="hidden" value="1"' in fragment
    with app.app_context():
        assert db.session.scalars(select(Availability)).one().hours_per_week == 10


@pytest.mark.parametrize("key, status", [("secret", 404), ("other-quarter", 404)])
def test_a_row_is_only_for_a_goal_of_the_session_the_member_may_see(
    app, alex, resources_step, alex_client, key, status
):
    url, goals = resources_step
    if key == "other-quarter":
        other = make_quarter(app, alex, name="2027 Q3")
        goal = make_goal(app, other, lane_of(app, alex), stages_of(app, alex)[0], title="Elsewhere")
    else:
        goal = goals[key]
    response = alex_client.post(
        f"{url}/goals/{goal.id}", data=row(goal, hours_per_week="1"), headers=HTMX
    )
    assert response.status_code == status
    assert all_notes(app) == 0
    # The page's one form ignores a row it did not show.
    alex_client.post(url, data=row(goals["secret"], hours_per_week="1"))
    assert all_notes(app) == 0


def test_a_reviewed_quarter_s_resources_step_only_reads(app, alex, alex_client):
    old = make_quarter(app, alex, name="2026 Q4", state="reviewed")
    goal = make_goal(app, old, lane_of(app, alex), stages_of(app, alex)[0], title="Kept as it was")
    allocate(app, goal, alex, hours="2")
    url = f"/quarters/{old.id}/session/resources"
    page = alex_client.get(url).get_data(as_text=True)
    assert (
        "Kept as it was" in page
        and "You: 2 h a week" in page
        and '<form method="post" action="' + url not in page
    )
    assert alex_client.post(url, data=row(goal, hours_per_week="5")).status_code == 409
    assert (
        alex_client.post(f"{url}/goals/{goal.id}", data=row(goal), headers=HTMX).status_code == 409
    )
