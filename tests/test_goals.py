import json
import re

import pytest
from factories import cell_positions, lane_of, load, make_goal, shared_lane, stages_of

from goalmap.board.queries import GOAL_COLUMNS
from goalmap.extensions import db
from goalmap.models import Goal, GoalEvent, User
from goalmap.scoping import board_goals

PLACE_OPTION = re.compile(r'<option value="(\d+)"( selected)?>([^<]+)</option>')


def new_goal(client, quarter, lane, stage, htmx=False, **fields):
    data = {
        "lane_id": lane.id,
        "stage_id": stage.id,
        "title": "Run a half marathon",
        "status": "active",
        **fields,
    }
    return client.post(f"/quarters/{quarter.id}/goals/new", data=data, htmx=htmx)


def goal_titles(app, quarter) -> list[str]:
    with app.app_context():
        return db.session.scalars(
            db.select(Goal.title)
            .where(Goal.quarter_id == quarter.id, Goal.deleted_at.is_(None))
            .order_by(Goal.created_at)
        ).all()


# -- create -------------------------------------------------------------------------


def test_create_with_a_plain_form_redirects_to_the_board(app, alex, quarter, alex_client):
    lane, stage = lane_of(app, alex), stages_of(app, alex)[1]
    response = new_goal(
        alex_client,
        quarter,
        lane,
        stage,
        notes="Saturdays",
        starts_on="2027-01-04",
        target_on="2027-03-28",
        is_private="y",
    )
    assert response.headers["Location"] == f"/quarters/{quarter.id}"
    with app.app_context():
        goal = db.session.scalar(db.select(Goal))
        assert (goal.owner_id, goal.stage_id) == (alex.id, stage.id)
        assert goal.is_private and goal.notes == "Saturdays"
        assert goal.created_by_id == alex.id
    assert cell_positions(app, quarter.id)[lane.id, stage.id] == [(0, goal.id)]


def test_new_goals_go_to_the_end_of_their_cell(app, alex, quarter, alex_client):
    lane, stage = shared_lane(app, alex), stages_of(app, alex)[0]
    for title in ("First", "Second", "Third"):
        assert new_goal(alex_client, quarter, lane, stage, title=title).status_code == 302
    positions = cell_positions(app, quarter.id)[lane.id, stage.id]
    assert [p for p, _ in positions] == [0, 1, 2]
    with app.app_context():
        titles = [db.session.get(Goal, goal_id).title for _, goal_id in positions]
    assert titles == ["First", "Second", "Third"]


def test_create_with_htmx_answers_with_the_board(app, alex, quarter, alex_client):
    response = new_goal(
        alex_client, quarter, shared_lane(app, alex), stages_of(app, alex)[0], htmx=True
    )
    assert response.status_code == 200
    # The form asked to replace itself, where its errors show: success is the board.
    assert response.headers["HX-Retarget"] == "#board"
    assert "HX-Trigger" not in response.headers  # no event that nothing hears
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith('<section id="board"')
    assert 'id="flashes" class="flashes" role="status" data-hx-swap-oob="true"' in body
    assert "Added “Run a half marathon”." in body


def test_the_new_goal_form_comes_as_a_fragment_or_a_page(app, alex, quarter, alex_client):
    lane, stage = lane_of(app, alex), stages_of(app, alex)[0]
    url = f"/quarters/{quarter.id}/goals/new?lane={lane.id}&stage={stage.id}"
    fragment = alex_client.get(url, htmx=True).get_data(as_text=True)
    assert fragment.lstrip().startswith(f'<form id="new-goal-{lane.id}-{stage.id}"')
    assert f'id="new-goal-{lane.id}-{stage.id}-title"' in fragment  # ids unique per open form
    assert '="None"' not in fragment
    page = alex_client.get(url).get_data(as_text=True)
    assert "New goal in Alex · Ideas" in page


