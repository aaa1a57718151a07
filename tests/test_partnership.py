import re
from datetime import timedelta

import pytest
from factories import PASSWORD, load, logged_in, make_quarter, make_user
from sqlalchemy import select

from goalmap.extensions import db
from goalmap.models import Invite, Lane, Partnership, Stage, User
from goalmap.models.base import utcnow

LANE_TITLES = re.compile(r'class="lane-title" id="lane-\d+-title">(\w+)')
LINK = re.compile(r'id="invite-url">http://localhost/join/([A-Za-z0-9_\-]+)<')
NEWCOMER = {
    "display_name": "Sam",
    "email": "sam@example.com",
    "password": "a long enough password",
    "confirm": "a long enough password",
}


def create_invite(client) -> str:
    response = client.post("/invites")
    assert response.status_code == 200
    return LINK.search(response.get_data(as_text=True)).group(1)


def members_of(app, partnership_id: int) -> list[str]:
    with app.app_context():
        return [m.display_name for m in db.session.get(Partnership, partnership_id).members]


def test_invite_link_is_shown_once_and_stored_only_as_a_hash(app, alex_client):
    token = create_invite(alex_client)
    assert len(token) >= 43  # 32 random bytes, url-safe base64
    with app.app_context():
        invite = db.session.scalar(select(Invite))
        assert token not in invite.token_hash
        assert invite.expires_at - invite.created_at == timedelta(days=7)
    assert token not in alex_client.get("/settings").get_data(as_text=True)


def test_a_newcomer_signs_up_through_the_invite_and_joins(app, alex, alex_client, client):
    token = create_invite(alex_client)
    page = client.get(f"/join/{token}")
    assert page.status_code == 200
    assert "Alex invited you" in page.get_data(as_text=True)
    response = client.post(f"/join/{token}", data=NEWCOMER)
    assert response.headers["Location"] == "/"
    assert members_of(app, alex.partnership_id) == ["Alex", "Sam"]
    # Signed in as Sam, who now has a personal lane on Alex's board, after Alex's.
    make_quarter(app, alex)
    board = client.get(client.get("/").headers["Location"]).get_data(as_text=True)
    assert LANE_TITLES.findall(board) == ["Alex", "Sam", "Together"]
    # The link is used up.
    assert client.get(f"/join/{token}").status_code == 410


def test_a_newcomer_with_bad_input_sees_the_errors_and_the_invite_stays_open(
    app, alex_client, client
):
    token = create_invite(alex_client)
    response = client.post(f"/join/{token}", data={**NEWCOMER, "confirm": "different"})
    assert response.status_code == 422
    assert "The passwords differ." in response.get_data(as_text=True)
    assert client.get(f"/join/{token}").status_code == 200


def test_a_signed_in_member_alone_in_an_empty_partnership_can_join(app, alex, alex_client):
    robin = make_user(app, "Robin")
    robin_client = logged_in(app, robin)
    token = create_invite(alex_client)
    assert robin_client.post(f"/join/{token}").headers["Location"] == "/"
    assert members_of(app, alex.partnership_id) == ["Alex", "Robin"]
    assert load(app, Partnership, robin.partnership_id) is None  # the empty one is gone
    with app.app_context():
        assert db.session.scalar(select(User.colour).where(User.id == robin.id)) != alex.colour


def test_a_member_with_plans_of_their_own_is_not_moved(app, alex, alex_client):
    robin = make_user(app, "Robin")
    make_quarter(app, robin)
    token = create_invite(alex_client)
    response = logged_in(app, robin).post(f"/join/{token}", follow_redirects=True)
    assert "already has quarters of its own" in response.get_data(as_text=True)
    assert load(app, User, robin.id).partnership_id == robin.partnership_id


