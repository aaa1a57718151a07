"""Every route of the app, for everyone who might call it.

The matrix is checked against the app's URL map, so a new route without a row
here fails ``test_every_route_is_in_the_matrix``. Rows say what each of four
callers gets: an anonymous visitor, a stranger from another partnership, the
partner, and the owner of the records in the URL (Alex).
"""

import re
from collections import Counter
from datetime import date, time, timedelta

import pytest
from factories import (
    allocate,
    lane_of,
    logged_in,
    make_config,
    make_contract,
    make_goal,
    make_milestones,
    make_quarter,
    make_review,
    make_user,
    raise_entry,
    shared_lane,
    stages_of,
    win_of,
)
from sqlalchemy import select

from goalmap import create_app
from goalmap.calendar import service as calendar
from goalmap.extensions import db
from goalmap.flexibility import service as flexibility
from goalmap.models import (
    ContractTerms,
    FlexEntry,
    Invite,
    Notification,
    PasswordReset,
    SharedValue,
    User,
    Win,
    YearlyReview,
)
from goalmap.notifications import service as notifications
from goalmap.rituals import service as rituals
from goalmap.weekly import service as weekly
from goalmap.yearly import service as yearly

SECRET_TITLE, SECRET_NOTES = "Therapy on Tuesdays", "about my father"
OK, LOGIN, PUBLIC = "ok", "login", "public"
ROLES = ("anonymous", "stranger", "partner", "owner")

# A ritual's rule as its forms send it: Mondays at 19:00 for two hours, from 2030.
RITUAL_RULE = {
    "frequency": "weekly",
    "weekdays": "MO",
    "at": "19:00",
    "minutes": "120",
    "time_zone": "UTC",
    "nth": "1",
    "month_day": "",
}
RITUAL_FORM = {
    **RITUAL_RULE,
    "title": "Walk",
    "kind": "joint",
    "goal": "",
    "starts_on": "2030-01-07",
}

# endpoint: (method, url, form data, {role: expected}); {role: ...} defaults below.
PRIVATE_ONLY = {"anonymous": LOGIN, "stranger": 404, "partner": 404, "owner": OK}
PERSONAL = {"anonymous": LOGIN, "stranger": 404, "partner": 403, "owner": OK}
SHARED = {"anonymous": LOGIN, "stranger": 404, "partner": OK, "owner": OK}
OWN_ONLY = {"anonymous": LOGIN, "stranger": OK, "partner": OK, "owner": OK}
OPEN_TO_ALL = {"anonymous": PUBLIC, "stranger": OK, "partner": OK, "owner": OK}