def test_a_private_goal_is_only_possible_in_a_personal_lane(app, alex, quarter, alex_client):
    new_goal(alex_client, quarter, shared_lane(app, alex), stages_of(app, alex)[0], is_private="y")
    with app.app_context():
        assert db.session.scalar(db.select(Goal.is_private)) is False


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"title": ""}, "Give the goal a title."),
        ({"title": "   "}, "Give the goal a title."),
        ({"title": "x" * 201}, "Field cannot be longer than 200 characters."),
        ({"notes": "x" * 5001}, "Field cannot be longer than 5000 characters."),
        (
            {"starts_on": "2027-02-01", "target_on": "2027-01-01"},
            "The target date cannot be before the start date.",
        ),
        ({"target_on": "next week"}, "Enter a date like 2027-01-31."),
        ({"status": "abandoned"}, "Not a valid choice."),
    ],
)
@pytest.mark.parametrize("htmx", [False, True])
def test_bad_input_is_shown_next_to_the_field_and_nothing_is_saved(
    app, alex, quarter, alex_client, fields, message, htmx
):
    response = new_goal(
        alex_client, quarter, lane_of(app, alex), stages_of(app, alex)[0], htmx=htmx, **fields
    )
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert message in body
    assert 'aria-invalid="true"' in body
    if htmx:
        assert body.lstrip().startswith("<form id=")
    assert goal_titles(app, quarter) == []


def test_every_error_is_shown_at_once(app, alex, quarter, alex_client):
    response = new_goal(
        alex_client,
        quarter,
        lane_of(app, alex),
        stages_of(app, alex)[0],
        htmx=True,
        title="",
        starts_on="2027-02-01",
        target_on="2027-01-01",
    )
    body = response.get_data(as_text=True)
    assert "Give the goal a title." in body
    assert "The target date cannot be before the start date." in body


def test_a_partner_cannot_add_to_the_other_partners_lane(app, alex, sam, quarter, sam_client):
    response = new_goal(sam_client, quarter, lane_of(app, alex), stages_of(app, alex)[0])
    assert response.status_code == 403
    assert goal_titles(app, quarter) == []


def test_a_stranger_cannot_add_to_a_board_or_lane_not_theirs(
    app, alex, stranger, quarter, stranger_client
):
    lane, stage = lane_of(app, alex), stages_of(app, alex)[0]
    assert new_goal(stranger_client, quarter, lane, stage).status_code == 404
    # Their own quarter with someone else's lane and stage ids is refused just the same.
    own = stranger_client.post(
        "/quarters/new", data={"name": "Q", "starts_on": "2027-01-01", "ends_on": "2027-03-31"}
    )
    own_quarter_id = int(own.headers["Location"].rsplit("/", 1)[1])
    response = stranger_client.post(
        f"/quarters/{own_quarter_id}/goals/new",
        data={"lane_id": lane.id, "stage_id": stage.id, "title": "X"},
    )
    assert response.status_code == 404
    assert goal_titles(app, quarter) == []


# -- edit ---------------------------------------------------------------------------


def test_edit_in_place_with_htmx(app, alex, quarter, alex_client):
    goal = make_goal(app, quarter, lane_of(app, alex))
    form = alex_client.get(f"/goals/{goal.id}/edit", htmx=True).get_data(as_text=True)
    assert form.lstrip().startswith(f'<form id="goal-{goal.id}-form"')
    assert 'name="version" type="hidden" value="1"' in form
    response = alex_client.post(
        f"/goals/{goal.id}/edit",
        htmx=True,
        data={
            "title": "Sail to the island",
            "notes": "<b>with Sam</b>",
            "status": "paused",
            "version": "1",
        },
    )
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith(f'<article class="goal status-paused" id="goal-{goal.id}"')
    assert "&lt;b&gt;with Sam&lt;/b&gt;" in body and "<b>with Sam</b>" not in body
    saved = load(app, Goal, goal.id)
    assert (saved.title, saved.status, saved.version) == ("Sail to the island", "paused", 2)