def test_a_member_cannot_join_twice_or_be_in_two_partnerships(
    app, alex, sam, alex_client, sam_client
):
    token = create_invite(alex_client)
    response = sam_client.post(f"/join/{token}", follow_redirects=True)
    assert "already a member" in response.get_data(as_text=True)
    robin = make_user(app, "Robin")
    other = create_invite(logged_in(app, robin))
    response = sam_client.post(f"/join/{other}", follow_redirects=True)
    assert "already share a partnership" in response.get_data(as_text=True)
    assert members_of(app, alex.partnership_id) == ["Alex", "Sam"]


def test_three_members_each_get_a_lane(app, alex, sam, alex_client):
    token = create_invite(alex_client)
    app.test_client().post(
        f"/join/{token}", data={**NEWCOMER, "email": "kai@example.com", "display_name": "Kai"}
    )
    with app.app_context():
        lanes = db.session.scalars(
            select(Lane).where(Lane.partnership_id == alex.partnership_id).order_by(Lane.position)
        ).all()
        assert [lane.title for lane in lanes] == ["Alex", "Sam", "Kai", "Together"]
        assert len({lane.owner.colour for lane in lanes if lane.owner}) == 3


@pytest.mark.parametrize("spoil", ["revoked_at", "used_at", "expires_at"])
def test_revoked_used_and_expired_invites_do_not_work(app, alex_client, client, spoil):
    token = create_invite(alex_client)
    with app.app_context():
        invite = db.session.scalar(select(Invite))
        setattr(invite, spoil, utcnow() - timedelta(seconds=1))
        db.session.commit()
    assert client.get(f"/join/{token}").status_code == 410
    assert client.post(f"/join/{token}", data=NEWCOMER).status_code == 410
    assert client.get("/join/not-a-real-token").status_code == 410


def test_revoking_through_settings(app, alex_client, client):
    token = create_invite(alex_client)
    with app.app_context():
        invite_id = db.session.scalar(select(Invite.id))
    assert alex_client.post(f"/invites/{invite_id}/revoke").headers["Location"] == "/settings"
    assert client.get(f"/join/{token}").status_code == 410


def test_a_stranger_cannot_revoke_or_see_invites(app, alex_client, stranger_client):
    create_invite(alex_client)
    with app.app_context():
        invite_id = db.session.scalar(select(Invite.id))
    assert stranger_client.post(f"/invites/{invite_id}/revoke").status_code == 404
    assert load(app, Invite, invite_id).revoked_at is None
    assert "Created" not in stranger_client.get("/settings").get_data(as_text=True)


def test_lanes_can_be_added_renamed_and_reordered(app, alex, sam_client):
    assert sam_client.post("/lanes", data={"lane-name": "Home"}).status_code == 302
    with app.app_context():
        home = db.session.scalar(select(Lane).where(Lane.name == "Home"))
        assert home.position == 3
        home_id = home.id
    sam_client.post(f"/lanes/{home_id}", data={f"lane-{home_id}-name": "Our home"})
    sam_client.post(f"/lanes/{home_id}/order", data={"direction": "up"})
    with app.app_context():
        lanes = db.session.scalars(
            select(Lane).where(Lane.partnership_id == alex.partnership_id).order_by(Lane.position)
        ).all()
        assert [lane.title for lane in lanes] == ["Alex", "Sam", "Our home", "Together"]
        assert [lane.position for lane in lanes] == [0, 1, 2, 3]


def test_lane_and_stage_names_are_validated(app, alex_client):
    response = alex_client.post("/lanes", data={"lane-name": "   "})
    assert response.status_code == 422
    assert "This field is required." in response.get_data(as_text=True)
    response = alex_client.post("/stages", data={"stage-name": "x" * 41})
    assert response.status_code == 422
    assert "Field cannot be longer than 40 characters." in response.get_data(as_text=True)


def test_a_personal_lane_is_not_renamed_by_hand(app, alex, sam, sam_client):
    with app.app_context():
        alex_lane = db.session.scalar(select(Lane.id).where(Lane.owner_id == alex.id))
    assert (
        sam_client.post(f"/lanes/{alex_lane}", data={f"lane-{alex_lane}-name": "X"}).status_code
        == 403
    )


