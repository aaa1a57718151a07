"""Sessions that end on the server, leaving a partnership, and deleting an account."""

from factories import (
    PASSWORD,
    allocate,
    lane_of,
    load,
    logged_in,
    make_contract,
    make_goal,
    make_milestones,
    make_quarter,
    shared_lane,
    win_of,
)
from sqlalchemy import select

from goalmap.extensions import db
from goalmap.models import (
    Allocation,
    Contract,
    Goal,
    GoalComment,
    Lane,
    Milestone,
    Partnership,
    Quarter,
    User,
    UserSession,
    Win,
)


def cookie(client) -> str:
    return client.get_cookie("session").value


def test_a_replayed_cookie_after_sign_out_is_refused(app, alex, alex_client):
    stolen = cookie(alex_client)
    alex_client.post("/logout")
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    assert thief.get("/settings").headers["Location"].startswith("/login")


def test_every_sign_in_is_a_new_server_session(app, alex):
    first, second = logged_in(app, alex), logged_in(app, alex)
    assert cookie(first) != cookie(second)
    with app.app_context():
        rows = db.session.scalars(select(UserSession)).all()
        assert len(rows) == 2 and len({r.token_hash for r in rows}) == 2
    first.post("/logout")
    assert second.get("/settings").status_code == 200  # only that browser signed out


def test_a_password_change_ends_every_other_session(app, alex, alex_client):
    other = logged_in(app, alex)
    stolen = cookie(other)
    alex_client.post(
        "/account/password",
        data={
            "current": PASSWORD,
            "password": "another long password",
            "confirm": "another long password",
        },
    )
    replay = app.test_client()
    replay.set_cookie("session", stolen)
    assert replay.get("/settings").status_code == 302
    assert alex_client.get("/settings").status_code == 200


def test_leaving_takes_personal_goals_and_leaves_shared_ones(
    app, alex, sam, quarter, alex_client, sam_client
):
    mine = make_goal(app, quarter, lane_of(app, sam), title="Write a novel")
    secret = make_goal(app, quarter, lane_of(app, sam), title="Secret diary", is_private=True)
    shared = make_goal(app, quarter, shared_lane(app, alex), title="Our trip")
    alexs = make_goal(app, quarter, lane_of(app, alex), title="Morning run")
    allocate(app, mine, sam, hours="3")
    allocate(app, shared, sam, hours="1")
    page = sam_client.get("/settings/leave").get_data(as_text=True)
    assert "You take with you" in page and "What stays" in page
    wrong = sam_client.post("/settings/leave", data={"password": "nope", "understood": "y"})
    assert wrong.status_code == 422
    unticked = sam_client.post("/settings/leave", data={"password": PASSWORD})
    assert "Tick this to confirm." in unticked.get_data(as_text=True)
    assert (
        sam_client.post("/settings/leave", data={"password": PASSWORD, "understood": "y"}).headers[
            "Location"
        ]
        == "/"
    )

    new_id = load(app, User, sam.id).partnership_id
    assert new_id != alex.partnership_id
    for goal in (mine, secret):
        moved = load(app, Goal, goal.id)
        assert moved.partnership_id == new_id
        assert load(app, Quarter, moved.quarter_id).name == quarter.name
        assert load(app, Lane, moved.lane_id).owner_id == sam.id
    assert load(app, Goal, shared.id).partnership_id == alex.partnership_id
    assert load(app, Goal, alexs.id).partnership_id == alex.partnership_id
    with app.app_context():
        notes = {a.goal_id: a.partnership_id for a in db.session.scalars(select(Allocation))}
        assert notes == {mine.id: new_id, shared.id: alex.partnership_id}
        assert [
            m.display_name for m in db.session.get(Partnership, alex.partnership_id).members
        ] == ["Alex"]
    alex_board = alex_client.get(f"/quarters/{quarter.id}").get_data(as_text=True)
    assert "Our trip" in alex_board and "Write a novel" not in alex_board
    assert "Private goal" not in alex_board
    sam_home = sam_client.get(sam_client.get("/").headers["Location"]).get_data(as_text=True)
    assert (
        "Secret diary" in sam_home and "Our trip" not in sam_home and "Morning run" not in sam_home
    )


def test_the_only_member_cannot_leave(app, alex, alex_client):
    response = alex_client.post(
        "/settings/leave", data={"password": PASSWORD, "understood": "y"}, follow_redirects=True
    )
    assert "You are the only member" in response.get_data(as_text=True)


def test_deleting_an_account_keeps_the_shared_history(
    app, alex, sam, quarter, sam_client, alex_client
):
    shared = make_goal(app, quarter, shared_lane(app, alex), title="Our trip")
    personal = make_goal(app, quarter, lane_of(app, sam), title="Learn Spanish")
    with app.app_context():
        db.session.add(
            GoalComment(
                partnership_id=quarter.partnership_id,
                goal_id=shared.id,
                author_id=sam.id,
                body="Yes!",
            )
        )
        db.session.commit()
    page = sam_client.get("/account/delete").get_data(as_text=True)
    assert "cannot be undone" in page and "Download everything first" in page
    assert (
        sam_client.post("/account/delete", data={"password": PASSWORD, "understood": "y"}).headers[
            "Location"
        ]
        == "/register"
    )
    assert load(app, User, sam.id) is None
    assert load(app, Goal, personal.id) is None
    assert load(app, Goal, shared.id).title == "Our trip"
    with app.app_context():
        assert db.session.scalar(select(GoalComment.author_id)) is None
    assert "Our trip" in alex_client.get(f"/quarters/{quarter.id}").get_data(as_text=True)
    assert app.test_client().login(sam.email).status_code == 422


def test_the_last_member_deleting_their_account_deletes_the_partnership(app, alex, alex_client):
    quarter = make_quarter(app, alex)
    make_goal(app, quarter, shared_lane(app, alex))
    alex_client.post("/account/delete", data={"password": PASSWORD, "understood": "y"})
    with app.app_context():
        for model in (User, Partnership, Quarter, Goal, Lane):
            assert db.session.scalar(select(db.func.count()).select_from(model)) == 0, model


def test_leaving_takes_a_goals_checklist_wins_and_contract_along(
    app, alex, sam, quarter, sam_client
):
    goal = make_goal(app, quarter, lane_of(app, sam), title="Write a novel")
    steps = make_milestones(app, goal, sam, ("Outline", "Draft"), ticked=("Outline",))
    contract, _check_in = make_contract(app, goal, witness=alex, check_in=True)
    sam_client.post("/settings/leave", data={"password": PASSWORD, "understood": "y"})
    new_id = load(app, User, sam.id).partnership_id
    moved_quarter = load(app, Goal, goal.id).quarter_id
    for model, ident in ((Milestone, steps["Outline"]), (Contract, contract)):
        assert load(app, model, ident).partnership_id == new_id
    win = load(app, Win, win_of(app, steps["Outline"]))
    assert (win.partnership_id, win.quarter_id) == (new_id, moved_quarter)
    story = sam_client.get(f"/goals/{goal.id}/story").get_data(as_text=True)
    assert "Outline" in story and "Draft" in story and "Contract (active)" in story
    assert "Outline" in sam_client.get("/wins").get_data(as_text=True)