def test_edit_without_javascript_redirects_back_to_the_card(app, alex, quarter, alex_client):
    goal = make_goal(app, quarter, lane_of(app, alex))
    assert "Edit goal" in alex_client.get(f"/goals/{goal.id}/edit").get_data(as_text=True)
    response = alex_client.post(
        f"/goals/{goal.id}/edit", data={"title": "New title", "status": "active", "version": "1"}
    )
    assert response.headers["Location"] == f"/quarters/{quarter.id}#goal-{goal.id}"


def test_a_stale_save_is_a_conflict_that_keeps_both_versions(
    app, alex, sam, quarter, alex_client, sam_client
):
    goal = make_goal(app, quarter, shared_lane(app, alex), notes="first words")
    first = alex_client.post(
        f"/goals/{goal.id}/edit",
        htmx=True,
        data={"title": "Alex's title", "notes": "Alex's words", "status": "active", "version": "1"},
    )
    assert first.status_code == 200
    second = sam_client.post(
        f"/goals/{goal.id}/edit",
        htmx=True,
        data={"title": "Sam's title", "notes": "Sam's words", "status": "active", "version": "1"},
    )
    assert second.status_code == 409
    body = second.get_data(as_text=True)
    assert "Someone saved this goal while you were editing." in body
    assert "Alex&#39;s words" in body  # theirs, shown
    assert "Sam&#39;s words" in body  # mine, kept in the form
    assert 'name="version" type="hidden" value="2"' in body
    assert load(app, Goal, goal.id).title == "Alex's title"
    # Saving again on the version now shown keeps Sam's words, on purpose.
    again = sam_client.post(
        f"/goals/{goal.id}/edit",
        htmx=True,
        data={"title": "Sam's title", "notes": "Sam's words", "status": "active", "version": "2"},
    )
    assert again.status_code == 200
    assert load(app, Goal, goal.id).notes == "Sam's words"


def test_a_partner_edits_shared_goals_but_not_the_others_personal_ones(
    app, alex, sam, quarter, sam_client
):
    personal = make_goal(app, quarter, lane_of(app, alex), title="Alex's own")
    shared = make_goal(app, quarter, shared_lane(app, alex), title="Ours")
    data = {"title": "Changed", "status": "active", "version": "1"}
    assert sam_client.get(f"/goals/{personal.id}/edit").status_code == 403
    assert sam_client.post(f"/goals/{personal.id}/edit", data=data).status_code == 403
    assert sam_client.post(f"/goals/{shared.id}/edit", data=data).status_code == 302
    assert load(app, Goal, personal.id).title == "Alex's own"
    assert load(app, Goal, shared.id).title == "Changed"


def test_private_goals_show_only_a_placeholder_to_the_partner(
    app, alex, sam, quarter, sam_client, alex_client
):
    secret = make_goal(
        app,
        quarter,
        lane_of(app, alex),
        title="Secret title",
        notes="Secret notes",
        is_private=True,
    )
    board = sam_client.get(f"/quarters/{quarter.id}").get_data(as_text=True)
    assert "Secret" not in board
    assert f'<article class="goal goal-hidden" id="goal-{secret.id}">' in board
    assert "Alex" in board and "1 goal" in board  # the lane's load stays honest
    for url in (f"/goals/{secret.id}", f"/goals/{secret.id}/edit", f"/goals/{secret.id}/move"):
        response = sam_client.get(url, htmx=True)
        assert response.status_code == 404
        assert "Secret" not in response.get_data(as_text=True)
    assert sam_client.post(f"/goals/{secret.id}/delete").status_code == 404
    assert "Secret title" in alex_client.get(f"/quarters/{quarter.id}").get_data(as_text=True)


