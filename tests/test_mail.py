"""Mail: a forgotten password reset by a link sent by mail, invites and reminders by mail,
the weekly digest, unsubscribing, and the outbox that ``flask send-mail`` sends once.

Each test starts an SMTP server of its own (aiosmtpd) on 127.0.0.1 and points the app
at it; no real mail host is ever reached. Runs on SQLite and on PostgreSQL.
"""

import email
import email.policy
import re
import smtplib
import socket
import threading
from datetime import date, timedelta

import pytest
from aiosmtpd.controller import Controller
from factories import (
    PASSWORD,
    Client,
    lane_of,
    load,
    logged_in,
    make_config,
    make_contract,
    make_goal,
    make_quarter,
    make_user,
    wipe,
)
from sqlalchemy import func, select, update
from test_no_server_errors import HOSTILE, check

from goalmap import create_app, outbox
from goalmap.config import mail_settings
from goalmap.extensions import db
from goalmap.models import (
    Invite,
    MailMessage,
    MailPreference,
    Notification,
    PasswordReset,
    Quarter,
    User,
    utcnow,
)
from goalmap.notifications import service as notifications
from goalmap.passwords import check_password

BASE_URL = "https://goalmap.test"
MAIL = {
    "MAIL_SERVER": "127.0.0.1",
    "MAIL_SECURITY": "none",
    "MAIL_FROM": "Goalmap <goalmap@example.com>",
    "BASE_URL": BASE_URL,
    "MAIL_TIMEOUT_SECONDS": 5,
    "MAIL_RETRY_SECONDS": 60,
    "MAIL_MAX_ATTEMPTS": 3,
}
SECRET_TITLE = "Therapy on Tuesdays"


class Inbox:
    """The test's SMTP server: what it received, and the replies it gives instead of
    taking a message (``refusals``, used up first come, first served)."""

    def __init__(self) -> None:
        self.messages: list = []
        self.refusals: list[str] = []
        self.lock = threading.Lock()
        self.port = 0

    async def handle_DATA(self, _server, _session, envelope) -> str:
        with self.lock:
            if self.refusals:
                return self.refusals.pop(0)
            parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
            self.messages.append(parsed)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp():
    inbox = Inbox()
    inbox.port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port)
    controller.start()
    yield inbox
    controller.stop()


@pytest.fixture
def app(database_url, _schema, smtp):
    """The app on an empty database, sending mail to the test's SMTP server."""
    app = create_app(make_config(database_url, MAIL_PORT=smtp.port, **MAIL))
    app.test_client_class = Client
    yield app
    wipe(app)
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def mail_off(database_url, _schema):
    """The app as it runs without MAIL_SERVER."""
    app = create_app(make_config(database_url))
    app.test_client_class = Client
    yield app
    wipe(app)
    with app.app_context():
        db.engine.dispose()


def send_mail(app):
    """One pass of the worker (``flask send-mail``): what became of the due messages."""
    with app.app_context():
        return outbox.send_due()


def messages(app, *where) -> list[MailMessage]:
    with app.app_context():
        rows = db.session.scalars(select(MailMessage).where(*where).order_by(MailMessage.id))
        return [row for row in rows]


def text_of(message) -> str:
    part = message.get_body(("plain",))
    assert part is not None and part.get_content_type() == "text/plain"
    return part.get_content()


def path_in(text: str, prefix: str) -> str:
    """The path of the first link under BASE_URL that starts with ``prefix``."""
    found = re.search(re.escape(BASE_URL) + r"(" + re.escape(prefix) + r"[^\s#]*)", text)
    assert found, text
    return found.group(1)


def clock_moves_on(app) -> None:
    """Every waiting message falls due now, as if its wait were over."""
    with app.app_context():
        db.session.execute(
            update(MailMessage)
            .where(MailMessage.sent_at.is_(None))
            .values(next_attempt_at=utcnow() - timedelta(seconds=1))
        )
        db.session.commit()


def queue(app, key: str, to: str = "alex@example.com", **fields) -> bool:
    with app.app_context():
        queued = outbox.queue(key, to, f"About {key}", f"Hello, this is {key}.", **fields)
        db.session.commit()
        return queued


def choose(app, user, **choices) -> None:
    with app.app_context():
        notifications.choose(db.session.get(User, user.id), choices)
        db.session.commit()


