"""Done is one fact, a goal's story, comments and cheers, and counts that count what
they say."""

import json
import re
from datetime import date

from factories import (
    allocate,
    cell_positions,
    lane_of,
    load,
    make_goal,
    make_quarter,
    plan_next,
    shared_lane,
    stages_of,
    words,
)
from sqlalchemy import select

from goalmap.extensions import db
from goalmap.models import Goal, GoalComment, GoalEvent, Quarter


def running_quarter(app, alex):
    """2027 Q1, started: a quarter to look back on."""
    return make_quarter(
        app,
        alex,
        name="2027 Q1",
        starts_on=date(2027, 1, 1),
        ends_on=date(2027, 3, 31),
        state="active",
    )


def events_of(app, goal_id: int) -> list[tuple[str, str]]:
    with app.app_context():
        rows = db.session.scalars(
            select(GoalEvent).where(GoalEvent.goal_id == goal_id).order_by(GoalEvent.id)
        ).all()
        return [(e.kind, e.note) for e in rows]


def move(client, goal, lane, stage, position=0, htmx=False):
    data = {"lane_id": lane.id, "stage_id": stage.id, "position": position}
    return client.post(f"/goals/{goal.id}/move", data=data, htmx=htmx)


# -- done is one fact ---------------------------------------------------------------


def test_moving_into_the_done_column_marks_done_and_moving_out_reopens(
    app, alex, quarter, alex_client
):
    lane, stages = lane_of(app, alex), stages_of(app, alex)
    doing, done = stages[2], stages[3]
    goal = make_goal(app, quarter, lane, doing, title="Run a 10k")
    response = move(alex_client, goal, lane, done, htmx=True)
    assert response.status_code == 200
    assert load(app, Goal, goal.id).status == "done"
    body = response.get_data(as_text=True)
    # The answer says so where the user looks, with an undo that moves it back.
    assert "“Run a 10k” is done." in body and 'data-hx-swap-oob="true"' in body
    undo = re.search(r'<form method="post" action="([^"]+)"[^>]*>(.*?)</form>', body, re.S)
    assert undo.group(1) == f"/goals/{goal.id}/move"
    fields = dict(re.findall(r'name="(lane_id|stage_id|position)" value="(\d+)"', undo.group(2)))
    assert fields == {"lane_id": str(lane.id), "stage_id": str(doing.id), "position": "0"}
    assert 'id="loads" data-hx-swap-oob="true"' in body  # a done goal leaves the load

    alex_client.post(f"/goals/{goal.id}/move", data=fields)  # the undo, without JavaScript
    again = load(app, Goal, goal.id)
    assert (again.status, again.stage_id) == ("active", doing.id)
    assert [kind for kind, _ in events_of(app, goal.id)] == ["moved", "done", "moved", "reopened"]


def test_marking_done_moves_the_goal_into_the_done_column_and_back(app, alex, quarter, alex_client):
    lane, stages = lane_of(app, alex), stages_of(app, alex)
    goal = make_goal(app, quarter, lane, stages[1], title="Read four novels")
    form = {"title": "Read four novels", "status": "done", "version": "1"}
    response = alex_client.post(f"/goals/{goal.id}/edit", data=form, htmx=True)
    assert response.status_code == 200
    moved = json.loads(response.headers["HX-Trigger-After-Settle"])["goal-moved"]
    assert (moved["stage"], moved["position"]) == (stages[3].id, 0)
    assert "“Read four novels” is done." in response.get_data(as_text=True)
    done = load(app, Goal, goal.id)
    assert (done.status, done.stage_id) == ("done", stages[3].id)

    form.update(status="active", version=str(done.version))
    assert alex_client.post(f"/goals/{goal.id}/edit", data=form).status_code == 302
    reopened = load(app, Goal, goal.id)
    assert (reopened.status, reopened.stage_id) == ("active", stages[2].id)  # before Done
    assert [kind for kind, _ in events_of(app, goal.id)] == ["done", "moved", "reopened", "moved"]


def test_a_goal_added_in_the_done_column_is_done(app, alex, quarter, alex_client):
    lane, done = shared_lane(app, alex), stages_of(app, alex)[3]
    data = {"title": "Paint the door", "lane_id": lane.id, "stage_id": done.id}
    assert alex_client.post(f"/quarters/{quarter.id}/goals/new", data=data).status_code == 302
    with app.app_context():
        goal = db.session.scalar(select(Goal).where(Goal.title == "Paint the door"))
        assert goal.status == "done"