def test_the_board_query_sends_a_partners_private_goal_as_its_place_alone(app, alex, sam, quarter):
    lane = lane_of(app, alex)
    secret = make_goal(app, quarter, lane, title="Secret", notes="Notes", is_private=True)
    draft = make_goal(app, quarter, lane, title="Draft", is_draft=True)
    open_goal = make_goal(app, quarter, lane, title="Open")
    with app.app_context():
        viewer = db.session.get(User, sam.id)
        rows = {
            row.id: row._asdict()
            for row in db.session.execute(board_goals(quarter.id, GOAL_COLUMNS, user=viewer))
        }
    assert set(rows) == {secret.id, open_goal.id}  # a draft is not there at all
    hidden = rows[secret.id]
    assert hidden.pop("is_hidden") is True
    assert {k for k, v in hidden.items() if v is not None} == {
        "id",
        "lane_id",
        "stage_id",
        "position",
    }
    assert rows[open_goal.id]["title"] == "Open" and rows[open_goal.id]["is_hidden"] is False
    assert draft.id not in rows


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/goals/{id}"),
        ("get", "/goals/{id}/edit"),
        ("post", "/goals/{id}/edit"),
        ("get", "/goals/{id}/move"),
        ("post", "/goals/{id}/move"),
        ("post", "/goals/{id}/delete"),
        ("post", "/goals/{id}/restore"),
    ],
)
def test_a_stranger_gets_404_for_every_goal_route(
    app, alex, quarter, stranger_client, method, path
):
    goal = make_goal(app, quarter, shared_lane(app, alex), title="Our secret plan")
    response = getattr(stranger_client, method)(path.format(id=goal.id), htmx=True)
    assert response.status_code == 404
    assert "Our secret plan" not in response.get_data(as_text=True)
    assert load(app, Goal, goal.id).deleted_at is None


def test_anonymous_visitors_are_sent_to_sign_in(app, alex, quarter, client):
    goal = make_goal(app, quarter, shared_lane(app, alex))
    assert client.get(f"/goals/{goal.id}/edit").headers["Location"].startswith("/login")


# -- move ---------------------------------------------------------------------------


def test_move_across_columns_and_lanes_keeps_positions_dense(app, alex, sam, quarter, alex_client):
    lane, shared = lane_of(app, alex), shared_lane(app, alex)
    ideas, doing = stages_of(app, alex)[0], stages_of(app, alex)[2]
    goals = [make_goal(app, quarter, lane, ideas, title=f"G{i}") for i in range(4)]
    response = alex_client.post(
        f"/goals/{goals[1].id}/move",
        htmx=True,
        data={"lane_id": shared.id, "stage_id": doing.id, "position": 0},
    )
    # The request names the goal's item as its target: nothing is retargeted.
    assert "HX-Retarget" not in response.headers
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith(f'<li id="goal-{goals[1].id}-item"')
    assert 'id="loads" data-hx-swap-oob="true"' in body
    # The lanes it left and joined, counted by the server.
    assert f'id="lane-{lane.id}-count" data-hx-swap-oob="true">3 goals<' in body
    assert f'id="lane-{shared.id}-count" data-hx-swap-oob="true">1 goal<' in body
    assert len(body.encode()) < 4096
    moved = json.loads(response.headers["HX-Trigger-After-Settle"])["goal-moved"]
    assert (moved["id"], moved["lane"], moved["stage"], moved["position"]) == (
        goals[1].id,
        shared.id,
        doing.id,
        0,
    )
    alex_client.post(
        f"/goals/{goals[3].id}/move", data={"lane_id": lane.id, "stage_id": ideas.id, "position": 0}
    )
    cells = cell_positions(app, quarter.id)
    assert cells[lane.id, ideas.id] == [(0, goals[3].id), (1, goals[0].id), (2, goals[2].id)]
    assert cells[shared.id, doing.id] == [(0, goals[1].id)]
    moved = load(app, Goal, goals[1].id)
    assert (moved.owner_id, moved.lane_id) == (None, shared.id)