def password_is(app, user, password: str) -> bool:
    with app.app_context():
        return check_password(db.session.get(User, user.id).password_hash, password)


# -- configuration ----------------------------------------------------------------------


def test_mail_is_configured_from_the_environment_and_mistakes_stop_the_start():
    assert mail_settings({})["MAIL_SERVER"] is None
    full = {
        "MAIL_SERVER": "smtp.example.org",
        "MAIL_FROM": "Goalmap <goalmap@example.org>",
        "BASE_URL": "https://goalmap.example.org/",
    }
    settings = mail_settings(full)
    assert settings["MAIL_PORT"] == 587 and settings["MAIL_SECURITY"] == "starttls"
    assert settings["BASE_URL"] == "https://goalmap.example.org"
    assert mail_settings({**full, "MAIL_SECURITY": "SSL"})["MAIL_PORT"] == 465
    assert (
        mail_settings({**full, "MAIL_SECURITY": "none", "MAIL_PORT": "2525"})["MAIL_PORT"] == 2525
    )
    with pytest.raises(RuntimeError, match="BASE_URL"):
        mail_settings({**full, "BASE_URL": ""})
    with pytest.raises(RuntimeError, match="MAIL_FROM"):
        mail_settings({**full, "MAIL_FROM": ""})
    with pytest.raises(RuntimeError, match="MAIL_SECURITY"):
        mail_settings({**full, "MAIL_SECURITY": "tls-please"})
    with pytest.raises(RuntimeError, match="MAIL_FROM"):
        create_app(make_config("sqlite://", MAIL_SERVER="127.0.0.1", BASE_URL=BASE_URL))


def test_links_in_mail_are_built_under_base_url_with_its_path(smtp):
    app = create_app(make_config("sqlite://", **{**MAIL, "BASE_URL": "https://example.org/gm"}))
    with app.app_context():
        assert outbox.link("auth.login") == "https://example.org/gm/login"
        assert outbox.link("flexibility.show", entry_id=3, _anchor="follow-up") == (
            "https://example.org/gm/flexibility/3#follow-up"
        )
        db.engine.dispose()


def test_without_a_mail_server_goalmap_says_it_sends_no_email(mail_off):
    alex = make_user(mail_off, "Alex")
    anonymous = mail_off.test_client()
    page = anonymous.get("/password/forgot").get_data(as_text=True)
    assert "sends no email" in page and "set-password" in page
    asked = anonymous.post("/password/forgot", data={"email": alex.email})
    assert asked.status_code == 200 and "sends no email" in asked.get_data(as_text=True)
    signed_in = logged_in(mail_off, alex)
    settings = signed_in.get("/settings").get_data(as_text=True)
    assert 'id="email-off"' in settings and 'name="email"' not in settings
    refused = signed_in.post("/invites", data={"email": "sam@example.com"})
    assert refused.status_code == 422
    assert "sends no email" in refused.get_data(as_text=True)
    with mail_off.app_context():
        assert db.session.scalar(select(func.count()).select_from(PasswordReset)) == 0
        assert db.session.scalar(select(func.count()).select_from(MailMessage)) == 0
        assert db.session.scalar(select(func.count()).select_from(Invite)) == 0
    runner = mail_off.test_cli_runner()
    for command in ("send-mail", "digest"):
        result = runner.invoke(args=[command])
        assert result.exit_code != 0 and "Email is off" in result.output, command


def test_whoever_runs_the_server_can_set_a_forgotten_password(mail_off):
    alex = make_user(mail_off, "Alex")
    other_device = logged_in(mail_off, alex)
    runner = mail_off.test_cli_runner()
    short = runner.invoke(args=["set-password", alex.email], input="short\nshort\n")
    assert short.exit_code != 0 and "10 to 200" in short.output
    assert password_is(mail_off, alex, PASSWORD)
    result = runner.invoke(
        args=["set-password", "ALEX@example.com"], input="a brand new one\na brand new one\n"
    )
    assert result.exit_code == 0, result.output
    assert password_is(mail_off, alex, "a brand new one")
    assert other_device.get("/settings").status_code == 302  # signed out everywhere
    unknown = runner.invoke(args=["set-password", "nobody@example.com"], input="x\nx\n")
    assert unknown.exit_code != 0 and "No account" in unknown.output


