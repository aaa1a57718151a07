"""No input gives a 500: every route of the URL map, every field, hostile values.

Each route that takes a form has a row in ``FORMS``: its URL and a form it accepts.
Every field of that form is sent, one at a time, each of the ``HOSTILE`` values (and as
a file part, twice over, and as invalid UTF-8) with the rest of the form left valid;
the answer must be below 500, and a 4xx must say something. Every page is asked for
with the hostile values in its query string. A new route without a row fails
``test_every_route_that_takes_a_form_has_a_row``, like the authorization matrix.
Runs on SQLite and on PostgreSQL (``.ci/run``).
"""

import io
from urllib.parse import quote

import pytest
from factories import PASSWORD, logged_in, make_config
from sqlalchemy import select

from goalmap import create_app
from goalmap.calendar import service as calendar
from goalmap.extensions import db
from goalmap.models import Notification, User

HOSTILE = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "line one\r\nline two",
    "\u2028\u0085\x1b[31m",
    "x" * 10_000,
    "9" * 400,
    "-" + "9" * 400,
    "-1",
    "0",
    "2147483648",
    "1e999999999",
    "NaN",
    "-Infinity",
    "0.000000000000000000001",
    "0001-01-01",
    "9999-12-31",
    "2027-02-30",
    "[]",
    "{}",
    "../../etc/passwd",
    "%s%n",
    "\U0001f469\u200d\u2764\ufe0f\u200d\U0001f468",
]