def test_the_done_column_is_chosen_in_settings(app, alex, quarter, alex_client):
    lane, stages = lane_of(app, alex), stages_of(app, alex)
    assert alex_client.post("/stages/done", data={"stage_id": stages[2].id}).status_code == 302
    with app.app_context():
        assert [s.is_done for s in stages_of(app, alex)] == [False, False, True, False]
    goal = make_goal(app, quarter, lane, stages[0])
    move(alex_client, goal, lane, stages[2])
    assert load(app, Goal, goal.id).status == "done"
    alex_client.post("/stages/done", data={"stage_id": "0"})  # no done column at all
    other = make_goal(app, quarter, lane, stages[0])
    move(alex_client, other, lane, stages[3])
    assert load(app, Goal, other.id).status == "active"


# -- a goal's story -----------------------------------------------------------------


def test_the_story_tells_what_happened_with_who_and_why(app, alex, sam, quarter, alex_client):
    lane, stages = shared_lane(app, alex), stages_of(app, alex)
    data = {"title": "Repaint the bedroom", "lane_id": lane.id, "stage_id": stages[0].id}
    alex_client.post(f"/quarters/{quarter.id}/goals/new", data=data)
    with app.app_context():
        goal = db.session.scalar(select(Goal).where(Goal.title == "Repaint the bedroom"))
        goal_id = goal.id
    goal = load(app, Goal, goal_id)
    move(alex_client, goal, lane, stages[2])
    allocate(app, goal, alex, hours="2", note="Saturday mornings")
    edit = {"title": "Repaint the bedroom", "notes": "Green, we said.", "version": "1"}
    edit.update(status="paused")
    alex_client.post(f"/goals/{goal_id}/edit", data=edit)

    page = alex_client.get(f"/goals/{goal_id}/story").get_data(as_text=True)
    assert f'id="goal-{goal_id}-story"' in page
    assert "Green, we said." in page
    assert "Alex:</strong>" in page and "2 h a week" in page and "Saturday mornings" in page
    history = re.search(r'<ol class="story-history">(.*?)</ol>', page, re.S).group(1)
    lines = [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", li)).strip()
        for li in re.findall(r"<li[^>]*>(.*?)</li>", history, re.S)
    ]
    assert [line.split(" · ", 1)[1] for line in lines] == [
        "Alex: created it",
        "Alex: moved it — To In progress in Together.",
        "Alex: edited it — Changed the notes.",
        "Alex: changed its status — Active → Paused.",
    ]
    # As a fragment for the board's dialog, with a Close button; as a page, without.
    fragment = alex_client.get(f"/goals/{goal_id}/story", htmx=True)
    assert fragment.get_data(as_text=True).lstrip().startswith('<article class="story"')
    assert 'method="dialog"' in fragment.get_data(as_text=True)
    assert 'method="dialog"' not in page
    assert "HX-Request" in fragment.headers["Vary"]


def test_a_drop_reason_is_kept_in_the_story(app, alex, alex_client):
    last = running_quarter(app, alex)
    goal = make_goal(app, last, lane_of(app, alex), title="Learn the cello")
    next_id = plan_next(alex_client, last)
    review = f"/quarters/{next_id}/session/review/{goal.id}"
    alex_client.post(review, data={"decision": "drop", "reason": "No time this year"})
    page = alex_client.get(f"/goals/{goal.id}/story").get_data(as_text=True)
    assert "dropped it — No time this year" in page


def test_partners_comment_and_cheer_once_and_the_owner_sees_the_count(
    app, alex, sam, quarter, alex_client, sam_client
):
    goal = make_goal(app, quarter, lane_of(app, alex), title="Run a half marathon")
    assert sam_client.post(f"/goals/{goal.id}/cheers").status_code == 302
    assert sam_client.post(f"/goals/{goal.id}/cheers").status_code == 302  # again: no second
    answer = sam_client.post(
        f"/goals/{goal.id}/comments", data={"body": "So proud of you"}, htmx=True
    )
    assert answer.status_code == 200
    assert f'id="goal-{goal.id}-story"' in answer.get_data(as_text=True)
    with app.app_context():
        comments = db.session.scalars(select(GoalComment).order_by(GoalComment.id)).all()
        assert [(c.kind, c.body, c.author_id) for c in comments] == [
            ("cheer", "", sam.id),
            ("comment", "So proud of you", sam.id),
        ]
        assert db.session.get(Goal, goal.id).comment_count == 2
    story = alex_client.get(f"/goals/{goal.id}/story").get_data(as_text=True)
    assert "Cheered by Sam" in story and "So proud of you" in story
    board = alex_client.get(f"/quarters/{quarter.id}").get_data(as_text=True)
    item = re.search(rf'<li id="goal-{goal.id}-item".*?</li>', board, re.S).group(0)
    assert "2 comments and cheers" in words(item)
    empty = sam_client.post(f"/goals/{goal.id}/comments", data={"body": "  "}, htmx=True)
    assert empty.status_code == 422 and "Write a few words first." in empty.get_data(as_text=True)