def test_a_move_within_a_lane_answers_without_the_loads(app, alex, quarter, alex_client):
    lane = lane_of(app, alex)
    ideas, doing = stages_of(app, alex)[0], stages_of(app, alex)[2]
    goal = make_goal(app, quarter, lane, ideas)
    response = alex_client.post(
        f"/goals/{goal.id}/move",
        htmx=True,
        data={"lane_id": lane.id, "stage_id": doing.id, "position": 0},
    )
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith(f'<li id="goal-{goal.id}-item"')
    assert 'id="loads"' not in body  # whose goal it is did not change, nor did the loads


def test_a_move_onto_the_partners_lane_is_refused(app, alex, sam, quarter, alex_client):
    goal = make_goal(app, quarter, lane_of(app, alex))
    response = alex_client.post(
        f"/goals/{goal.id}/move",
        htmx=True,
        data={
            "lane_id": lane_of(app, sam).id,
            "stage_id": stages_of(app, alex)[1].id,
            "position": 0,
        },
    )
    assert response.status_code == 403
    assert "own lane or a shared one" in response.get_data(as_text=True)
    assert load(app, Goal, goal.id).lane_id == lane_of(app, alex).id


@pytest.mark.parametrize("flag", ["is_private", "is_draft"])
def test_a_goal_moved_to_a_shared_lane_is_seen_by_all(
    app, alex, sam, quarter, alex_client, sam_client, flag
):
    goal = make_goal(app, quarter, lane_of(app, alex), title="Now ours", **{flag: True})
    alex_client.post(
        f"/goals/{goal.id}/move",
        data={"lane_id": shared_lane(app, alex).id, "stage_id": goal.stage_id, "position": 0},
    )
    moved = load(app, Goal, goal.id)
    assert (moved.is_private, moved.is_draft, moved.owner_id) == (False, False, None)
    assert "Now ours" in sam_client.get(f"/quarters/{quarter.id}").get_data(as_text=True)


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"lane_id": "x", "stage_id": "1", "position": "0"},
        {"lane_id": "1", "stage_id": "1", "position": "-1"},
    ],
)
def test_a_malformed_move_is_refused_without_change(app, alex, quarter, alex_client, data):
    goal = make_goal(app, quarter, lane_of(app, alex))
    before = load(app, Goal, goal.id)
    assert alex_client.post(f"/goals/{goal.id}/move", data=data).status_code == 422
    after = load(app, Goal, goal.id)
    assert (after.lane_id, after.stage_id, after.position) == (
        before.lane_id,
        before.stage_id,
        before.position,
    )


def test_the_move_form_is_the_keyboard_way(app, alex, quarter, alex_client):
    goal = make_goal(app, quarter, lane_of(app, alex))
    form = alex_client.get(f"/goals/{goal.id}/move", htmx=True).get_data(as_text=True)
    assert form.lstrip().startswith(f'<form id="goal-{goal.id}-move"')
    assert re.search(r'<select id="move-\d+-lane" name="lane_id" autofocus ', form)
    assert "Move goal" in alex_client.get(f"/goals/{goal.id}/move").get_data(as_text=True)


