"""Wins: one per completion, celebrated once for each partner, and a wall where personal
and shared wins weigh the same."""

import re
from datetime import date

from factories import (
    lane_of,
    load,
    make_contract,
    make_goal,
    make_quarter,
    plan_next,
    shared_lane,
    stages_of,
)
from sqlalchemy import func, select

from goalmap.extensions import db
from goalmap.models import Appreciation, Contract, Goal, Win, WinReaction


def wins_of(app, **where) -> list[Win]:
    with app.app_context():
        stmt = select(Win).filter_by(**where).order_by(Win.created_at)
        rows = db.session.scalars(stmt).all()
        db.session.expunge_all()
        return rows


def cards(body: str) -> list[str]:
    return re.findall(r'<article class="win .*?</article>', body, re.S)


def done(client, goal, htmx=True):
    return client.post(f"/goals/{goal.id}/done", htmx=htmx)


def test_a_goal_done_is_one_win_through_every_way_of_marking_it(app, alex, quarter, alex_client):
    lane, stages = lane_of(app, alex), stages_of(app, alex)
    goal = make_goal(app, quarter, lane, stages[1], title="Run a 10k")
    assert done(alex_client, goal).status_code == 200
    assert done(alex_client, goal).status_code == 200  # a double submit
    # Moving it out and back into the done column, or an edit, brings back the same win.
    alex_client.post(
        f"/goals/{goal.id}/move",
        data={"lane_id": lane.id, "stage_id": stages[1].id, "position": 0},
        htmx=True,
    )
    assert [w.withdrawn_at is not None for w in wins_of(app, subject_id=goal.id)] == [True]
    alex_client.post(
        f"/goals/{goal.id}/move",
        data={"lane_id": lane.id, "stage_id": stages[3].id, "position": 0},
        htmx=True,
    )
    rows = wins_of(app, subject_id=goal.id)
    assert len(rows) == 1 and rows[0].withdrawn_at is None and rows[0].kind == "goal"
    assert rows[0].owner_id == alex.id and rows[0].user_id == alex.id


def test_one_tap_on_the_card_is_the_same_single_win(app, alex, quarter, alex_client):
    """Done by the card's button: one win, a double tap adds none, its undo withdraws it
    and a second tap brings the same one back, as every other way of marking it done."""
    goal = make_goal(app, quarter, lane_of(app, alex), stages_of(app, alex)[1], title="Row")

    def tap():
        version = load(app, Goal, goal.id).version
        return alex_client.post(f"/goals/{goal.id}/mark-done", data={"version": version}, htmx=True)

    body = tap().get_data(as_text=True)
    assert body.count("data-celebrate") == 1  # the celebration plays once, for the tap
    assert tap().get_data(as_text=True).count("data-celebrate") == 0  # the double tap
    assert done(alex_client, goal).status_code == 200  # the story's button: still one win
    rows = wins_of(app, subject_id=goal.id)
    assert len(rows) == 1 and rows[0].withdrawn_at is None and rows[0].kind == "goal"

    undo = re.search(r'<form method="post" action="([^"]+)"[^>]*>(.*?)</form>', body, re.S)
    fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', undo.group(2)))
    alex_client.post(undo.group(1), data=fields, htmx=True)
    assert load(app, Goal, goal.id).status == "active"
    assert [w.withdrawn_at is not None for w in wins_of(app, subject_id=goal.id)] == [True]
    assert tap().status_code == 200
    again = wins_of(app, subject_id=goal.id)
    assert len(again) == 1 and again[0].withdrawn_at is None and again[0].id == rows[0].id


def test_the_undo_of_done_withdraws_the_win(app, alex, quarter, alex_client):
    goal = make_goal(app, quarter, lane_of(app, alex), stages_of(app, alex)[1])
    body = done(alex_client, goal).get_data(as_text=True)
    undo = re.search(
        r'<form method="post" action="([^"]+)"[^>]*>(.*?)</form>',
        body.split('id="flashes"')[1],
        re.S,
    )
    fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', undo.group(2)))
    alex_client.post(undo.group(1), data=fields, htmx=True)
    assert load(app, Goal, goal.id).status == "active"
    assert wins_of(app, subject_id=goal.id)[0].withdrawn_at is not None
    assert alex_client.get("/wins").get_data(as_text=True).count('class="win ') == 0


def test_a_completed_contract_is_a_win(app, alex, sam, quarter, alex_client):
    goal = make_goal(app, quarter, lane_of(app, alex), title="Write every day")
    contract_id, _check_in = make_contract(app, goal, witness=sam)
    contract = load(app, Contract, contract_id)
    response = alex_client.post(
        f"/contracts/{contract.id}/complete", data={"seen": contract.version}
    )
    assert response.status_code == 302
    page = alex_client.get(response.location).get_data(as_text=True)
    assert "data-celebrate" in page
    (win,) = wins_of(app, kind="contract")
    assert win.subject_id == contract.id and win.goal_id == goal.id