MATRIX = {
    "board.index": ("GET", "/", None, OWN_ONLY),
    "board.health": ("GET", "/healthz", None, OPEN_TO_ALL),
    "site.manifest": ("GET", "/manifest.webmanifest", None, OPEN_TO_ALL),
    "site.robots": ("GET", "/robots.txt", None, OPEN_TO_ALL),
    "board.quarters": ("GET", "/quarters", None, OWN_ONLY),
    "board.new_quarter": ("GET", "/quarters/new", None, OWN_ONLY),
    "board.show": ("GET", "/quarters/{quarter}", None, SHARED),
    "timeline.show": ("GET", "/quarters/{quarter}/timeline", None, SHARED),
    "board.plan_next": ("POST", "/quarters/{quarter}/next", {}, SHARED),
    "auth.register": ("GET", "/register", None, OPEN_TO_ALL),
    "auth.login": ("GET", "/login", None, OPEN_TO_ALL),
    "auth.logout": ("POST", "/logout", {}, OWN_ONLY),
    "auth.change_password": ("GET", "/account/password", None, OWN_ONLY),
    "goals.create": (
        "GET",
        "/quarters/{quarter}/goals/new?lane={alex_lane}&stage={stage}",
        None,
        PERSONAL,
    ),
    "goals.show": ("GET", "/goals/{secret}", None, PRIVATE_ONLY),
    "goals.edit": ("GET", "/goals/{personal}/edit", None, PERSONAL),
    "goals.move": ("GET", "/goals/{personal}/move", None, PERSONAL),
    "goals.move_places": (
        "GET",
        "/goals/{personal}/move/places?lane_id={alex_lane}&stage_id={stage}",
        None,
        PERSONAL,
    ),
    "goals.delete": ("POST", "/goals/{personal}/delete", {}, PERSONAL),
    "goals.restore": ("POST", "/goals/{personal}/restore", {}, PERSONAL),
    "goals.comment": ("POST", "/goals/{shared}/comments", {"body": "Go!"}, SHARED),
    "goals.cheer": ("POST", "/goals/{shared}/cheers", {}, SHARED),
    # A private goal's story is its owner's alone: the partner gets a 404, as for a
    # goal that does not exist.
    "goals.story": ("GET", "/goals/{secret}/story", None, PRIVATE_ONLY),
    "goals.done": ("POST", "/goals/{personal}/done", {}, PERSONAL),
    "goals.mark_done": ("POST", "/goals/{personal}/mark-done", {"version": "1"}, PERSONAL),
    # A goal's milestones are as private as the goal, and changed by who may change it.
    "milestones.show": ("GET", "/goals/{secret}/milestones", None, PRIVATE_ONLY),
    "milestones.add": ("POST", "/goals/{personal}/milestones", {"title": "Step"}, PERSONAL),
    "milestones.edit": (
        "POST",
        "/milestones/{stretch}",
        {"title": "Stretch more", "version": "1"},
        PERSONAL,
    ),
    "milestones.done": ("POST", "/milestones/{stretch}/done", {}, PERSONAL),
    "milestones.reopen": ("POST", "/milestones/{secret_step}/open", {}, PRIVATE_ONLY),
    "milestones.order": ("POST", "/milestones/{stretch}/order", {"direction": "up"}, PERSONAL),
    "milestones.delete": ("POST", "/milestones/{secret_step}/delete", {}, PRIVATE_ONLY),
    "milestones.restore": ("POST", "/milestones/{stretch}/restore", {}, PERSONAL),
    # Wins: a private goal's win is its owner's, unless shared ("a private win").
    "wins.wall": ("GET", "/wins", None, OWN_ONLY),
    "wins.show": ("GET", "/wins/{shown_secret_win}", None, SHARED),
    "wins.appreciate": (
        "POST",
        "/wins/{shared_win}/appreciations",
        {"body": "Proud of us"},
        {"anonymous": LOGIN, "stranger": 404, "partner": OK, "owner": 403},  # Alex won it
    ),
    "wins.react": (
        "POST",
        "/wins/{secret_win}/reactions",
        {"reaction": "love", "on": "1"},
        PRIVATE_ONLY,
    ),
    "wins.share": ("POST", "/wins/{shown_secret_win}/share", {"shared": "1"}, PERSONAL),
    "wins.seen": ("POST", "/wins/seen", {"wins": "{secret_win} {shared_win}"}, OWN_ONLY),
    "partnership.settings": ("GET", "/settings", None, OWN_ONLY),
    "partnership.rename": ("POST", "/settings/partnership", {"name": "Us"}, OWN_ONLY),
    "partnership.colour": ("POST", "/settings/colour", {"colour": "#047857"}, OWN_ONLY),
    "partnership.calendar": (
        "POST",
        "/settings/calendar",
        {"time_zone": "Europe/Berlin", "week_starts_on": "0"},
        OWN_ONLY,
    ),
    "partnership.balance_settings": (
        "POST",
        "/settings/balance",
        {
            "currency": "EUR",
            "carry_over_prompt": "2",
            "drop_prompt": "2",
            "shared_share_prompt": "60",
            "version": "1",
        },
        OWN_ONLY,
    ),
    "partnership.create_invite": ("POST", "/invites", {}, OWN_ONLY),
    "partnership.revoke_invite": ("POST", "/invites/{invite}/revoke", {}, SHARED),
    "partnership.join_page": ("GET", "/join/{token}", None, OPEN_TO_ALL),
    "partnership.join_accept": (
        "POST",
        "/join/{token}",
        {},
        {"anonymous": 422, "stranger": OK, "partner": OK, "owner": OK},
    ),
    "board.add_lane": ("POST", "/lanes", {"lane-name": "Home"}, OWN_ONLY),
    "board.rename_lane": ("POST", "/lanes/{lane}", {"lane-{lane}-name": "Ours"}, SHARED),
    "board.order_lane": ("POST", "/lanes/{lane}/order", {"direction": "up"}, SHARED),
    "board.add_stage": ("POST", "/stages", {"stage-name": "Later"}, OWN_ONLY),
    "board.rename_stage": ("POST", "/stages/{stage}", {"stage-{stage}-name": "Next"}, SHARED),
    "board.order_stage": ("POST", "/stages/{stage}/order", {"direction": "down"}, SHARED),
    "board.done_stage": ("POST", "/stages/done", {"stage_id": "{stage}"}, SHARED),
    "partnership.add_value": ("POST", "/values", {"value-name": "Calm"}, OWN_ONLY),
    "partnership.delete_value": ("POST", "/values/{value}/delete", {}, SHARED),
    "partnership.leave_partnership": ("GET", "/settings/leave", None, OWN_ONLY),
    "partnership.delete_own_account": ("GET", "/account/delete", None, OWN_ONLY),
    "planning.start": ("GET", "/quarters/{next}/session", None, SHARED),
    "planning.step": ("GET", "/quarters/{next}/session/look-back", None, SHARED),
    "planning.review": (
        "POST",
        "/quarters/{next}/session/review/{old_personal}",
        {"decision": "done"},
        PERSONAL,
    ),
    "planning.add_my_goal": (
        "POST",
        "/quarters/{next}/session/my-goals",
        {"title": "Mine"},
        SHARED,
    ),
    "planning.add_our_goal": (
        "POST",
        "/quarters/{next}/session/our-goals",
        {"title": "Ours", "lane_id": "{lane}", "value_id": "0"},
        SHARED,
    ),
    "planning.ready": ("POST", "/quarters/{next}/session/ready", {}, SHARED),
    "planning.confirm": ("POST", "/quarters/{next}/session/confirm", {}, SHARED),
    # The Resources step's rows: every row at once (its one form), or one row by htmx; a
    # partner's private goal has no row for the partner, as if it did not exist.
    "planning.save_resources": (
        "POST",
        "/quarters/{quarter}/session/resources",
        {"goal-{secret}-replaces": "{allocation}", "goal-{secret}-hours_per_week": "1"},
        SHARED,
    ),
    "planning.save_note": (
        "POST",
        "/quarters/{quarter}/session/resources/goals/{secret}",
        {"goal-{secret}-replaces": "{allocation}", "goal-{secret}-hours_per_week": "2"},
        PRIVATE_ONLY,
    ),
    "planning.save_availability": (
        "POST",
        "/quarters/{next}/session/resources/availability",
        {"availability-version": "0", "availability-hours_per_week": "10"},
        SHARED,
    ),
    "resources.allocations": ("GET", "/goals/{secret}/allocations", None, PRIVATE_ONLY),
    "resources.remove": ("POST", "/allocations/{allocation}/remove", {}, PERSONAL),
    "resources.restore": ("POST", "/allocations/{allocation}/restore", {}, PERSONAL),
    "resources.availability": ("GET", "/quarters/{quarter}/availability", None, SHARED),
    "resources.balance_now": ("GET", "/balance", None, OWN_ONLY),
    "resources.balance_page": ("GET", "/quarters/{quarter}/balance", None, SHARED),
    "resources.prompts": (
        "POST",
        "/settings/prompts",
        {
            "currency": "EUR",
            "carry_over_prompt": "2",
            "drop_prompt": "2",
            "shared_share_prompt": "60",
        },
        OWN_ONLY,
    ),
    "flexibility.log": ("GET", "/flexibility", None, OWN_ONLY),
    "flexibility.new": ("GET", "/flexibility/new", None, OWN_ONLY),
    "flexibility.show": ("GET", "/flexibility/{entry}", None, SHARED),
    "flexibility.protocol": ("GET", "/flexibility/protocol", None, OWN_ONLY),
    "flexibility.respond": ("POST", "/flexibility/{entry}/respond", {}, SHARED),
    # Only whoever raised an entry (or made a decision) withdraws it; the partner is told.
    "flexibility.withdraw": (
        "POST",
        "/flexibility/{entry}/withdraw",
        {},
        {"anonymous": LOGIN, "stranger": 404, "partner": 409, "owner": OK},
    ),
    "flexibility.withdraw_decision": (
        "POST",
        "/flexibility/decisions/{proposal}/withdraw",
        {},
        {"anonymous": LOGIN, "stranger": 404, "partner": 409, "owner": OK},
    ),
    "flexibility.follow_up": (
        "POST",
        "/flexibility/{entry}/follow-up",
        {},
        {"anonymous": LOGIN, "stranger": 404, "partner": 409, "owner": 409},
    ),
    "contracts.index": ("GET", "/contracts", None, OWN_ONLY),
    "contracts.new": ("GET", "/goals/{personal}/contract", None, PERSONAL),
    "contracts.show": ("GET", "/contracts/{contract}", None, SHARED),
    # A contract on a private goal, not shown to the partner, is its owner's alone.
    "contracts.renegotiate": (
        "GET",
        "/contracts/{secret_contract}/renegotiate",
        None,
        PRIVATE_ONLY,
    ),
    "contracts.sign": (
        "POST",
        "/contracts/{draft_contract}/sign",
        {"seen": "1"},
        {"anonymous": LOGIN, "stranger": 404, "partner": OK, "owner": 409},
    ),
    "contracts.check_in": (
        "POST",
        "/contracts/{secret_contract}/check-ins",
        {"progress": "10"},
        {"anonymous": LOGIN, "stranger": 404, "partner": 404, "owner": 409},
    ),
    "contracts.encourage": (
        "POST",
        "/contract-check-ins/{check_in}/encourage",
        {"words": "Go on"},
        {"anonymous": LOGIN, "stranger": 404, "partner": OK, "owner": 409},
    ),
    "contracts.close": (
        "POST",
        "/contracts/{secret_contract}/discard",
        {"seen": "1"},
        PRIVATE_ONLY,
    ),
    "weekly.week": ("GET", "/weekly", None, OWN_ONLY),
    "weekly.prompts": ("GET", "/weekly/prompts", None, OWN_ONLY),
    "yearly.index": ("GET", "/yearly", None, OWN_ONLY),
    # Starting the review of a day that has one opens it; a stranger has no quarter yet.
    "yearly.start": (
        "POST",
        "/yearly/start",
        {"day": "{review_day}"},
        {"anonymous": LOGIN, "stranger": 409, "partner": OK, "owner": OK},
    ),
    "yearly.show": ("GET", "/yearly/{review}", None, SHARED),
    "yearly.printable": ("GET", "/yearly/{review}/print", None, SHARED),
    "yearly.answer": ("POST", "/yearly/{review}/answers", {"answers-0": "Yes"}, SHARED),
    "yearly.decide": (
        "POST",
        "/yearly/{review}/decisions",
        {"keep": "Walks", "change": "", "version": "1"},
        SHARED,
    ),
    # Kept only once both answered (Sam has not): a conflict for both, nothing for others.
    "yearly.keep": (
        "POST",
        "/yearly/{review}/keep",
        {"seen": "1"},
        {"anonymous": LOGIN, "stranger": 404, "partner": 409, "owner": 409},
    ),
    # Notifications: each member's own; another's is a 404, as one that does not exist.
    # The stream says only that something changed; the crawl reads it as the partner.
    "live.stream": ("GET", "/live?page=matrix-page&place=board-{quarter}", None, OWN_ONLY),
    "live.presence": ("GET", "/live/presence?place=board-{quarter}", None, OWN_ONLY),
    "notifications.index": ("GET", "/notifications", None, OWN_ONLY),
    "notifications.bell": ("GET", "/notifications/bell", None, OWN_ONLY),
    "notifications.open": ("POST", "/notifications/{notification}/open", {}, PRIVATE_ONLY),
    "notifications.read_all": ("POST", "/notifications/read", {}, OWN_ONLY),
    "rituals.index": ("GET", "/rituals", None, OWN_ONLY),
    "rituals.week": ("GET", "/rituals/week?of=2030-01-07", None, OWN_ONLY),
    "rituals.create": ("POST", "/rituals", RITUAL_FORM, OWN_ONLY),
    "rituals.show": ("GET", "/rituals/{secret_ritual}", None, SHARED),
    "rituals.edit": (
        "POST",
        "/rituals/{secret_ritual}",
        {"details-title": "Renamed", "details-goal": "", "details-version": "1"},
        PERSONAL,
    ),
    "rituals.adapt": (
        "POST",
        "/rituals/{secret_ritual}/rule",
        {
            **{f"adapt-{k}": v for k, v in RITUAL_RULE.items()},
            "adapt-from_day": "2031-01-01",
            "adapt-version": "1",
        },
        PERSONAL,
    ),
    "rituals.pause": (
        "POST",
        "/rituals/{secret_ritual}/pause",
        {"pause-from_day": "2031-01-01", "pause-version": "1"},
        PERSONAL,
    ),
    "rituals.skip": ("POST", "/rituals/{joint_ritual}/occurrences/2030-01-14", {}, SHARED),
    "rituals.unskip": (
        "POST",
        "/rituals/{secret_ritual}/occurrences/2030-01-14/restore",
        {},
        PERSONAL,
    ),
    "rituals.delete": ("POST", "/rituals/{secret_ritual}/delete", {}, PERSONAL),
    "rituals.restore": ("POST", "/rituals/{joint_ritual}/restore", {}, SHARED),
    # Mail: a forgotten password's pages and an unsubscribe link need no sign-in (the
    # link's token is the proof); what a member chooses to get by mail is their own.
    "auth.forgot_password": ("GET", "/password/forgot", None, OPEN_TO_ALL),
    "auth.reset_password": ("GET", "/password/reset/{reset}", None, OPEN_TO_ALL),
    "notifications.mail_choices": ("POST", "/settings/email", {"digest": "y"}, OWN_ONLY),
    "notifications.unsubscribe": ("GET", "/unsubscribe/{unsubscribe}", None, OPEN_TO_ALL),
    # Each member's own calendar link, made, shown once and stopped by that member.
    "calendar.page": ("GET", "/calendar", None, OWN_ONLY),
    "calendar.create": ("POST", "/calendar", {}, OWN_ONLY),
    "calendar.revoke": ("POST", "/calendar/revoke", {}, OWN_ONLY),
    # The feed answers whoever holds its secret link, without signing in, with what its
    # member may see: Sam's link here, so every caller reads the partner's view of Alex's
    # private goal and solo slot, and the body checks below find none of their words.
    "calendar.feed": ("GET", "/calendar/{sam_feed}.ics", None, OPEN_TO_ALL),
    "transfer.export_json": ("GET", "/export.json", None, OWN_ONLY),
    "transfer.export_csv": ("GET", "/export.csv", None, OWN_ONLY),
    "transfer.export_log_csv": ("GET", "/export-log.csv", None, OWN_ONLY),
}
NOT_PARTNERSHIP_DATA = {"static"}
QUERIES_PER_PATH = 6