def test_the_move_form_offers_the_places_of_the_cell_it_moves_to(
    app, alex, sam, quarter, alex_client
):
    lane, (ideas, doing, *_rest) = lane_of(app, alex), stages_of(app, alex)
    first, second, third = (make_goal(app, quarter, lane, ideas, title=t) for t in "ABC")
    make_goal(app, quarter, lane, doing, title="Doing now")

    def places(url: str) -> list[tuple[int, str, bool]]:
        page = alex_client.get(url, htmx=True).get_data(as_text=True)
        field = page[page.index(f'id="move-{second.id}-place"') :]
        return [
            (int(value), label, bool(chosen))
            for value, chosen, label in PLACE_OPTION.findall(field)
        ]

    assert places(f"/goals/{second.id}/move") == [
        (0, "At the top", False),
        (1, "After “A” (where it is now)", True),
        (2, "After “C”", False),
    ]
    query = f"lane_id={lane.id}&stage_id={doing.id}"
    assert places(f"/goals/{second.id}/move/places?{query}") == [
        (0, "At the top", False),
        (1, "After “Doing now”", True),  # another cell: its bottom
    ]
    # What the form offers is what a move does: "After “C”" puts B last.
    move = {"lane_id": lane.id, "stage_id": ideas.id, "position": 2}
    alex_client.post(f"/goals/{second.id}/move", data=move, htmx=True)
    assert cell_positions(app, quarter.id)[lane.id, ideas.id] == [
        (0, first.id),
        (1, third.id),
        (2, second.id),
    ]


@pytest.mark.parametrize(
    "query",
    ["", "lane_id=x&stage_id=1", "lane_id=2147483648&stage_id=1", "lane_id={sam_lane}&stage_id=1"],
)
def test_places_for_a_cell_that_is_not_the_members_are_refused(
    app, alex, sam, quarter, alex_client, query
):
    goal = make_goal(app, quarter, lane_of(app, alex))
    url = f"/goals/{goal.id}/move/places?" + query.format(sam_lane=lane_of(app, sam).id)
    answer = alex_client.get(url, htmx=True)
    assert answer.status_code in (403, 404)
    assert "At the top" not in answer.get_data(as_text=True)


# -- delete and undo ----------------------------------------------------------------


def test_delete_is_soft_and_can_be_undone(app, alex, quarter, alex_client):
    lane, stage = lane_of(app, alex), stages_of(app, alex)[0]
    first, second = (make_goal(app, quarter, lane, stage, title=t) for t in ("First", "Second"))
    response = alex_client.post(f"/goals/{first.id}/delete", htmx=True)
    body = response.get_data(as_text=True)
    assert "Deleted “First”." in body
    assert f'data-hx-post="/goals/{first.id}/restore"' in body
    assert "First" not in body.split('id="flashes"')[0]
    assert load(app, Goal, first.id).deleted_at is not None
    assert cell_positions(app, quarter.id)[lane.id, stage.id] == [(0, second.id)]
    alex_client.post(f"/goals/{first.id}/restore", htmx=True)
    assert cell_positions(app, quarter.id)[lane.id, stage.id] == [(0, second.id), (1, first.id)]
    assert load(app, Goal, first.id).deleted_at is None


def test_a_partner_cannot_delete_the_others_personal_goal(app, alex, sam, quarter, sam_client):
    goal = make_goal(app, quarter, lane_of(app, alex))
    assert sam_client.post(f"/goals/{goal.id}/delete").status_code == 403
    assert load(app, Goal, goal.id).deleted_at is None


def test_a_move_within_its_lane_sends_no_counts(app, alex, quarter, alex_client):
    lane = lane_of(app, alex)
    ideas, doing = stages_of(app, alex)[0], stages_of(app, alex)[2]
    goal = make_goal(app, quarter, lane, ideas)
    response = alex_client.post(
        f"/goals/{goal.id}/move",
        htmx=True,
        data={"lane_id": lane.id, "stage_id": doing.id, "position": 0},
    )
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith(f'<li id="goal-{goal.id}-item"')
    assert "lane-count" not in body and 'id="loads"' not in body


# -- one tap: done from the card ------------------------------------------------------


def mark_done(client, goal_id: int, version, htmx=True):
    return client.post(f"/goals/{goal_id}/mark-done", data={"version": version}, htmx=htmx)


def undo_form(body: str) -> tuple[str, dict]:
    """The Undo form of the message an answer carries: its action and fields."""
    flashes = body.split('id="flashes"')[1]
    found = re.search(r'<form method="post" action="([^"]+)"[^>]*>(.*?)</form>', flashes, re.S)
    return found.group(1), dict(re.findall(r'name="(\w+)" value="([^"]*)"', found.group(2)))