def test_the_partner_celebrates_once_on_their_next_board(
    app, alex, sam, quarter, alex_client, sam_client
):
    goal = make_goal(
        app, quarter, shared_lane(app, alex), stages_of(app, alex)[1], title="Paint the hall"
    )
    done(alex_client, goal)
    board_url = f"/quarters/{quarter.id}"
    # The one who did it had the celebration already.
    assert 'id="celebrations"' not in alex_client.get(board_url).get_data(as_text=True)
    first = sam_client.get(board_url).get_data(as_text=True)
    assert 'id="celebrations"' in first and "“Paint the hall”" in first
    win = wins_of(app, subject_id=goal.id)[0]
    seen = re.search(
        r'<form method="post" action="([^"]+)" data-hx-post="[^"]+" data-hx-trigger="load"', first
    )
    assert (
        sam_client.post(
            seen.group(1).replace("&amp;", "&"), data={"wins": str(win.id)}, htmx=True
        ).status_code
        == 204
    )
    assert 'id="celebrations"' not in sam_client.get(board_url).get_data(as_text=True)


def test_a_private_win_stays_with_its_owner_unless_shared_and_then_says_nothing(
    app, alex, sam, quarter, alex_client, sam_client
):
    goal = make_goal(
        app,
        quarter,
        lane_of(app, alex),
        stages_of(app, alex)[1],
        title="Quit smoking",
        is_private=True,
    )
    done(alex_client, goal)
    win = wins_of(app, subject_id=goal.id)[0]
    board_url = f"/quarters/{quarter.id}"
    for page in (sam_client.get("/wins"), sam_client.get(board_url)):
        body = page.get_data(as_text=True)
        assert "Quit smoking" not in body and 'id="celebrations"' not in body
    assert cards(sam_client.get("/wins").get_data(as_text=True)) == []
    assert sam_client.get(f"/wins/{win.id}", htmx=True).status_code == 404
    assert sam_client.post(f"/wins/{win.id}/share", data={"shared": "1"}).status_code == 404
    # Its owner shares it: the partner sees a private win, never what.
    assert (
        alex_client.post(f"/wins/{win.id}/share", data={"shared": "1"}, htmx=True).status_code
        == 200
    )
    wall = sam_client.get("/wins").get_data(as_text=True)
    (card,) = cards(wall)
    assert "A private win" in card and "Quit smoking" not in wall
    celebration = sam_client.get(board_url).get_data(as_text=True)
    assert "had a private win" in celebration and "Quit smoking" not in celebration
    # Sam may appreciate it; only Alex may stop sharing it.
    response = sam_client.post(
        f"/wins/{win.id}/appreciations", data={"body": "Proud of you"}, htmx=True
    )
    assert response.status_code == 200 and "Proud of you" in response.get_data(as_text=True)
    assert sam_client.post(f"/wins/{win.id}/share", data={"shared": "0"}).status_code == 403


def test_personal_and_shared_wins_get_the_same_markup(app, alex, sam, quarter, alex_client):
    personal = make_goal(
        app, quarter, lane_of(app, alex), stages_of(app, alex)[1], title="Solo hike"
    )
    shared = make_goal(
        app, quarter, shared_lane(app, alex), stages_of(app, alex)[1], title="Trip to Rome"
    )
    done(alex_client, personal)
    done(alex_client, shared)
    wall = alex_client.get("/wins").get_data(as_text=True)
    first, second = cards(wall)  # newest first: the shared one
    assert "Trip to Rome" in first and "Solo hike" in second

    def shape(card: str) -> str:
        card = re.sub(r"colour-[0-9a-f]{6}|colour-shared", "colour-X", card)
        card = re.sub(r"\d+", "N", card)
        for words in ("Solo hike", "Trip to Rome", alex.display_name, "Together"):
            card = card.replace(words, "W")
        return card

    assert shape(first) == shape(second)