def test_every_route_is_in_the_matrix():
    app = create_app(make_config("sqlite://"))
    with app.app_context():
        db.engine.dispose()
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()} - NOT_PARTNERSHIP_DATA
    assert sorted(endpoints - MATRIX.keys()) == [], "add these routes to the matrix"
    assert sorted(MATRIX.keys() - endpoints) == [], "these rows name no route"


@pytest.fixture
def world(app, alex, sam):
    """Alex's records, seen by everyone: Sam (partner), a stranger, and nobody."""
    return build_world(app, alex, sam)


def build_world(app, alex, sam) -> dict:
    """Alex's records of every kind, shared with Sam or not, and their ids (the
    accessibility test fills a served database with them too)."""
    quarter = make_quarter(app, alex, name="2027 Q1", state="active")
    nxt = make_quarter(app, alex, name="2027 Q2", previous_id=quarter.id)
    stage = stages_of(app, alex)[0]
    secret = make_goal(
        app,
        quarter,
        lane_of(app, alex),
        stage,
        title=SECRET_TITLE,
        notes=SECRET_NOTES,
        is_private=True,
        target_on=date(2027, 2, 10),
    )
    personal = make_goal(app, quarter, lane_of(app, alex), stage, title="Alex runs")
    shared = make_goal(app, quarter, shared_lane(app, alex), stage, title="Our trip")
    allocation = allocate(app, secret, alex, hours="2", note=SECRET_NOTES)
    with app.app_context():
        invite, token = Invite.issue(
            db.session.get(User, alex.id).partnership, db.session.get(User, alex.id), 7
        )
        db.session.add(SharedValue(partnership_id=alex.partnership_id, name="Adventure"))
        _reset, reset_token = PasswordReset.issue(db.session.get(User, alex.id), timedelta(hours=1))
        unsubscribe = notifications.unsubscribe_token(db.session.get(User, alex.id), "digest")
        db.session.commit()
        invite_id = invite.id
        value_id = db.session.scalar(select(SharedValue.id))
    # Alex re-plans: the private goal pauses at once (Alex's own); the trip is proposed.
    entry, (_private, proposal) = raise_entry(
        app, alex, quarter, [(secret, "pause"), (shared, "pause")], event="A new job"
    )
    # A contract the partner witnesses, with a check-in; another on the private goal,
    # kept to its owner (its terms hold the secret's words).
    contract, check_in = make_contract(app, personal, witness=sam, check_in=True)
    secret_contract, _none = make_contract(app, secret)
    reading = make_goal(app, quarter, lane_of(app, alex), stage, title="Alex reads")
    draft_contract, _none = make_contract(app, reading)
    with app.app_context():
        terms = db.session.scalar(
            select(ContractTerms).where(ContractTerms.contract_id == secret_contract)
        )
        terms.commitment = SECRET_NOTES
        db.session.commit()
    # Alex's answers for this week, sealed from Sam, who has not answered.
    with app.app_context():
        member = db.session.get(User, alex.id)
        weekly.answer(member, ["How are you?"], [SECRET_NOTES], 2)
        db.session.commit()
    # A yearly review Alex answered, sealed from Sam, who has not.
    review = make_review(app, alex)
    with app.app_context():
        member = db.session.get(User, alex.id)
        yearly.answer(db.session.get(YearlyReview, review.id), member, [SECRET_NOTES, "Yes"])
        db.session.commit()
    # Milestones of the private goal, ticked (their wins hold the secret's words); one of
    # the two wins shared with Sam as "a private win". A personal and a shared checklist.
    secret_steps = make_milestones(
        app, secret, alex, (SECRET_NOTES, SECRET_TITLE), ticked=(SECRET_NOTES, SECRET_TITLE)
    )
    stretch = make_milestones(app, personal, alex, ("Stretch",))["Stretch"]
    packed = make_milestones(app, shared, alex, ("Pack",), ticked=("Pack",))["Pack"]
    shown_secret_win = win_of(app, secret_steps[SECRET_TITLE])
    with app.app_context():
        db.session.get(Win, shown_secret_win).shared_by_owner = True
        db.session.commit()
    # An agreed entry too, whose page lists what it paused: the crawl below visits it.
    agreed, _ids = raise_entry(app, alex, quarter, [(secret, "pause")], event="Still tired")
    with app.app_context():
        flexibility.respond(db.session.get(FlexEntry, agreed), db.session.get(User, sam.id), "", [])
        db.session.commit()
        # Sam signed Alex's contract and acknowledged Alex's entry: Alex was told.
        notification = db.session.scalar(
            select(Notification.id).where(Notification.user_id == alex.id).limit(1)
        )
    # Alex's private solo slot, named like the secret and serving the private goal, and a
    # joint ritual; each with a skipped evening.
    with app.app_context():
        member = db.session.get(User, alex.id)
        when = {
            "frequency": "weekly",
            "weekdays": "MO",
            "at": time(19),
            "minutes": 120,
            "time_zone": "UTC",
            "starts_on": date(2030, 1, 7),
        }
        partner = db.session.get(User, sam.id)
        solo = rituals.create(
            member, kind="solo", title=SECRET_TITLE, is_private=True, goal_id=secret.id, rule=when
        )
        joint = rituals.create(
            member, kind="joint", title="Date night", is_private=False, goal_id=None, rule=when
        )
        # An open slot of Alex's for the private goal: the goal stays Alex's to know.
        rituals.create(
            member,
            kind="solo",
            title="Alex stretches",
            is_private=False,
            goal_id=secret.id,
            rule={**when, "weekdays": "TU", "time_zone": "Europe/Berlin"},
        )
        # Sam's calendar link: its feed shows the first as "Solo time", the goal as "Busy".
        sam_feed = calendar.issue(partner)
        db.session.flush()
        for ritual in (solo, joint):
            rituals.skip(ritual, date(2030, 1, 21), member)
        db.session.commit()
        secret_ritual, joint_ritual = solo.id, joint.id
    return {
        "sam_feed": sam_feed,
        "secret_ritual": secret_ritual,
        "joint_ritual": joint_ritual,
        "notification": notification,
        "quarter": quarter.id,
        "next": nxt.id,
        "stage": stage.id,
        "secret": secret.id,
        "personal": personal.id,
        "shared": shared.id,
        "old_personal": personal.id,
        "allocation": allocation.id,
        "invite": invite_id,
        "token": token,
        "reset": reset_token,
        "unsubscribe": unsubscribe,
        "value": value_id,
        "lane": shared_lane(app, alex).id,
        "alex_lane": lane_of(app, alex).id,
        "entry": entry,
        "proposal": proposal,
        "contract": contract,
        "check_in": check_in,
        "secret_contract": secret_contract,
        "draft_contract": draft_contract,
        "review": review.id,
        "review_day": review.ends_on.isoformat(),
        "stretch": stretch,
        "secret_step": secret_steps[SECRET_NOTES],
        "secret_win": win_of(app, secret_steps[SECRET_NOTES]),
        "shown_secret_win": shown_secret_win,
        "shared_win": win_of(app, packed),
    }