# endpoint: (url, a form the route accepts). Ids come from the ``world`` fixture.
GOAL = {"title": "A goal", "notes": "", "starts_on": "", "target_on": "", "status": "active"}
# A note of what a goal takes, over the current one.
NOTE = {
    "replaces": "{note}",
    "hours_per_week": "2",
    "amount": "10",
    "money_period": "month",
    "energy": "low",
    "currency": "EUR",
    "note": "",
}
# The Resources step's rows: a goal's (prefixed by its id) and what the member has.
NOTE_ROW = {f"goal-{{shared}}-{name}": value for name, value in NOTE.items()}
AVAILABLE = {
    "availability-version": "0",
    "availability-hours_per_week": "10",
    "availability-budget": "100",
    "availability-currency": "EUR",
}
FORMS = {
    "auth.register": (
        "/register",
        {
            "display_name": "New",
            "email": "new@example.com",
            "password": PASSWORD,
            "confirm": PASSWORD,
        },
    ),
    "auth.login": ("/login", {"email": "alex@example.com", "password": "not the password"}),
    "auth.logout": ("/logout", {}),
    "auth.change_password": (
        "/account/password",
        {"current": "not the password", "password": "new password!", "confirm": "new password!"},
    ),
    "board.new_quarter": (
        "/quarters/new",
        {"name": "2028 Q1", "starts_on": "2028-01-01", "ends_on": "2028-03-31"},
    ),
    "board.plan_next": ("/quarters/{later}/next", {}),
    "board.add_lane": ("/lanes", {"lane-name": "Home"}),
    "board.rename_lane": ("/lanes/{lane}", {"lane-{lane}-name": "Ours"}),
    "board.order_lane": ("/lanes/{lane}/order", {"direction": "up"}),
    "board.add_stage": ("/stages", {"stage-name": "Later"}),
    "board.rename_stage": ("/stages/{stage}", {"stage-{stage}-name": "Next"}),
    "board.order_stage": ("/stages/{stage}/order", {"direction": "down"}),
    "board.done_stage": ("/stages/done", {"stage_id": "{stage}"}),
    "goals.create": (
        "/quarters/{quarter}/goals/new",
        {**GOAL, "lane_id": "{alex_lane}", "stage_id": "{stage}"},
    ),
    "goals.edit": ("/goals/{shared}/edit", {**GOAL, "version": "1"}),
    "goals.move": (
        "/goals/{shared}/move",
        {"lane_id": "{lane}", "stage_id": "{stage}", "position": "0", "status": ""},
    ),
    "goals.delete": ("/goals/{personal}/delete", {}),
    "goals.restore": ("/goals/{deleted}/restore", {}),
    "goals.comment": ("/goals/{shared}/comments", {"body": "Go!"}),
    "goals.cheer": ("/goals/{shared}/cheers", {}),
    "goals.done": ("/goals/{shared}/done", {}),
    "goals.mark_done": ("/goals/{shared}/mark-done", {"version": "1"}),
    "milestones.add": ("/goals/{shared}/milestones", {"title": "Step", "target_on": "2027-02-01"}),
    "milestones.edit": (
        "/milestones/{milestone}",
        {"title": "Step", "target_on": "2027-02-01", "version": "1"},
    ),
    "milestones.done": ("/milestones/{milestone}/done", {}),
    "milestones.reopen": ("/milestones/{ticked}/open", {}),
    "milestones.order": ("/milestones/{ticked}/order", {"direction": "up"}),
    "milestones.delete": ("/milestones/{milestone}/delete", {}),
    "milestones.restore": ("/milestones/{gone}/restore", {}),
    "wins.appreciate": ("/wins/{win}/appreciations", {"body": "Proud"}),
    "wins.react": ("/wins/{win}/reactions", {"reaction": "love", "on": "1"}),
    "wins.share": ("/wins/{win}/share", {"shared": "1"}),
    "wins.seen": ("/wins/seen", {"wins": "{win}"}),
    "partnership.rename": ("/settings/partnership", {"name": "Us"}),
    "partnership.colour": ("/settings/colour", {"colour": "#047857"}),
    "partnership.calendar": (
        "/settings/calendar",
        {"time_zone": "Europe/Berlin", "week_starts_on": "0"},
    ),
    "partnership.balance_settings": (
        "/settings/balance",
        {
            "currency": "EUR",
            "carry_over_prompt": "2",
            "drop_prompt": "2",
            "shared_share_prompt": "60",
            "version": "1",
        },
    ),
    "partnership.create_invite": ("/invites", {}),
    "partnership.revoke_invite": ("/invites/{invite}/revoke", {}),
    "partnership.join_accept": (
        "/join/{token}",
        {
            "display_name": "Joiner",
            "email": "joiner@example.com",
            "password": PASSWORD,
            "confirm": PASSWORD,
        },
    ),
    "partnership.add_value": ("/values", {"value-name": "Calm"}),
    "partnership.delete_value": ("/values/{value}/delete", {}),
    "partnership.leave_partnership": (
        "/settings/leave",
        {"password": "not the password", "understood": "y"},
    ),
    "partnership.delete_own_account": (
        "/account/delete",
        {"password": "not the password", "understood": "y"},
    ),
    "planning.review": (
        "/quarters/{planning}/session/review/{personal}",
        {"decision": "drop", "reason": "", "dates": "clear"},
    ),
    "planning.add_my_goal": ("/quarters/{planning}/session/my-goals", dict(GOAL)),
    "planning.add_our_goal": (
        "/quarters/{planning}/session/our-goals",
        {**GOAL, "lane_id": "{lane}", "value_id": "0"},
    ),
    "planning.ready": ("/quarters/{planning}/session/ready", {}),
    "planning.confirm": ("/quarters/{planning}/session/confirm", {}),
    "planning.save_resources": ("/quarters/{quarter}/session/resources", {**NOTE_ROW, **AVAILABLE}),
    "planning.save_note": ("/quarters/{quarter}/session/resources/goals/{shared}", NOTE_ROW),
    "planning.save_availability": ("/quarters/{quarter}/session/resources/availability", AVAILABLE),
    "flexibility.new": (
        "/flexibility/new",
        {
            "event": "A new job",
            "kind": "work",
            "happened_on": "2027-01-10",
            "impact": "",
            "look_again_on": "2027-02-10",
            "goal-{personal}-action": "shrink",
            "goal-{personal}-new_target_on": "2027-03-01",
            "goal-{personal}-new_hours": "2",
            "goal-{personal}-new_amount": "10",
            "goal-{personal}-reason": "",
            "goal-{personal}-version": "1",
        },
    ),
    "flexibility.respond": (
        "/flexibility/{entry}/respond",
        {"impact": "Yes", "goal-{shared}-action": "drop", "goal-{shared}-reason": "No time"},
    ),
    "flexibility.withdraw": ("/flexibility/{entry}/withdraw", {}),
    "flexibility.withdraw_decision": ("/flexibility/decisions/{decision}/withdraw", {}),
    "flexibility.follow_up": ("/flexibility/{entry}/follow-up", {"note": "", "resume": "y"}),
    "flexibility.protocol": ("/flexibility/protocol", {"steps": "Talk.", "seen": "0"}),
    "contracts.new": (
        "/goals/{alex_lane_goal}/contract",
        {
            "commitment": "Practise",
            "success": "A song",
            "support": "",
            "cadence": "weekly",
            "starts_on": "2027-01-05",
            "ends_on": "2027-03-01",
            "shown_to_partner": "y",
        },
    ),
    "contracts.sign": ("/contracts/{contract}/sign", {"seen": "1"}),
    "contracts.renegotiate": (
        "/contracts/{contract}/renegotiate",
        {
            "commitment": "Less",
            "success": "Still",
            "support": "",
            "cadence": "monthly",
            "starts_on": "2027-01-05",
            "ends_on": "2027-03-01",
        },
    ),
    "contracts.check_in": ("/contracts/{contract}/check-ins", {"progress": "50", "note": ""}),
    "contracts.encourage": ("/contract-check-ins/{check_in}/encourage", {"words": "Go"}),
    "contracts.close": (
        "/contracts/{contract}/release",
        {"seen": "2", "goal_done": "y", "reflection": "Learned"},
    ),
    "weekly.week": ("/weekly", {"replies-0": "Fine", "replies-1": "", "energy": "3"}),
    "weekly.prompts": ("/weekly/prompts", {"prompts": "How was it?", "seen": "0"}),
    "yearly.start": ("/yearly/start", {"day": "2028-01-01"}),
    "yearly.answer": ("/yearly/{review}/answers", {"answers-0": "Yes", "answers-1": ""}),
    "yearly.decide": (
        "/yearly/{review}/decisions",
        {"keep": "Walks", "change": "", "version": "1"},
    ),
    "yearly.keep": ("/yearly/{review}/keep", {"seen": "1"}),
    "auth.forgot_password": ("/password/forgot", {"email": "alex@example.com"}),
    "auth.reset_password": (
        "/password/reset/{reset}",
        {"password": "a new password!", "confirm": "a new password!"},
    ),
    "notifications.mail_choices": (
        "/settings/email",
        {"digest": "y", "check_in_due": "y", "weekly_due": "", "session_waiting": "y"},
    ),
    "notifications.unsubscribe": ("/unsubscribe/{unsubscribe}", {}),
    "notifications.open": ("/notifications/{notification}/open", {}),
    "notifications.read_all": ("/notifications/read", {}),
    "calendar.create": ("/calendar", {}),
    "calendar.revoke": ("/calendar/revoke", {}),
    "resources.allocations": ("/goals/{shared}/allocations", NOTE),
    "resources.remove": ("/allocations/{note}/remove", {}),
    "resources.restore": ("/allocations/{old_note}/restore", {}),
    "resources.availability": (
        "/quarters/{quarter}/availability",
        {"hours_per_week": "10", "budget": "100", "currency": "EUR", "version": "0"},
    ),
    "resources.prompts": (
        "/settings/prompts",
        {
            "currency": "EUR",
            "carry_over_prompt": "2",
            "drop_prompt": "2",
            "shared_share_prompt": "60",
        },
    ),
}
RULE = {
    "frequency": "weekly",
    "weekdays": "MO",
    "at": "19:00",
    "minutes": "60",
    "time_zone": "Europe/Berlin",
    "nth": "1",
    "month_day": "",
}
FORMS.update(
    {
        "rituals.create": (
            "/rituals",
            {
                **RULE,
                "title": "Walk",
                "kind": "joint",
                "goal": "",
                "starts_on": "2030-01-07",
                "is_private": "y",
            },
        ),
        "rituals.edit": (
            "/rituals/{ritual}",
            {
                "details-title": "Walks",
                "details-goal": "",
                "details-version": "1",
                "details-is_private": "y",
            },
        ),
        "rituals.adapt": (
            "/rituals/{ritual}/rule",
            {
                **{f"adapt-{k}": v for k, v in RULE.items()},
                "adapt-from_day": "2031-01-06",
                "adapt-version": "1",
            },
        ),
        "rituals.pause": (
            "/rituals/{ritual}/pause",
            {"pause-from_day": "2031-01-06", "pause-resume_on": "2031-02-03", "pause-version": "1"},
        ),
        "rituals.skip": (
            "/rituals/{ritual}/occurrences/2030-01-14",
            {"to_day": "2030-01-15", "to_time": "20:00"},
        ),
        "rituals.unskip": ("/rituals/{ritual}/occurrences/2030-01-14/restore", {}),
        "rituals.delete": ("/rituals/{ritual}/delete", {}),
        "rituals.restore": ("/rituals/{ritual}/restore", {}),
    }
)
# Routes that take a form from someone not signed in.
PUBLIC = {
    "auth.register",
    "auth.login",
    "auth.forgot_password",
    "auth.reset_password",
    "partnership.join_accept",
    "notifications.unsubscribe",
}
# Query-string arguments the pages read, tried on every page.
QUERY = ("next", "lane", "stage", "lane_id", "stage_id", "quarter", "step", "of")