def test_the_wall_filters_and_counts(app, alex, sam, quarter, alex_client, sam_client):
    later = make_quarter(
        app, alex, name="2027 Q2", starts_on=date(2027, 4, 1), ends_on=date(2027, 6, 30)
    )
    stage = stages_of(app, alex)[1]
    done(alex_client, make_goal(app, quarter, lane_of(app, alex), stage, title="A1"))
    done(sam_client, make_goal(app, quarter, lane_of(app, sam), stage, title="S1"))
    done(sam_client, make_goal(app, later, lane_of(app, sam), stage, title="S2"))
    done(alex_client, make_goal(app, later, shared_lane(app, alex), stage, title="T1"))

    def titles(query=""):
        body = alex_client.get("/wins" + query).get_data(as_text=True)
        return [re.search(r'class="win-title"[^>]*>([^<]+)<', c).group(1) for c in cards(body)]

    assert titles() == ["T1", "S2", "S1", "A1"]
    assert titles(f"?quarter={quarter.id}") == ["S1", "A1"]
    assert titles(f"?partner={sam.id}") == ["S2", "S1"]
    assert titles("?partner=shared") == ["T1"]
    assert titles("?kind=contract") == []
    assert titles("?quarter=nonsense&partner=%00&kind=x") == ["T1", "S2", "S1", "A1"]
    table = alex_client.get("/wins").get_data(as_text=True).split("<tbody>")[1].split("</tbody>")[0]
    rows = re.findall(r"<tr><th scope=\"row\">([^<]+)</th>(.*?)</tr>", table)
    counts = {name: re.findall(r"<td>(\d+)</td>", cells) for name, cells in rows}
    assert counts == {"2027 Q2": ["0", "1", "1"], "2027 Q1": ["1", "1", "0"]}


def test_reactions_turn_on_and_off_once_and_appreciation_is_for_the_partner(
    app, alex, sam, quarter, alex_client, sam_client
):
    goal = make_goal(app, quarter, lane_of(app, alex), stages_of(app, alex)[1])
    done(alex_client, goal)
    win = wins_of(app, subject_id=goal.id)[0]
    for _ in range(2):
        sam_client.post(
            f"/wins/{win.id}/reactions", data={"reaction": "proud", "on": "1"}, htmx=True
        )
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(WinReaction)) == 1
    body = sam_client.post(
        f"/wins/{win.id}/reactions", data={"reaction": "proud", "on": "0"}, htmx=True
    )
    assert 'aria-pressed="true"' not in body.get_data(as_text=True)
    assert (
        sam_client.post(
            f"/wins/{win.id}/reactions", data={"reaction": "boo", "on": "1"}
        ).status_code
        == 422
    )
    empty = sam_client.post(f"/wins/{win.id}/appreciations", data={"body": "  "}, htmx=True)
    assert empty.status_code == 422 and "Write a few words first." in empty.get_data(as_text=True)
    assert (
        alex_client.post(f"/wins/{win.id}/appreciations", data={"body": "Me!"}).status_code == 403
    )
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Appreciation)) == 0


def test_the_look_back_starts_from_the_quarters_wins(app, alex, sam, quarter, alex_client):
    goal = make_goal(app, quarter, shared_lane(app, alex), stages_of(app, alex)[1], title="Garden")
    done(alex_client, goal)
    with app.app_context():
        db.session.get(type(quarter), quarter.id).state = "active"
        db.session.commit()
    next_id = plan_next(alex_client, load(app, type(quarter), quarter.id))
    look_back = alex_client.get(f"/quarters/{next_id}/session/look-back").get_data(as_text=True)
    step = look_back.split("1. Look back")[1]
    first_heading = re.search(r"<h3[^>]*>([^<]+)</h3>", step).group(1)
    assert first_heading == f"Celebrate first: 1 win in {quarter.name}"
    (card,) = cards(step)
    assert "Garden" in card


def test_the_balance_page_says_when_one_sides_wins_are_missing(
    app, alex, sam, quarter, alex_client, sam_client
):
    later = make_quarter(
        app, alex, name="2027 Q2", starts_on=date(2027, 4, 1), ends_on=date(2027, 6, 30)
    )
    stage = stages_of(app, alex)[1]
    for q in (quarter, later):
        done(alex_client, make_goal(app, q, shared_lane(app, alex), stage, title=f"Ours {q.name}"))
        done(alex_client, make_goal(app, q, lane_of(app, alex), stage, title=f"Alex {q.name}"))
    page = alex_client.get(f"/quarters/{later.id}/balance").get_data(as_text=True)
    assert f"No personal win for {sam.display_name} in two quarters" in page
    assert f"No personal win for {alex.display_name}" not in page
    assert "2 shared wins in 2027 Q1 and 2027 Q2" in page
    # One personal win of Sam's, even a private one, and the signal is gone.
    done(alex_client, make_goal(app, later, shared_lane(app, alex), stage))  # noise
    sams = make_goal(app, later, lane_of(app, sam), stage, title="Quietly", is_private=True)
    done(sam_client, sams)
    page = alex_client.get(f"/quarters/{later.id}/balance").get_data(as_text=True)
    assert "No personal win" not in page and "Quietly" not in page
    # The first quarter alone is not two quarters: no signal on its page.
    assert "No personal win" not in alex_client.get(f"/quarters/{quarter.id}/balance").get_data(
        as_text=True
    )