def test_stages_can_be_added_renamed_and_reordered(app, alex, alex_client):
    alex_client.post("/stages", data={"stage-name": "Someday"})
    with app.app_context():
        stage_id = db.session.scalar(select(Stage.id).where(Stage.name == "Someday"))
    alex_client.post(f"/stages/{stage_id}", data={f"stage-{stage_id}-name": "Later"})
    alex_client.post(f"/stages/{stage_id}/order", data={"direction": "up"})
    with app.app_context():
        names = db.session.scalars(
            select(Stage.name)
            .where(Stage.partnership_id == alex.partnership_id)
            .order_by(Stage.position)
        ).all()
    assert names == ["Ideas", "This quarter", "In progress", "Later", "Done"]


def test_a_stranger_cannot_touch_lanes_or_stages(app, alex, stranger_client):
    with app.app_context():
        lane_id = db.session.scalar(
            select(Lane.id).where(
                Lane.partnership_id == alex.partnership_id, Lane.owner_id.is_(None)
            )
        )
        stage_id = db.session.scalar(
            select(Stage.id).where(Stage.partnership_id == alex.partnership_id)
        )
    assert (
        stranger_client.post(f"/lanes/{lane_id}", data={f"lane-{lane_id}-name": "X"}).status_code
        == 404
    )
    assert (
        stranger_client.post(f"/lanes/{lane_id}/order", data={"direction": "up"}).status_code == 404
    )
    assert (
        stranger_client.post(
            f"/stages/{stage_id}", data={f"stage-{stage_id}-name": "X"}
        ).status_code
        == 404
    )
    assert (
        stranger_client.post(f"/stages/{stage_id}/order", data={"direction": "up"}).status_code
        == 404
    )
    assert load(app, Lane, lane_id).name == "Together"


def test_colour_and_partnership_name(app, alex, alex_client):
    alex_client.post("/settings/colour", data={"colour": "#047857"})
    alex_client.post("/settings/partnership", data={"name": "Team A"})
    assert load(app, User, alex.id).colour == "#047857"
    assert load(app, Partnership, alex.partnership_id).name == "Team A"
    assert alex_client.post("/settings/colour", data={"colour": "red"}).status_code == 422


def test_settings_need_a_signed_in_member(client):
    assert client.get("/settings").headers["Location"] == "/login?next=%2Fsettings"


def test_demo_seed_creates_a_working_partnership(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["seed-demo"])
    assert "Demo ready" in result.output
    assert "exists already" in runner.invoke(args=["seed-demo"]).output
    client = app.test_client()
    assert client.login("sam@example.com", "goalmap-demo").status_code == 302
    board = client.get(client.get("/").headers["Location"]).get_data(as_text=True)
    assert "Learn conversational Spanish" in board
    assert "Write to my sister every month" not in board  # Alex's private goal
    assert "Private goal" in board
    assert PASSWORD not in board


def test_one_member_makes_at_most_ten_invites_an_hour(app, alex, alex_client, sam_client):
    """A mailed invite carries a member's words to an address they chose: not a relay."""
    for _ in range(10):
        assert alex_client.post("/invites", data={"email": ""}).status_code == 200
    limited = alex_client.post("/invites", data={"email": ""})
    assert limited.status_code == 429
    assert "Too many" in limited.get_data(as_text=True)
    assert sam_client.post("/invites", data={"email": ""}).status_code == 200  # per member


# -- the balance settings (currency and prompts), in Settings -------------------------

BALANCE = {"currency": "GBP", "carry_over_prompt": "3", "drop_prompt": "4"}


def balance_settings(app, user) -> tuple:
    with app.app_context():
        p = db.session.get(User, user.id).partnership
        return (p.currency, p.carry_over_prompt, p.drop_prompt, p.shared_share_prompt)


