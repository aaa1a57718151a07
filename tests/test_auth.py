import os

import pytest
from factories import PASSWORD, load
from sqlalchemy import select

from goalmap.extensions import db
from goalmap.models import Invite, Lane, Stage, User

GOOD = {
    "display_name": "Robin",
    "email": "Robin@Example.com ",
    "password": "a long enough password",
    "confirm": "a long enough password",
}


def test_register_creates_account_partnership_and_board_shape(app, client):
    response = client.post("/register", data=GOOD)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "robin@example.com"))
        assert user.password_hash.startswith("$argon2id$")
        assert GOOD["password"] not in user.password_hash
        lanes = db.session.scalars(select(Lane).where(Lane.partnership_id == user.partnership_id))
        assert sorted(lane.title for lane in lanes) == ["Robin", "Together"]
        stages = db.session.scalars(
            select(Stage)
            .where(Stage.partnership_id == user.partnership_id)
            .order_by(Stage.position)
        )
        assert [s.name for s in stages] == ["Ideas", "This quarter", "In progress", "Done"]
    # Signed in: the first page offers to plan a quarter.
    assert client.get("/").headers["Location"] == "/quarters/new"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"password": "short", "confirm": "short"}, "Use 10 to 200 characters."),
        ({"confirm": "something else entirely"}, "The passwords differ."),
        ({"email": "not-an-email"}, "Invalid email address."),
        ({"display_name": ""}, "This field is required."),
        ({"display_name": "x" * 81}, "Field cannot be longer than 80 characters."),
    ],
)
def test_register_rejects_bad_input_next_to_the_field(app, client, change, message):
    response = client.post("/register", data={**GOOD, **change})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(User)) == 0


def test_register_refuses_a_taken_email(client, alex):
    response = client.post("/register", data={**GOOD, "email": "ALEX@example.com"})
    assert response.status_code == 422
    assert "already exists" in response.get_data(as_text=True)


def test_login_and_logout(client, alex):
    assert client.login("alex@example.com").headers["Location"] == "/"
    assert client.get("/settings").status_code == 200
    assert client.post("/logout").headers["Location"] == "/login"
    assert client.get("/settings").headers["Location"].startswith("/login?next=")


def test_login_follows_next_only_within_the_site(client, alex):
    response = client.post(
        "/login?next=/settings", data={"email": alex.email, "password": PASSWORD}
    )
    assert response.headers["Location"] == "/settings"
    client.post("/logout")
    response = client.post(
        "/login?next=//evil.example/", data={"email": alex.email, "password": PASSWORD}
    )
    assert response.headers["Location"] == "/"


def test_wrong_password_and_unknown_email_get_the_same_answer(client, alex):
    wrong = client.login("alex@example.com", "not the password")
    unknown = client.login("nobody@example.com", "not the password")
    assert wrong.status_code == unknown.status_code == 422
    message = "That email and password do not match an account."
    assert message in wrong.get_data(as_text=True)
    assert message in unknown.get_data(as_text=True)


def test_login_is_rate_limited_with_a_clear_message(app, client, alex):
    app.config["LOGIN_RATE_LIMIT"] = "3 per minute"
    for _ in range(3):
        assert client.login("alex@example.com", "wrong password!").status_code == 422
    response = client.login("alex@example.com")
    assert response.status_code == 429
    assert "Too many attempts" in response.get_data(as_text=True)


def test_one_persons_wrong_passwords_never_lock_out_their_partner_on_the_same_address(
    app, alex, sam
):
    app.config["LOGIN_RATE_LIMIT"] = "3 per minute"
    household = [app.test_client() for _ in range(2)]  # one home address: 127.0.0.1
    for _ in range(5):
        household[0].login("alex@example.com", "wrong password!")
    assert household[0].login("alex@example.com").status_code == 429
    assert household[1].login("sam@example.com").status_code == 302


def test_only_failed_sign_ins_count_towards_the_limit(app, alex):
    app.config["LOGIN_RATE_LIMIT"] = "3 per minute"
    for _ in range(5):
        assert app.test_client().login("alex@example.com").status_code == 302


def test_one_address_guessing_across_accounts_is_limited(app, alex):
    app.config["LOGIN_ADDRESS_RATE_LIMIT"] = "4 per minute"
    client = app.test_client()
    statuses = [
        client.login(f"guess{i}@example.com", "wrong password!").status_code for i in range(5)
    ]
    assert statuses == [422] * 4 + [429]