def test_every_card_the_member_may_change_has_a_done_button_that_posts_its_version(
    app, alex, quarter, alex_client
):
    lane, stages = lane_of(app, alex), stages_of(app, alex)
    goal = make_goal(app, quarter, lane, stages[1], title="Climb")
    finished = make_goal(app, quarter, lane, stages[3], title="Swim", status="done")
    body = alex_client.get(f"/quarters/{quarter.id}").get_data(as_text=True)
    card = body.split(f'id="goal-{goal.id}"')[1].split("</article>")[0]
    version = load(app, Goal, goal.id).version
    assert f'formaction="/goals/{goal.id}/mark-done"' in card
    assert f'name="version" value="{version}"' in card
    assert f'data-hx-post="/goals/{goal.id}/mark-done"' in card
    assert f'data-hx-target="#goal-{goal.id}-item"' in card
    # The cards are drawn once for every viewer: no login session's token in them, the
    # board's one form holds it.
    assert "csrf_token" not in card and 'id="board-writes"' in body
    done_card = body.split(f'id="goal-{finished.id}"')[1].split("</article>")[0]
    assert "mark-done" not in done_card


def test_one_tap_marks_a_goal_done_in_the_done_column_with_an_undo(app, alex, quarter, alex_client):
    lane, stages = lane_of(app, alex), stages_of(app, alex)
    goal = make_goal(app, quarter, lane, stages[1], title="Climb", status="paused")
    response = mark_done(alex_client, goal.id, load(app, Goal, goal.id).version)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith(f'<li id="goal-{goal.id}-item"')
    moved = json.loads(response.headers["HX-Trigger-After-Settle"])["goal-moved"]
    assert (moved["id"], moved["lane"], moved["stage"]) == (goal.id, lane.id, stages[3].id)
    assert 'id="loads"' in body and "data-hx-swap-oob" in body  # the loads follow
    assert "“Climb” is done." in body and "data-celebrate" in body
    saved = load(app, Goal, goal.id)
    assert (saved.status, saved.stage_id) == ("done", stages[3].id)

    action, fields = undo_form(body)
    assert action == f"/goals/{goal.id}/move"
    assert fields["stage_id"] == str(stages[1].id) and fields["status"] == "paused"
    assert alex_client.post(action, data=fields, htmx=True).status_code == 200
    back = load(app, Goal, goal.id)
    assert (back.status, back.stage_id, back.lane_id) == ("paused", stages[1].id, lane.id)


def test_one_tap_on_a_stale_card_is_a_conflict_and_changes_nothing(
    app, alex, sam, quarter, alex_client, sam_client
):
    lane, stages = shared_lane(app, alex), stages_of(app, alex)
    goal = make_goal(app, quarter, lane, stages[1], title="Paint the hallway")
    drawn = load(app, Goal, goal.id).version
    edit = {"title": "Paint the hall blue", "status": "active", "version": drawn}
    assert sam_client.post(f"/goals/{goal.id}/edit", data=edit).status_code == 302
    response = mark_done(alex_client, goal.id, drawn)
    assert response.status_code == 409
    body = response.get_data(as_text=True)
    assert "Paint the hall blue" in body  # the card as it is now
    assert "nothing was marked done" in body
    assert load(app, Goal, goal.id).status == "active"
    # Without JavaScript: back to the board, with the same message.
    response = mark_done(alex_client, goal.id, drawn, htmx=False)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/quarters/{quarter.id}#goal-{goal.id}"
    assert load(app, Goal, goal.id).status == "active"


