"""Milestones: a goal's checklist, its progress on the card, its privacy, and ticking the
last one offering to mark the goal done."""

import re

from factories import lane_of, load, logged_in, make_goal, make_user, shared_lane, stages_of
from sqlalchemy import select

from goalmap.extensions import db
from goalmap.models import Goal, Milestone, Win


def add(client, goal, title, target_on="", htmx=True):
    data = {"title": title, "target_on": target_on}
    return client.post(f"/goals/{goal.id}/milestones", data=data, htmx=htmx)


def milestones_of(app, goal) -> list[Milestone]:
    with app.app_context():
        stmt = select(Milestone).where(Milestone.goal_id == goal.id).order_by(Milestone.position)
        rows = db.session.scalars(stmt).all()
        db.session.expunge_all()
        return rows


def titles(body: str) -> list[str]:
    return re.findall(
        r'<span class="milestone-title">(?:<span[^>]*>Done: </span>)?([^<]+)</span>', body
    )


def test_a_checklist_is_added_ordered_renamed_and_deleted_with_an_undo(
    app, alex, quarter, alex_client
):
    goal = make_goal(app, quarter, lane_of(app, alex), title="Run a half marathon")
    for title in ("Run 5k", "Run 10k", "Run 15k"):
        assert add(alex_client, goal, title).status_code == 200
    first, second, third = milestones_of(app, goal)
    body = alex_client.post(
        f"/milestones/{third.id}/order", data={"direction": "up"}, htmx=True
    ).get_data(as_text=True)
    assert titles(body) == ["Run 5k", "Run 15k", "Run 10k"]
    response = alex_client.post(
        f"/milestones/{first.id}",
        data={"title": "Run 6k", "target_on": "2027-02-01", "version": first.version},
        htmx=True,
    )
    assert response.status_code == 200
    assert titles(response.get_data(as_text=True))[0] == "Run 6k"
    assert '<time datetime="2027-02-01">1 Feb' in response.get_data(as_text=True)
    # A save on the version seen before is a conflict, shown where the user typed.
    stale = alex_client.post(
        f"/milestones/{first.id}",
        data={"title": "Run 7k", "target_on": "", "version": first.version},
        htmx=True,
    )
    assert stale.status_code == 409
    assert "changed a moment ago" in stale.get_data(as_text=True)
    assert milestones_of(app, goal)[0].title == "Run 6k"
    deleted = alex_client.post(f"/milestones/{second.id}/delete", htmx=True)
    assert "Run 10k" not in titles(deleted.get_data(as_text=True))
    assert f"/milestones/{second.id}/restore" in deleted.get_data(as_text=True)  # the undo
    assert load(app, Goal, goal.id).milestones_total == 2
    restored = alex_client.post(f"/milestones/{second.id}/restore", htmx=True)
    assert "Run 10k" in titles(restored.get_data(as_text=True))
    assert load(app, Goal, goal.id).milestones_total == 3


def test_bad_input_is_refused_at_the_field_and_nothing_is_saved(app, alex, quarter, alex_client):
    goal = make_goal(app, quarter, lane_of(app, alex))
    response = add(alex_client, goal, "", target_on="2027-02-30")
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "Name the milestone." in body and "Enter a date like 2027-01-31." in body
    assert milestones_of(app, goal) == []


def test_the_card_shows_progress_and_the_last_tick_offers_to_mark_the_goal_done(
    app, alex, quarter, alex_client
):
    goal = make_goal(app, quarter, lane_of(app, alex), stages_of(app, alex)[2], title="Sail")
    add(alex_client, goal, "Course")
    add(alex_client, goal, "Exam")
    course, exam = milestones_of(app, goal)
    alex_client.post(f"/milestones/{course.id}/done", htmx=True)
    board = alex_client.get(f"/quarters/{quarter.id}").get_data(as_text=True)
    assert re.search(r'class="tag tag-milestones"[^>]*>1 / 2<', board)
    last = alex_client.post(f"/milestones/{exam.id}/done", htmx=True).get_data(as_text=True)
    assert "Every milestone is done." in last and f'action="/goals/{goal.id}/done"' in last
    assert "data-celebrate" in last  # the milestone's win is celebrated
    done = alex_client.post(f"/goals/{goal.id}/done", htmx=True)
    assert done.status_code == 200 and load(app, Goal, goal.id).status == "done"
    assert "data-celebrate" in done.get_data(as_text=True)
    board = alex_client.get(f"/quarters/{quarter.id}").get_data(as_text=True)
    assert re.search(r'class="tag tag-milestones"[^>]*>2 / 2<', board)