def notification_of(app, user) -> int:
    """One of ``user``'s notifications (the world's contract was signed: Alex was told)."""
    with app.app_context():
        return db.session.scalar(
            select(Notification.id).where(Notification.user_id == user.id).limit(1)
        )


def rules():
    app = create_app(make_config("sqlite://"))
    with app.app_context():
        db.engine.dispose()
    return [rule for rule in app.url_map.iter_rules() if rule.endpoint != "static"]


def test_every_route_that_takes_a_form_has_a_row():
    posting = {rule.endpoint for rule in rules() if "POST" in rule.methods}
    assert sorted(posting - FORMS.keys()) == [], "add these routes to FORMS"
    assert sorted(FORMS.keys() - posting) == [], "these rows name no route"


def said_something(response) -> bool:
    return response.status_code < 400 or len(response.get_data(as_text=True).strip()) > 20


def check(response, what) -> None:
    assert response.status_code < 500, what
    assert said_something(response), what


@pytest.mark.parametrize("endpoint", sorted(FORMS))
def test_every_field_of_every_form_takes_hostile_values_without_a_500(app, alex, world, endpoint):
    url, form = FORMS[endpoint]
    world = {**world, "alex_lane_goal": world["deleted"]}  # a goal of Alex's, deleted
    world["notification"] = notification_of(app, alex)
    url = url.format(**world)
    form = {k.format(**world): v.format(**world) for k, v in form.items()}
    signed_in = logged_in(app, alex)
    tokens: dict = {}

    def send(who, data, **kwargs):
        token = tokens.get(who) or tokens.setdefault(who, who.csrf_token())
        if isinstance(data, bytes):
            data += b"&csrf_token=" + quote(token).encode()
            kwargs["content_type"] = "application/x-www-form-urlencoded"
        else:
            data = {**data, "csrf_token": token}
        return who.post(url, data=data, csrf=False, **kwargs)

    clients = [signed_in, app.test_client()] if endpoint in PUBLIC else [signed_in]
    for who in clients:
        for name in form or {"any": ""}:
            for value in HOSTILE:
                check(send(who, {**form, name: value}), (name, value[:30]))
            # The field as a file part, and sent twice.
            check(send(who, {**form, name: (io.BytesIO(b"x" * 5000), "f.txt")}), (name, "file"))
            check(send(who, {**form, name: ["one", "two"]}), (name, "twice"))
            # Invalid UTF-8, percent-encoded as a browser would send the raw bytes.
            check(send(who, name.encode() + b"=%FF%FE%C0%AF"), (name, "utf-8"))
        # A body no form needs: a 413 with a message, not a 500.
        too_large = send(who, {**form, "notes": "x" * (2 * 1024 * 1024)})
        assert too_large.status_code == 413, endpoint
        assert "1 MB" in too_large.get_data(as_text=True)
        # JSON is not a form.
        check(who.post(url, json=form, headers={"X-CSRFToken": tokens[who]}, csrf=False), "json")