def test_one_tap_twice_is_done_once(app, alex, quarter, alex_client):
    goal = make_goal(app, quarter, lane_of(app, alex), stages_of(app, alex)[1])
    version = load(app, Goal, goal.id).version
    assert mark_done(alex_client, goal.id, version).status_code == 200
    again = mark_done(alex_client, goal.id, version)  # a double tap: not a conflict
    assert again.status_code == 200 and "is done." not in again.get_data(as_text=True)
    with app.app_context():
        kinds = db.select(GoalEvent.kind).where(GoalEvent.goal_id == goal.id)
        assert db.session.scalars(kinds).all().count("done") == 1


def test_one_tap_without_javascript_redirects_to_the_goal_on_the_board(
    app, alex, quarter, alex_client
):
    goal = make_goal(app, quarter, lane_of(app, alex), stages_of(app, alex)[1])
    response = mark_done(alex_client, goal.id, load(app, Goal, goal.id).version, htmx=False)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/quarters/{quarter.id}#goal-{goal.id}"
    board = alex_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "is done." in board and ">Undo</button>" in board


@pytest.mark.parametrize("version", ["", "abc", "99999999999", "-1"])
def test_one_tap_with_a_broken_version_is_refused(app, alex, quarter, alex_client, version):
    goal = make_goal(app, quarter, lane_of(app, alex), stages_of(app, alex)[1])
    assert mark_done(alex_client, goal.id, version).status_code == 422
    assert load(app, Goal, goal.id).status == "active"


def test_the_partner_cannot_tap_done_on_a_personal_goal(app, alex, sam, quarter, sam_client):
    goal = make_goal(app, quarter, lane_of(app, alex), stages_of(app, alex)[1])
    assert mark_done(sam_client, goal.id, load(app, Goal, goal.id).version).status_code == 403
    assert load(app, Goal, goal.id).status == "active"


# -- the board on a phone: one column at a time -------------------------------------------


def test_the_board_opens_on_the_first_column_that_holds_a_goal(app, alex, quarter, alex_client):
    stages = stages_of(app, alex)
    make_goal(app, quarter, shared_lane(app, alex), stages[2], title="Later")
    body = alex_client.get(f"/quarters/{quarter.id}").get_data(as_text=True)
    assert re.findall(r'class="cell is-current" id="cell-\d+-(\d+)"', body) == [
        str(stages[2].id)
    ] * len(re.findall(r'<section class="lane ', body))
    pressed = re.findall(r'value="(\d+)" class="stage-choice"[^>]*aria-pressed="true"', body)
    assert pressed == [str(stages[2].id)]
    # Without JavaScript each button asks for ?stage=; the answer shows that column.
    asked = alex_client.get(f"/quarters/{quarter.id}?stage={stages[0].id}").get_data(as_text=True)
    assert set(re.findall(r'class="cell is-current" id="cell-\d+-(\d+)"', asked)) == {
        str(stages[0].id)
    }
    assert 'aria-label="Column shown"' in asked and 'method="get"' in asked


def test_an_empty_board_opens_on_its_first_column_and_a_strange_stage_is_ignored(
    app, alex, quarter, alex_client
):
    first = stages_of(app, alex)[0]
    for query in ("", "?stage=999999", "?stage=abc"):
        body = alex_client.get(f"/quarters/{quarter.id}{query}").get_data(as_text=True)
        assert set(re.findall(r'class="cell is-current" id="cell-\d+-(\d+)"', body)) == {
            str(first.id)
        }


def test_the_column_headings_are_real_headings_and_each_cell_keeps_its_own(
    app, alex, quarter, alex_client
):
    body = alex_client.get(f"/quarters/{quarter.id}").get_data(as_text=True)
    assert 'aria-hidden="true"' not in body.split('class="stage-headings"')[1].split("</div>")[0]
    names = [stage.name for stage in stages_of(app, alex)]
    assert re.findall(r'<h2 class="stage-heading"[^>]*>([^<]+)</h2>', body) == names
    assert re.findall(r'<h3 class="cell-title">([^<]+)</h3>', body)[: len(names)] == names