def test_without_javascript_each_form_returns_to_the_story(app, alex, quarter, alex_client):
    goal = make_goal(app, quarter, lane_of(app, alex))
    response = add(alex_client, goal, "First step", htmx=False)
    assert response.status_code == 302 and response.location.endswith(f"/goals/{goal.id}/story")
    story = alex_client.get(f"/goals/{goal.id}/story").get_data(as_text=True)
    assert "First step" in story and "Added the milestone" in story


def test_the_partner_changes_a_shared_goals_milestones_but_only_reads_a_personal_ones(
    app, alex, sam, quarter, alex_client, sam_client
):
    shared = make_goal(app, quarter, shared_lane(app, alex), title="Move house")
    personal = make_goal(app, quarter, lane_of(app, alex), title="Learn Greek")
    assert add(sam_client, shared, "Find a flat").status_code == 200
    add(alex_client, personal, "Alphabet")
    assert add(sam_client, personal, "Sneaky").status_code == 403
    alphabet = milestones_of(app, personal)[0]
    assert sam_client.post(f"/milestones/{alphabet.id}/done", htmx=True).status_code == 403
    story = sam_client.get(f"/goals/{personal.id}/story").get_data(as_text=True)
    assert "Alphabet" in story and f"/milestones/{alphabet.id}/done" not in story


def test_a_private_goals_milestones_are_its_owners_alone(
    app, alex, sam, quarter, alex_client, sam_client
):
    goal = make_goal(app, quarter, lane_of(app, alex), title="Therapy", is_private=True)
    add(alex_client, goal, "Find a therapist")
    add(alex_client, goal, "First session")
    secret = milestones_of(app, goal)[0]
    alex_client.post(f"/milestones/{secret.id}/done", htmx=True)
    board = sam_client.get(f"/quarters/{quarter.id}").get_data(as_text=True)
    assert "Find a therapist" not in board and "1 / 2" not in board  # not even the count
    for url in (
        f"/goals/{goal.id}/milestones",
        f"/goals/{goal.id}/story",
    ):
        assert sam_client.get(url, htmx=True).status_code == 404
    for action in ("done", "open", "delete", "restore"):
        assert sam_client.post(f"/milestones/{secret.id}/{action}", htmx=True).status_code == 404
    assert sam_client.get("/wins").get_data(as_text=True).count('class="win ') == 0


def test_ticking_twice_makes_one_win_and_unticking_withdraws_it(app, alex, quarter, alex_client):
    goal = make_goal(app, quarter, lane_of(app, alex))
    add(alex_client, goal, "Step")
    step = milestones_of(app, goal)[0]
    for _ in range(2):  # a double submit
        assert alex_client.post(f"/milestones/{step.id}/done", htmx=True).status_code == 200
    assert load(app, Goal, goal.id).milestones_done == 1
    with app.app_context():
        wins = db.session.scalars(select(Win).where(Win.subject_id == step.id)).all()
        assert len(wins) == 1 and wins[0].withdrawn_at is None
    alex_client.post(f"/milestones/{step.id}/open", htmx=True)
    assert load(app, Goal, goal.id).milestones_done == 0
    with app.app_context():
        assert db.session.scalar(select(Win.withdrawn_at).where(Win.subject_id == step.id))
    alex_client.post(f"/milestones/{step.id}/done", htmx=True)  # redo: the same win back
    with app.app_context():
        wins = db.session.scalars(select(Win).where(Win.subject_id == step.id)).all()
        assert len(wins) == 1 and wins[0].withdrawn_at is None


def test_a_reviewed_quarters_checklist_stays_as_it_was(app, alex, quarter, alex_client):
    goal = make_goal(app, quarter, lane_of(app, alex))
    add(alex_client, goal, "Step")
    step = milestones_of(app, goal)[0]
    with app.app_context():
        db.session.get(type(quarter), quarter.id).state = "reviewed"
        db.session.commit()
    assert add(alex_client, goal, "Late").status_code == 409
    assert alex_client.post(f"/milestones/{step.id}/done", htmx=True).status_code == 409


def test_a_stranger_reaches_no_milestone(app, alex, quarter, alex_client):
    goal = make_goal(app, quarter, lane_of(app, alex))
    add(alex_client, goal, "Step")
    step = milestones_of(app, goal)[0]
    stranger = logged_in(app, make_user(app, "Kim"))
    assert stranger.post(f"/milestones/{step.id}/done", htmx=True).status_code == 404
    assert add(stranger, goal, "Mine now").status_code == 404