# -- a forgotten password ---------------------------------------------------------------


def test_a_forgotten_password_is_reset_by_a_link_that_works_once(app, smtp, alex, client):
    other_device = logged_in(app, alex)
    asked = client.post("/password/forgot", data={"email": " ALEX@example.com "})
    assert asked.status_code == 302 and asked.headers["Location"] == "/login"
    assert "a link to choose a new password is on its way" in client.get("/login").get_data(
        as_text=True
    )
    assert send_mail(app)["sent"] == 1
    (message,) = smtp.messages
    assert message["To"] == "alex@example.com"
    assert message["Subject"] == "Choose a new Goalmap password"
    assert message["Message-ID"] and message["Date"]
    assert message["List-Unsubscribe"] is None  # an errand asked for, not a subscription
    text = text_of(message)
    link = path_in(text, "/password/reset/")
    token = link.rsplit("/", 1)[1]
    # Only its hash is kept, and once sent, the mail's words are gone from the outbox.
    (row,) = messages(app)
    assert row.sent_at is not None and row.body == "" and token not in row.body
    with app.app_context():
        assert db.session.scalar(select(PasswordReset.token_hash)) != token

    page = client.get(link)
    assert page.status_code == 200 and "Choose a new password" in page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    mismatch = client.post(link, data={"password": "a new password!", "confirm": "other one!!"})
    assert mismatch.status_code == 422 and "The passwords differ" in mismatch.get_data(True)
    done = client.post(link, data={"password": "a new password!", "confirm": "a new password!"})
    assert done.status_code == 302 and done.headers["Location"] == "/"
    assert client.get("/settings").status_code == 200  # this browser is signed in
    assert other_device.get("/settings").status_code == 302  # every other one is not
    assert password_is(app, alex, "a new password!")

    # The link works once.
    again = app.test_client()
    gone = again.get(link)
    assert gone.status_code == 410
    assert "expired or was used" in gone.get_data(as_text=True)
    assert 'href="/password/forgot"' in gone.get_data(as_text=True)
    second = again.post(link, data={"password": "another password", "confirm": "another password"})
    assert second.status_code == 410
    assert password_is(app, alex, "a new password!")
    assert app.test_client().login(alex.email, PASSWORD).status_code == 422
    assert app.test_client().login(alex.email, "a new password!").status_code == 302