def client_for(app, role, alex, sam):
    if role == "anonymous":
        return app.test_client()
    user = {"owner": alex, "partner": sam}.get(role) or make_user(app, "Stranger")
    return logged_in(app, user)


def outcome(response) -> object:
    location = response.headers.get("Location", "")
    if response.status_code == 302 and location.startswith("/login?next="):
        return LOGIN  # sent to sign in first (a successful sign-out goes to plain /login)
    if response.status_code < 400:
        return OK
    return response.status_code


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", sorted(MATRIX))
def test_matrix(app, alex, sam, world, endpoint, role):
    method, url, data, expected = MATRIX[endpoint]
    client = client_for(app, role, alex, sam)
    url = url.format(**world)
    if method == "GET":
        response = client.get(url)
    else:
        form = {k.format(**world): v.format(**world) for k, v in data.items()}
        response = client.post(url, data=form)
    want = expected[role]
    got = outcome(response)
    if want == PUBLIC:
        assert got == OK, (endpoint, role, response.status_code)
    else:
        assert got == want, (endpoint, role, response.status_code, response.headers.get("Location"))
    if role != "owner":
        body = shown(response)
        assert SECRET_TITLE not in body and SECRET_NOTES not in body, (endpoint, role)


@pytest.mark.parametrize("role", ["partner", "stranger"])
def test_no_page_the_partner_can_reach_shows_private_content(app, alex, sam, world, role):
    """Crawl every GET route (as page and as htmx fragment) and every link on the way."""
    client = client_for(app, role, alex, sam)
    todo = [url.format(**world) for method, url, _d, _e in MATRIX.values() if method == "GET"]
    seen, per_path = set(), Counter()
    while todo:
        url = todo.pop()
        if url in seen or url.startswith(("/static", "/logout")):
            continue
        # A calendar goes on for ever (a week's page links the next week's): a few
        # queries of each page are enough.
        path = url.partition("?")[0]
        if per_path[path] >= QUERIES_PER_PATH:
            continue
        per_path[path] += 1
        seen.add(url)
        for htmx in (False, True):
            body = shown(client.get(url, htmx=htmx))
            assert SECRET_TITLE not in body and SECRET_NOTES not in body, url
            todo.extend(re.findall(r'href="(/[^"#]*)', body))
    assert len(seen) > 20
    assert f"/calendar/{world['sam_feed']}.ics" in seen  # the partner's calendar feed too


def test_the_crawl_would_see_a_secret_in_a_calendar_feed(app, alex, sam, world):
    """Alex's own feed holds the words the crawl looks for (and Sam's, which the crawl
    reads, holds the slot and the goal without them): the crawl is not blind to feeds."""
    with app.app_context():
        token = calendar.issue(db.session.get(User, alex.id))
        db.session.commit()
    own = shown(app.test_client().get(f"/calendar/{token}.ics"))
    assert f"SUMMARY:{SECRET_TITLE}" in own and f"SUMMARY:Target: {SECRET_TITLE}" in own
    partners = shown(app.test_client().get(f"/calendar/{world['sam_feed']}.ics"))
    assert "SUMMARY:Solo time" in partners and "SUMMARY:Busy" in partners
    assert "SUMMARY:Alex stretches" in partners


def shown(response) -> str:
    """A response's text, with an iCalendar feed's folded lines joined (RFC 5545 folds
    them at 75 octets, which could split a secret a check looks for)."""
    return response.get_data(as_text=True).replace("\r\n ", "")