@pytest.mark.parametrize("value", HOSTILE)
def test_every_page_takes_hostile_query_strings_without_a_500(app, alex, world, value):
    client = logged_in(app, alex)
    with app.app_context():
        feed = calendar.issue(db.session.get(User, alex.id))  # a live one: its 200 too
        db.session.commit()
    for rule in rules():
        if "GET" not in rule.methods:
            continue
        ids = {
            "quarter_id": world["quarter"],
            "goal_id": world["shared"],
            "lane_id": world["lane"],
            "stage_id": world["stage"],
            "token": feed if rule.endpoint == "calendar.feed" else world["token"],
            "step": "look-back",
            "entry_id": world["entry"],
            "contract_id": world["contract"],
            "review_id": world["review"],
            "win_id": world["win"],
            "ritual_id": world["ritual"],
            "day": "2030-01-14",
        }
        url = rule.build(ids, append_unknown=False)[1]  # every page takes these ids only
        for htmx in (False, True):
            response = client.get(url, query_string={k: value for k in QUERY}, htmx=htmx)
            check(response, (rule.endpoint, value[:30]))


@pytest.mark.parametrize(
    "token", ["", "x" * 5000, "%00", "..%2F..%2F", "\u202e", "a b", "1e999", "9" * 400]
)
def test_hostile_tokens_and_ids_in_the_path_are_not_found(app, alex, token):
    client = app.test_client()
    paths = (
        f"/join/{quote(token)}",
        f"/goals/{quote(token)}/edit",
        f"/calendar/{quote(token)}.ics",
    )
    for path in paths:
        response = client.get(path)
        assert response.status_code in (404, 410, 302), path