def test_one_account_guessed_from_many_addresses_is_limited(app, alex):
    app.config["LOGIN_ACCOUNT_RATE_LIMIT"] = "4 per minute"
    statuses = [
        app.test_client()
        .post(
            "/login",
            data={"email": "alex@example.com", "password": "wrong password!"},
            environ_base={"REMOTE_ADDR": f"192.0.2.{i}"},
        )
        .status_code
        for i in range(5)
    ]
    assert statuses == [422] * 4 + [429]


def test_new_accounts_are_limited_per_address_registering_and_joining_alike(app, alex):
    app.config["ACCOUNT_RATE_LIMIT"] = "2 per minute"
    form = {"display_name": "New", "password": "long enough pw", "confirm": "long enough pw"}
    for i in range(2):
        response = app.test_client().post("/register", data={**form, "email": f"n{i}@example.com"})
        assert response.status_code == 302
    refused = app.test_client().post("/register", data={**form, "email": "n2@example.com"})
    assert refused.status_code == 429 and "Too many attempts" in refused.get_data(as_text=True)
    with app.app_context():
        member = db.session.get(User, alex.id)
        _invite, token = Invite.issue(member.partnership, member, 7)
        db.session.commit()
    joining = app.test_client().post(f"/join/{token}", data={**form, "email": "n3@example.com"})
    assert joining.status_code == 429
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(User)) == 3


def test_logout_needs_a_post_with_csrf(alex_client):
    assert alex_client.get("/logout").status_code == 405
    response = alex_client.post("/logout", csrf=False)
    assert response.status_code == 400
    assert "This form has expired" in response.get_data(as_text=True)
    assert alex_client.get("/settings").status_code == 200


def test_change_password_signs_out_other_sessions(app, alex, alex_client):
    other_device = app.test_client()
    other_device.login(alex.email)
    response = alex_client.post(
        "/account/password",
        data={
            "current": PASSWORD,
            "password": "a brand new password",
            "confirm": "a brand new password",
        },
    )
    assert response.headers["Location"] == "/settings"
    assert alex_client.get("/settings").status_code == 200
    assert other_device.get("/settings").status_code == 302
    assert app.test_client().login(alex.email, "a brand new password").status_code == 302
    assert load(app, User, alex.id).password_hash != alex.password_hash


def test_change_password_checks_the_current_one(alex_client):
    response = alex_client.post(
        "/account/password",
        data={
            "current": "wrong wrong wrong",
            "password": "a brand new password",
            "confirm": "a brand new password",
        },
    )
    assert response.status_code == 422
    assert "That is not your current password." in response.get_data(as_text=True)


def test_unknown_email_costs_the_same_hashing_as_a_wrong_password(app, client, alex, monkeypatch):
    """Timing: both answers run exactly one argon2 verification (no shortcut to detect)."""
    calls = []

    class Counting:
        def __init__(self, hasher):
            self.hasher = hasher

        def verify(self, digest, password):
            calls.append(digest)
            return self.hasher.verify(digest, password)

    monkeypatch.setitem(
        app.extensions, "goalmap.hasher", Counting(app.extensions["goalmap.hasher"])
    )
    client.login("alex@example.com", "not the password")
    client.login("nobody@example.com", "not the password")
    assert len(calls) == 2
    assert calls[1] == app.extensions["goalmap.dummy_hash"]


def test_login_limits_are_shared_by_every_server_process(app, database_url):
    """Two app instances (as two gunicorn workers would be) count attempts in one Redis.

    (The ``app`` fixture is here for its clean-up of the database afterwards.)
    """
    import uuid

    import redis
    from factories import Client, make_config, make_user

    from goalmap import create_app

    url = "redis://127.0.0.1:6379/0"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("CI"):
            raise
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    config = make_config(
        database_url,
        RATELIMIT_STORAGE_URI=url,
        RATELIMIT_KEY_PREFIX=f"test-{uuid.uuid4().hex}",
        LOGIN_RATE_LIMIT="3 per minute",
    )
    first, second = create_app(config), create_app(config)
    for instance in (first, second):
        instance.test_client_class = Client
    make_user(first, "Robin")
    for instance in (first, second, first):
        response = instance.test_client().login("robin@example.com", "wrong password!")
        assert response.status_code == 422
    assert second.test_client().login("robin@example.com").status_code == 429
    for instance in (first, second):
        with instance.app_context():
            db.engine.dispose()