def test_balance_settings_are_saved_in_settings_with_their_version(app, alex, alex_client):
    page = alex_client.get("/settings").get_data(as_text=True)
    section = page.split('id="balance-settings"')[1].split("</section>")[0]
    assert 'action="/settings/balance"' in section
    assert 'name="version" type="hidden" value="1"' in section
    response = alex_client.post(
        "/settings/balance", data={**BALANCE, "shared_share_prompt": "50", "version": "1"}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/settings#balance-settings"
    assert balance_settings(app, alex) == ("GBP", 3, 4, 50)
    page = alex_client.get("/settings").get_data(as_text=True)
    assert 'name="version" type="hidden" value="2"' in page
    assert "Saved your balance settings." in page


def test_a_stale_balance_settings_form_is_a_conflict(app, alex, sam, alex_client, sam_client):
    assert (
        sam_client.post(
            "/settings/balance", data={**BALANCE, "shared_share_prompt": "70", "version": "1"}
        ).status_code
        == 302
    )
    stale = alex_client.post(
        "/settings/balance",
        data={**BALANCE, "drop_prompt": "9", "shared_share_prompt": "40", "version": "1"},
    )
    assert stale.status_code == 409
    body = stale.get_data(as_text=True)
    assert "Your partner changed these settings meanwhile" in body
    assert balance_settings(app, alex) == ("GBP", 3, 4, 70)  # Sam's save stands
    form = body.split('id="balance-settings"')[1].split("</section>")[0]
    # Alex's words are still in the form, ready to save over what is there now.
    assert 'value="9"' in form and 'name="version" type="hidden" value="2"' in form
    again = alex_client.post(
        "/settings/balance",
        data={**BALANCE, "drop_prompt": "9", "shared_share_prompt": "40", "version": "2"},
    )
    assert again.status_code == 302
    assert balance_settings(app, alex) == ("GBP", 3, 9, 40)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("drop_prompt", "0", "Between 1 and 20."),
        ("carry_over_prompt", "13", "Between 1 and 12."),
        ("shared_share_prompt", "five", "Not a valid integer value."),
        ("currency", "XYZ", "Not a valid choice."),
    ],
)
def test_a_bad_balance_setting_is_shown_at_its_field(app, alex, alex_client, field, value, message):
    data = {**BALANCE, "shared_share_prompt": "60", "version": "1", field: value}
    response = alex_client.post("/settings/balance", data=data)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    error = body.split(f'id="balance-{field}-error"')[1].split("</p>")[0]
    assert message in error
    assert f'aria-describedby="balance-{field}-error"' in body
    assert balance_settings(app, alex) == ("EUR", 2, 2, 60)


@pytest.mark.parametrize("version", ["", "0", "abc", "99999999999"])
def test_a_balance_settings_form_without_a_good_version_saves_nothing(
    app, alex, alex_client, version
):
    data = {**BALANCE, "shared_share_prompt": "60", "version": version}
    assert alex_client.post("/settings/balance", data=data).status_code in (409, 422)
    assert balance_settings(app, alex) == ("EUR", 2, 2, 60)


def test_the_former_address_of_the_balance_settings_still_saves(app, alex, alex_client):
    response = alex_client.post("/settings/prompts", data={**BALANCE, "shared_share_prompt": "55"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/settings#balance-settings"
    assert balance_settings(app, alex) == ("GBP", 3, 4, 55)


def test_no_id_is_used_twice_on_settings(app, alex, alex_client):
    alex_client.post("/invites")
    page = alex_client.get("/settings").get_data(as_text=True)
    ids = re.findall(r'\sid="([^"]+)"', page)
    assert sorted({i for i in ids if ids.count(i) > 1}) == []
    assert 'id="csrf_token"' not in page
    assert page.count('name="csrf_token"') > 5  # every form still carries its token


def test_the_order_buttons_name_what_they_show(app, alex, alex_client):
    page = alex_client.get("/settings").get_data(as_text=True)
    lanes = page.split('id="lanes"')[1].split("</section>")[0]
    shown = '<button type="submit" class="icon">↑<span class="visually-hidden"> Move lane Alex up'
    assert shown in lanes
    assert "aria-label" not in lanes