def test_a_reviewed_quarter_takes_no_comments(app, alex, sam, alex_client, sam_client):
    old = make_quarter(
        app,
        alex,
        name="2026 Q4",
        starts_on=date(2026, 10, 1),
        ends_on=date(2026, 12, 31),
        state="reviewed",
    )
    goal = make_goal(app, old, shared_lane(app, alex))
    assert sam_client.post(f"/goals/{goal.id}/cheers").status_code == 409
    assert sam_client.post(f"/goals/{goal.id}/comments", data={"body": "Hi"}).status_code == 409
    assert load(app, Goal, goal.id).comment_count == 0


def test_a_private_goals_story_is_its_owners_alone(
    app, alex, sam, quarter, alex_client, sam_client
):
    secret = make_goal(app, quarter, lane_of(app, alex), title="Therapy", is_private=True)
    assert alex_client.get(f"/goals/{secret.id}/story").status_code == 200
    assert sam_client.get(f"/goals/{secret.id}/story").status_code == 404
    assert sam_client.post(f"/goals/{secret.id}/cheers").status_code == 404
    board = sam_client.get(f"/quarters/{quarter.id}").get_data(as_text=True)
    placeholder = re.search(rf'<li id="goal-{secret.id}-item".*?</li>', board, re.S).group(0)
    assert "story" not in placeholder and "href" not in placeholder


# -- one current note per partner ---------------------------------------------------


def test_saving_again_replaces_your_note_and_the_form_shows_it(app, alex, quarter, alex_client):
    goal = make_goal(app, quarter, lane_of(app, alex))
    url = f"/goals/{goal.id}/allocations"
    base = {"currency": "EUR", "money_period": "month"}
    assert alex_client.post(url, data={**base, "hours_per_week": "2"}).status_code == 302
    page = alex_client.get(url).get_data(as_text=True)
    assert (
        "Your note" in page and 'name="hours_per_week" step="any" type="number" value="2.0"' in page
    )
    seen = re.search(r'name="replaces" type="hidden" value="(\d+)"', page).group(1)
    saved = alex_client.post(url, data={**base, "hours_per_week": "3", "replaces": seen})
    assert saved.status_code == 302
    stale = alex_client.post(url, data={**base, "hours_per_week": "9", "replaces": seen})
    assert stale.status_code == 409  # the form showed a note that is no longer current
    blind = alex_client.post(url, data={**base, "hours_per_week": "9"})
    assert blind.status_code == 409  # a form that showed no note, while one is current
    page = alex_client.get(f"/quarters/{quarter.id}").get_data(as_text=True)
    assert "3 h a week" in page  # the load counts the current note only


def test_a_new_quarters_availability_starts_from_the_last(app, alex, alex_client):
    q1 = running_quarter(app, alex)
    url = f"/quarters/{q1.id}/availability"
    alex_client.post(
        url, data={"hours_per_week": "12", "budget": "300", "currency": "EUR", "version": "0"}
    )
    q2 = make_quarter(
        app, alex, name="2027 Q2", starts_on=date(2027, 4, 1), ends_on=date(2027, 6, 30)
    )
    page = alex_client.get(f"/quarters/{q2.id}/availability").get_data(as_text=True)
    assert 'name="hours_per_week" step="any" type="number" value="12.0"' in page
    assert 'name="budget" step="any" type="number" value="300.00"' in page
    assert re.search(r'name="version" type="hidden" value="0"', page)  # nothing saved yet


# -- counts count what they say -----------------------------------------------------


def test_private_goal_counts_leave_out_what_they_do_not_count(app, alex, sam, sam_client):
    last = running_quarter(app, alex)
    lane = lane_of(app, alex)
    make_goal(app, last, lane, title="Open one", is_private=True, starts_on=date(2027, 1, 4))
    make_goal(
        app,
        last,
        lane,
        title="Dropped one",
        is_private=True,
        status="dropped",
        starts_on=date(2027, 1, 4),
    )
    next_id = plan_next(sam_client, last)
    look_back = sam_client.get(f"/quarters/{next_id}/session/look-back").get_data(as_text=True)
    assert "Your partner also has 1 private goal to look back on." in look_back
    timeline = sam_client.get(f"/quarters/{last.id}/timeline").get_data(as_text=True)
    assert "1 private goal of your partner is not shown." in timeline