def test_an_expired_link_says_so_and_changes_nothing(app, smtp, alex, client):
    client.post("/password/forgot", data={"email": alex.email})
    send_mail(app)
    link = path_in(text_of(smtp.messages[0]), "/password/reset/")
    with app.app_context():  # an hour and a second later
        db.session.execute(update(PasswordReset).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    assert client.get(link).status_code == 410
    posted = client.post(link, data={"password": "a new password!", "confirm": "a new password!"})
    assert posted.status_code == 410
    assert password_is(app, alex, PASSWORD)


def test_the_answer_tells_nothing_of_whether_an_address_has_an_account(app, smtp, alex):
    answers = []
    for address in (alex.email, "nobody@example.com"):
        client = app.test_client()
        response = client.post("/password/forgot", data={"email": address})
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        answers.append((response.status_code, response.headers["Location"], page))
    known, unknown = answers
    assert known[:2] == unknown[:2]
    masked = [re.sub(r"\S+@example\.com", "EMAIL", page) for *_rest, page in answers]
    # Each browser has a CSRF token of its own.
    masked = [re.sub(r'value="[^"]+"|"X-CSRFToken": "[^"]+"', "", page) for page in masked]
    assert masked[0] == masked[1]
    send_mail(app)
    assert [message["To"] for message in smtp.messages] == ["alex@example.com"]


def test_a_newer_link_or_a_changed_password_retire_older_links(app, smtp, alex, client):
    for _ in range(2):
        client.post("/password/forgot", data={"email": alex.email})
    send_mail(app)
    first, second = (path_in(text_of(m), "/password/reset/") for m in smtp.messages)
    assert first != second
    new = {"password": "a new password!", "confirm": "a new password!"}
    assert client.post(second, data=new).status_code == 302
    assert app.test_client().get(first).status_code == 410
    # A link asked for before a password change is no good after it.
    client.post("/logout")
    client.post("/password/forgot", data={"email": alex.email})
    send_mail(app)
    third = path_in(text_of(smtp.messages[-1]), "/password/reset/")
    signed_in = app.test_client()
    assert signed_in.login(alex.email, "a new password!").status_code == 302
    changed = signed_in.post(
        "/account/password",
        data={
            "current": "a new password!",
            "password": "changed again",
            "confirm": "changed again",
        },
    )
    assert changed.status_code == 302
    assert app.test_client().get(third).status_code == 410


def test_asks_at_once_for_a_new_password_keep_to_the_limit(app, alex):
    """Six asks for one account at once: each gets the same answer; three links go out
    (RESETS_PER_HOUR), the rest send nothing."""
    clients = [app.test_client() for _ in range(6)]
    forms = [{"email": alex.email, "csrf_token": c.csrf_token()} for c in clients]
    responses = []
    barrier = threading.Barrier(len(clients))

    def ask(client, form) -> None:
        barrier.wait()
        responses.append(client.post("/password/forgot", data=form, csrf=False))

    threads = [threading.Thread(target=ask, args=pair) for pair in zip(clients, forms, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(r.status_code for r in responses) == [302] * 6
    assert {r.headers["Location"] for r in responses} == {"/login"}
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PasswordReset)) == 3
    assert len(messages(app)) == 3


# -- the outbox: queued once, sent once, tried again -------------------------------------


def test_a_mail_is_queued_once_for_each_key(app):
    assert queue(app, "test:1")
    assert not queue(app, "test:1")
    assert len(messages(app)) == 1


def test_send_mail_passes_at_once_send_each_message_once(app, smtp):
    for number in range(12):
        queue(app, f"test:{number}")
    results = []
    barrier = threading.Barrier(3)

    def worker() -> None:
        barrier.wait()
        results.append(send_mail(app))

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sum(result["sent"] for result in results) == 12
    assert sorted(m["Subject"] for m in smtp.messages) == sorted(
        f"About test:{n}" for n in range(12)
    )
    assert all(row.attempts == 1 and row.sent_at for row in messages(app))
    assert send_mail(app)["sent"] == 0  # and nothing goes again
    assert len(smtp.messages) == 12


def test_the_flask_send_mail_command_sends_what_is_due(app, smtp):
    queue(app, "test:cli")
    result = app.test_cli_runner().invoke(args=["send-mail"])
    assert result.exit_code == 0, result.output
    assert "1 sent, 0 to be tried again, 0 given up." in result.output
    assert [m["Subject"] for m in smtp.messages] == ["About test:cli"]


def test_a_server_out_of_reach_is_tried_again_later_and_the_mail_sent_once(app, smtp):
    queue(app, "test:later")
    app.config["MAIL_PORT"] = free_port()  # nothing listens there: connection refused
    before = utcnow()
    assert send_mail(app)["retried"] == 1
    (row,) = messages(app)
    assert row.attempts == 1 and row.sent_at is None and row.failed_at is None
    assert "ConnectionRefusedError" in row.last_error
    assert timedelta(seconds=59) <= row.next_attempt_at - before <= timedelta(seconds=62)
    app.config["MAIL_PORT"] = smtp.port
    assert send_mail(app).total() == 0  # not yet: it waits its minute
    clock_moves_on(app)
    assert send_mail(app)["sent"] == 1
    assert send_mail(app).total() == 0
    (row,) = messages(app)
    assert row.attempts == 2 and row.sent_at is not None
    assert [m["Subject"] for m in smtp.messages] == ["About test:later"]


def test_a_refusal_for_now_waits_longer_each_time_then_gives_up(app, smtp):
    queue(app, "test:busy")
    smtp.refusals = ["451 4.3.0 Try again later"] * 3
    waits = []
    for attempt in (1, 2, 3):
        before = utcnow()
        result = send_mail(app)
        (row,) = messages(app)
        assert row.attempts == attempt and "451" in row.last_error
        if attempt < 3:
            assert result["retried"] == 1
            waits.append(row.next_attempt_at - before)
            clock_moves_on(app)
    assert [round(wait.total_seconds() / 60) for wait in waits] == [1, 4]  # backoff: 4 times longer
    assert result["given_up"] == 1  # MAIL_MAX_ATTEMPTS is 3 here
    assert row.failed_at is not None and row.body == "" and row.sent_at is None
    clock_moves_on(app)
    assert send_mail(app).total() == 0 and smtp.messages == []


def test_a_refusal_for_good_is_given_up_at_once(app, smtp):
    queue(app, "test:nobody", to="nobody@example.com")
    smtp.refusals = ["550 5.1.1 No such mailbox"]
    assert send_mail(app)["given_up"] == 1
    (row,) = messages(app)
    assert row.attempts == 1 and row.failed_at is not None and "550" in row.last_error
    clock_moves_on(app)
    assert send_mail(app).total() == 0


def test_a_message_handed_over_without_an_answer_is_never_sent_again(app, smtp, monkeypatch):
    queue(app, "test:lost")

    def lost(*_args, **_kwargs):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")

    with monkeypatch.context() as patch:
        patch.setattr(smtplib.SMTP, "send_message", lost)
        assert send_mail(app)["given_up"] == 1
    (row,) = messages(app)
    assert row.handed_at is not None and row.failed_at is not None
    assert "may have arrived" in row.last_error
    clock_moves_on(app)
    assert send_mail(app).total() == 0 and smtp.messages == []


def test_a_dead_workers_message_goes_once_before_the_hand_over_and_never_after(app, smtp):
    """A worker that died before handing its message over: another sends it once its
    claim is stale. One that died after: the message is given up (at most once)."""
    queue(app, "test:claimed")
    queue(app, "test:handed")
    long_ago = utcnow() - timedelta(seconds=app.config["MAIL_CLAIM_SECONDS"] + 1)
    with app.app_context():
        db.session.execute(
            update(MailMessage).values(claimed_by="dead", claimed_at=long_ago, attempts=1)
        )
        db.session.execute(
            update(MailMessage).where(MailMessage.key == "test:handed").values(handed_at=long_ago)
        )
        db.session.commit()
    done = send_mail(app)
    assert (done["sent"], done["given_up"]) == (1, 1)
    assert [m["Subject"] for m in smtp.messages] == ["About test:claimed"]
    claimed, handed = messages(app)
    assert claimed.sent_at is not None and claimed.attempts == 2
    assert handed.failed_at is not None and "may have arrived" in handed.last_error


def test_a_claim_still_fresh_is_left_to_its_worker(app, smtp):
    queue(app, "test:busy-worker")
    with app.app_context():
        db.session.execute(update(MailMessage).values(claimed_by="alive", claimed_at=utcnow()))
        db.session.commit()
    assert send_mail(app).total() == 0 and smtp.messages == []


def test_a_message_too_late_to_be_of_use_is_given_up(app, smtp):
    queue(app, "test:late", send_before=utcnow() - timedelta(seconds=1))
    assert send_mail(app)["given_up"] == 1
    (row,) = messages(app)
    assert row.failed_at is not None and "in time" in row.last_error
    assert smtp.messages == []


def test_sent_and_given_up_messages_are_forgotten_after_90_days(app, smtp):
    queue(app, "test:old")
    send_mail(app)
    with app.app_context():
        db.session.execute(update(MailMessage).values(sent_at=utcnow() - timedelta(days=91)))
        db.session.commit()
    queue(app, "test:new")
    send_mail(app)
    assert [row.key for row in messages(app)] == ["test:new"]


# -- reminders and the digest ----------------------------------------------------------


TODAY = date.today()


@pytest.fixture
def plan(app, alex, sam):
    """An active quarter around today, with Alex's goal under a contract Sam witnessed."""
    quarter = make_quarter(
        app,
        alex,
        name="Now",
        starts_on=TODAY - timedelta(days=30),
        ends_on=TODAY + timedelta(days=60),
        state="active",
    )
    run = make_goal(app, quarter, lane_of(app, alex), title="Run 10k")
    contract, _none = make_contract(app, run, witness=sam)
    return {"quarter": quarter, "run": run, "contract": contract}


def email_section(client) -> str:
    page = client.get("/settings").get_data(as_text=True)
    return page.split('id="email"', 1)[1].split("</section>", 1)[0]


def test_mail_choices_are_off_until_chosen_in_settings(app, alex, alex_client):
    section = email_section(alex_client)
    assert 'name="digest"' in section and "checked" not in section
    saved = alex_client.post("/settings/email", data={"digest": "y", "session_waiting": "y"})
    assert saved.status_code == 302 and saved.headers["Location"] == "/settings#email"
    with app.app_context():
        assert MailPreference.wants(alex.id, "digest")
        assert MailPreference.wants(alex.id, "session_waiting")
        assert not MailPreference.wants(alex.id, "check_in_due")
    assert email_section(alex_client).count("checked") == 2
    alex_client.post("/settings/email", data={})
    with app.app_context():
        assert not MailPreference.wants(alex.id, "digest")


def test_a_reminder_of_a_chosen_kind_is_mailed_once_with_a_way_to_stop_it(
    app, smtp, alex, sam, plan
):
    choose(app, alex, check_in_due=True)  # not the weekly check-in
    runner = app.test_cli_runner()
    assert runner.invoke(args=["remind"]).exit_code == 0
    assert runner.invoke(args=["remind"]).exit_code == 0  # nothing twice
    (row,) = messages(app)
    assert row.key.startswith("notification:") and row.user_id == alex.id
    send_mail(app)
    (message,) = smtp.messages
    assert message["To"] == "alex@example.com"
    assert message["Subject"] == "A check-in on your contract is due"
    assert message["Auto-Submitted"] == "auto-generated"
    text = text_of(message)
    assert path_in(text, "/contracts/") == f"/contracts/{plan['contract']}"
    stop = path_in(text, "/unsubscribe/")
    assert message["List-Unsubscribe"] == f"<{BASE_URL}{stop}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert app.test_client().get(stop).status_code == 200


def test_the_partner_waiting_in_the_session_is_mailed_to_who_chose_it(app, smtp, alex, sam, world):
    choose(app, sam, session_waiting=True)
    alex_client, sam_client = logged_in(app, alex), logged_in(app, sam)
    assert alex_client.post(f"/quarters/{world['planning']}/session/ready").status_code == 302
    assert sam_client.post(f"/quarters/{world['planning']}/session/ready").status_code == 302
    send_mail(app)
    (message,) = smtp.messages  # Sam chose it; Alex did not
    assert message["To"] == "sam@example.com"
    assert message["Subject"] == "Alex is ready and waiting for you in the goal-mapping session"
    assert path_in(text_of(message), "/quarters/") == f"/quarters/{world['planning']}/session"


def test_a_change_rolled_back_mails_nobody(app, alex, sam, world):
    choose(app, sam, session_waiting=True)
    with app.app_context():
        quarter = db.session.get(Quarter, world["planning"])
        made = notifications.notify(
            "session_waiting",
            [db.session.get(User, sam.id)],
            db.session.get(User, alex.id),
            quarter=quarter,
        )
        assert made and db.session.scalar(select(func.count()).select_from(MailMessage)) == 1
        db.session.rollback()
    assert messages(app) == []


def test_the_weekly_digest_is_queued_once_a_week_and_tells_no_more_than_the_bell(
    app, smtp, alex, sam, world
):
    quarter = load(app, Quarter, world["quarter"])
    secret = make_goal(app, quarter, lane_of(app, alex), title=SECRET_TITLE, is_private=True)
    choose(app, sam, digest=True)
    assert logged_in(app, alex).post(f"/goals/{world['shared']}/cheers").status_code == 302
    with app.app_context():  # a word about a goal Alex has since made private
        db.session.add(
            Notification(
                partnership_id=alex.partnership_id,
                user_id=sam.id,
                actor_id=alex.id,
                kind="commented",
                goal_id=secret.id,
            )
        )
        db.session.commit()
    runner = app.test_cli_runner()
    first = runner.invoke(args=["digest"])
    assert first.exit_code == 0 and "1 digest(s) queued" in first.output, first.output
    assert "0 digest(s) queued" in runner.invoke(args=["digest"]).output  # once a week
    send_mail(app)
    (message,) = smtp.messages  # Alex did not choose a digest
    assert message["To"] == "sam@example.com"
    assert message["Subject"].startswith("Your week in Goalmap:")
    text = text_of(message)
    assert "Alex cheered your shared goal ‘Our trip’" in text
    assert "Alex commented on a goal" in text
    assert SECRET_TITLE not in message.as_string()
    assert path_in(text, "/goals/") == f"/goals/{world['shared']}/story"
    stop = path_in(text, "/unsubscribe/")
    assert message["List-Unsubscribe"] == f"<{BASE_URL}{stop}>"
    # Read, nothing is left for next week's digest.
    logged_in(app, sam).post("/notifications/read")
    with app.app_context():
        assert notifications.digest(db.session.get(User, sam.id), utcnow()) is False


def test_an_unsubscribe_link_stops_its_kind_without_signing_in(app, alex):
    choose(app, alex, digest=True, session_waiting=True)
    with app.app_context():
        token = notifications.unsubscribe_token(db.session.get(User, alex.id), "digest")
    visitor = app.test_client()
    page = visitor.get(f"/unsubscribe/{token}")
    assert page.status_code == 200 and "Stop these mails" in page.get_data(as_text=True)
    # A mail program's one-click unsubscribe (RFC 8058): a POST with no form token.
    one_click = visitor.post(
        f"/unsubscribe/{token}", data={"List-Unsubscribe": "One-Click"}, csrf=False
    )
    assert one_click.status_code == 302
    assert "No more of these mails" in visitor.get(f"/unsubscribe/{token}").get_data(True)
    with app.app_context():
        assert not MailPreference.wants(alex.id, "digest")
        assert MailPreference.wants(alex.id, "session_waiting")  # only that kind


def test_a_wrong_unsubscribe_token_is_not_found(app, alex):
    with app.app_context():
        member = db.session.get(User, alex.id)
        good = notifications.unsubscribe_token(member, "digest")
        app.config["SECRET_KEY"] = "another server's secret"
        forged = notifications.unsubscribe_token(member, "digest")
        app.config["SECRET_KEY"] = "test-only-secret"
    client = app.test_client()
    for token in ("nonsense", forged, good[:-2] + "xx", good.replace(".", "", 1)):
        assert client.get(f"/unsubscribe/{token}").status_code == 404, token
        assert client.post(f"/unsubscribe/{token}", csrf=False).status_code == 404, token
    # An account made again under the same id is not the one the link was made for.
    with app.app_context():
        db.session.execute(
            update(User).where(User.id == alex.id).values(created_at=utcnow() + timedelta(days=1))
        )
        db.session.commit()
    assert client.get(f"/unsubscribe/{good}").status_code == 404


# -- invites ----------------------------------------------------------------------------


def test_an_invite_goes_by_mail_too_and_its_link_works(app, smtp, alex, alex_client):
    page = alex_client.post("/invites", data={"email": "Sam@Example.net"})
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "on its way to Sam@Example.net" in body
    shown = re.search(r'id="invite-url"[^>]*>[^<]*(/join/[^<\s]+)', body).group(1)
    send_mail(app)
    (message,) = smtp.messages
    assert message["To"] == "Sam@Example.net"
    assert message["Subject"] == "Alex invites you to plan together on Goalmap"
    link = path_in(text_of(message), "/join/")
    assert link == shown
    assert app.test_client().get(link).status_code == 200


def test_a_bad_invite_address_is_refused_at_the_field_and_nothing_is_saved(app, alex_client):
    with app.app_context():
        invites = db.session.scalar(select(func.count()).select_from(Invite))
    refused = alex_client.post("/invites", data={"email": "not an address"})
    assert refused.status_code == 422
    body = refused.get_data(as_text=True)
    assert 'id="invite-email-error"' in body and "That is not an email address" in body
    assert 'id="new-invite"' not in body
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Invite)) == invites
    assert messages(app) == []


# -- hostile input --------------------------------------------------------------------

MAIL_FORMS = {
    "/password/forgot": {"email": "alex@example.com"},
    "/invites": {"email": "sam@example.com"},
    "/settings/email": {"digest": "y", "weekly_due": "y"},
}


@pytest.mark.parametrize("url", sorted(MAIL_FORMS))
def test_mail_forms_take_hostile_values_without_a_500(app, alex, url):
    """As tests/test_no_server_errors.py, with mail on (there it is off)."""
    app.config["RESET_RATE_LIMIT"] = "1000 per hour"
    form = MAIL_FORMS[url]
    for who in (logged_in(app, alex), app.test_client()):
        for name in form:
            for value in HOSTILE:
                check(who.post(url, data={**form, name: value}), (url, name, value[:20]))
            check(who.post(url, data={**form, name: ["one", "two"]}), (url, name, "twice"))