def test_a_carried_goal_is_shown_as_such_and_cannot_change_in_its_old_quarter(
    app, alex, alex_client
):
    last = running_quarter(app, alex)
    lane, stage = lane_of(app, alex), stages_of(app, alex)[1]
    goal = make_goal(
        app,
        last,
        lane,
        stage,
        title="Learn the cello",
        starts_on=date(2027, 2, 1),
        target_on=date(2027, 3, 15),
    )
    next_id = plan_next(alex_client, last)
    review = f"/quarters/{next_id}/session/review/{goal.id}"
    alex_client.post(review, data={"decision": "carry", "dates": "move"})
    board = alex_client.get(f"/quarters/{last.id}").get_data(as_text=True)
    item = re.search(rf'<li id="goal-{goal.id}-item".*?</li>', board, re.S).group(0)
    assert "Carried on" in item
    assert alex_client.get(f"/goals/{goal.id}/edit").status_code == 409
    with app.app_context():
        continuation = db.session.scalar(select(Goal).where(Goal.carried_from_id == goal.id))
        quarter = db.session.get(Quarter, next_id)
        # Dates outside the new quarter moved by the quarters' distance, as chosen.
        assert continuation.starts_on == date(2027, 2, 1) + (quarter.starts_on - last.starts_on)
    story = alex_client.get(f"/goals/{goal.id}/story").get_data(as_text=True)
    assert f'</svg> Goes on in <a href="/goals/{continuation.id}/story">2027 Q2</a>' in story
    assert cell_positions(app, last.id)[lane.id, stage.id] == [(0, goal.id)]


def test_a_stale_edit_form_cannot_undo_what_a_move_did(app, alex, quarter, alex_client):
    lane, stages = lane_of(app, alex), stages_of(app, alex)
    goal = make_goal(app, quarter, lane, stages[2], title="Run a 10k")
    form = {"title": "Run a 10k, fast", "status": "active", "version": str(goal.version)}
    move(alex_client, goal, lane, stages[3])  # done, while the edit form is open
    response = alex_client.post(f"/goals/{goal.id}/edit", data=form)
    assert response.status_code == 409  # shown as a conflict, not a silent reopening
    after = load(app, Goal, goal.id)
    assert (after.status, after.stage_id, after.title) == ("done", stages[3].id, "Run a 10k")


def test_reordering_or_a_board_without_done_column_leaves_the_status_alone(
    app, alex, quarter, alex_client
):
    lane, stages = lane_of(app, alex), stages_of(app, alex)
    paused = make_goal(app, quarter, lane, stages[3], title="Old", status="paused")
    make_goal(app, quarter, lane, stages[3], title="Other")
    move(alex_client, paused, lane, stages[3], position=1)  # a reorder within Done
    assert load(app, Goal, paused.id).status == "paused"
    alex_client.post("/stages/done", data={"stage_id": "0"})
    done = make_goal(app, quarter, lane, stages[3], title="Finished", status="done")
    move(alex_client, done, lane, stages[0])
    assert load(app, Goal, done.id).status == "done"  # no done column: nothing to follow


def test_undo_gives_a_paused_goal_its_status_back(app, alex, quarter, alex_client):
    lane, stages = lane_of(app, alex), stages_of(app, alex)
    goal = make_goal(app, quarter, lane, stages[1], status="paused")
    body = move(alex_client, goal, lane, stages[3], htmx=True).get_data(as_text=True)
    undo = dict(re.findall(r'name="(lane_id|stage_id|position|status)" value="(\w+)"', body))
    assert undo["status"] == "paused"
    alex_client.post(f"/goals/{goal.id}/move", data=undo)
    after = load(app, Goal, goal.id)
    assert (after.status, after.stage_id) == ("paused", stages[1].id)


def test_dropping_a_done_goal_is_a_drop_in_its_story(app, alex, quarter, alex_client):
    lane, stages = lane_of(app, alex), stages_of(app, alex)
    goal = make_goal(app, quarter, lane, stages[3], status="done")
    form = {"title": goal.title, "status": "dropped", "version": str(goal.version)}
    alex_client.post(f"/goals/{goal.id}/edit", data=form)
    assert [kind for kind, _ in events_of(app, goal.id)][:1] == ["dropped"]


def test_carrying_dates_past_the_calendars_end_clears_them(app, alex, alex_client):
    last = running_quarter(app, alex)
    goal = make_goal(
        app, last, lane_of(app, alex), starts_on=date(9999, 12, 1), target_on=date(9999, 12, 31)
    )
    next_id = plan_next(alex_client, last)
    review = f"/quarters/{next_id}/session/review/{goal.id}"
    assert alex_client.post(review, data={"decision": "carry", "dates": "move"}).status_code == 302
    with app.app_context():
        continuation = db.session.scalar(select(Goal).where(Goal.carried_from_id == goal.id))
        assert (continuation.starts_on, continuation.target_on) == (None, None)
