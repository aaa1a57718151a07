"""Hostile input: an XSS corpus through every text field, and fuzzed forms that must never 500."""

import io
from importlib import import_module

import pytest
from factories import lane_of, load, make_goal, make_quarter, shared_lane, stages_of
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from wtforms import StringField
from wtforms.fields.core import UnboundField
from wtforms.validators import Length

from goalmap import AREAS
from goalmap.auth.forms import ForgotPasswordForm, LoginForm, RegisterForm
from goalmap.board.forms import NameForm, QuarterForm
from goalmap.contracts.forms import CheckInForm, CloseForm, EncourageForm, TermsForm
from goalmap.extensions import db
from goalmap.fields import Form
from goalmap.flexibility.forms import (
    DecisionForm,
    EntryForm,
    FollowUpForm,
    ProtocolForm,
    RespondForm,
)
from goalmap.goals.forms import CommentForm, GoalForm
from goalmap.milestones.forms import MilestoneForm, NewMilestoneForm
from goalmap.models import (
    Allocation,
    Appreciation,
    Contract,
    ContractCheckIn,
    ContractTerms,
    FlexDecision,
    FlexEntry,
    FlexFollowUp,
    FlexImpact,
    Goal,
    GoalComment,
    GoalEvent,
    Lane,
    MailMessage,
    Milestone,
    Partnership,
    PromptVersion,
    ProtocolVersion,
    Quarter,
    Ritual,
    RitualRule,
    SharedValue,
    Stage,
    User,
    Win,
    WinReaction,
    YearlyAnswer,
    YearlyReview,
)
from goalmap.partnership.forms import InviteForm, PartnershipForm
from goalmap.planning.forms import ReviewForm
from goalmap.resources.forms import AllocationForm
from goalmap.rituals.forms import DetailsForm, RitualForm, RuleForm
from goalmap.weekly.forms import QuestionsForm
from goalmap.wins.forms import AppreciationForm, ReactionForm, SeenForm, ShareForm
from goalmap.yearly.forms import KeepChangeForm, YearlyAnswersForm

XSS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "<svg onload=alert(1)><circle/></svg>",
    "javascript:alert(1)",
    '<a href="javascript:alert(1)">x</a>',
    "{{ 7*7 }}{% print('x') %}",
    "'; DROP TABLE goals; --",
    "\u202etxt.exe \u0000 \ufeff 👩‍❤️‍👨 " + "é" * 30,
    "<style>body{display:none}</style>",
]
# The raw forms that must never come back unescaped.
DANGEROUS = ("<script>", "<img src=x", "<svg onload", 'href="javascript:', "<style>")


def unescaped(body: str) -> list[str]:
    return [d for d in DANGEROUS if d in body]


@pytest.mark.parametrize("payload", XSS)
def test_every_text_field_shows_hostile_text_only_escaped(
    app, alex, sam, alex_client, sam_client, payload
):
    quarter = make_quarter(app, alex)
    lane, stage = shared_lane(app, alex), stages_of(app, alex)[0]
    short = payload[:40]
    alex_client.post("/settings/partnership", data={"name": payload[:120]})
    alex_client.post("/lanes", data={"lane-name": short})
    alex_client.post("/stages", data={"stage-name": short})
    alex_client.post("/values", data={"value-name": short})
    alex_client.post(
        f"/quarters/{quarter.id}/goals/new",
        data={
            "lane_id": lane.id,
            "stage_id": stage.id,
            "title": payload[:200],
            "notes": payload,
            "status": "active",
        },
    )
    goal = make_goal(app, quarter, lane, stage, title="Plain")
    alex_client.post(
        f"/goals/{goal.id}/edit",
        data={"title": payload[:200], "notes": payload, "status": "active", "version": "1"},
    )
    sam_client.post(f"/goals/{goal.id}/comments", data={"body": payload})
    sam_client.post(
        f"/goals/{goal.id}/allocations",
        data={"hours_per_week": "1", "currency": "EUR", "money_period": "month", "note": payload},
    )
    alex_client.post(f"/quarters/{quarter.id}/session/my-goals", data={"title": payload[:200]})
    alex_client.post(
        f"/quarters/{quarter.id}/session/our-goals",
        data={"title": payload[:200], "lane_id": lane.id, "value_id": "0"},
    )
    # Registration shows the name back on the next pages.
    newcomer = app.test_client()
    newcomer.post(
        "/register",
        data={
            "display_name": payload[:80],
            "email": "x@example.com",
            "password": "long enough pw",
            "confirm": "long enough pw",
        },
    )
    pages = [
        (alex_client, f"/quarters/{quarter.id}"),
        (sam_client, f"/quarters/{quarter.id}"),
        (alex_client, f"/quarters/{quarter.id}/timeline"),
        (alex_client, "/settings"),
        (alex_client, f"/quarters/{quarter.id}/session/my-goals"),
        (sam_client, f"/quarters/{quarter.id}/session/our-goals"),
        (alex_client, f"/goals/{goal.id}/allocations"),
        (alex_client, f"/goals/{goal.id}/edit"),
        (alex_client, f"/quarters/{quarter.id}/balance"),
        (alex_client, "/quarters"),
        (newcomer, "/quarters/new"),
    ]
    for client, url in pages:
        for htmx in (False, True):
            response = client.get(url, htmx=htmx)
            assert response.status_code < 500, url
            assert unescaped(response.get_data(as_text=True)) == [], url


def test_a_personal_lane_named_with_markup_is_escaped_everywhere(app, client):
    client.post(
        "/register",
        data={
            "display_name": "<b onmouseover=x>Al</b>",
            "email": "al@example.com",
            "password": "long enough pw",
            "confirm": "long enough pw",
        },
    )
    client.post(
        "/quarters/new", data={"name": "Q", "starts_on": "2027-01-01", "ends_on": "2027-03-31"}
    )
    body = client.get(client.get("/").headers["Location"]).get_data(as_text=True)
    assert "<b onmouseover" not in body and "&lt;b onmouseover=x&gt;Al&lt;/b&gt;" in body


text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300)
maybe_number = st.one_of(
    text, st.decimals(allow_nan=True, allow_infinity=True).map(str), st.integers().map(str)
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(title=text, notes=text, starts=text, target=text, status=text, version=text)
def test_goal_forms_never_fail_with_a_server_error(
    app, alex, quarter, alex_client, title, notes, starts, target, status, version
):
    lane, stage = lane_of(app, alex), stages_of(app, alex)[0]
    data = {
        "title": title,
        "notes": notes,
        "starts_on": starts,
        "target_on": target,
        "status": status,
    }
    created = alex_client.post(
        f"/quarters/{quarter.id}/goals/new", data={**data, "lane_id": lane.id, "stage_id": stage.id}
    )
    assert created.status_code in (302, 422)
    goal = make_goal(app, quarter, lane, stage)
    edited = alex_client.post(
        f"/goals/{goal.id}/edit", data={**data, "version": version}, htmx=True
    )
    assert edited.status_code in (200, 409, 422)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    hours=maybe_number,
    amount=maybe_number,
    period=text,
    energy=text,
    currency=text,
    lane=maybe_number,
    stage=maybe_number,
    position=maybe_number,
)
def test_numbers_and_ids_never_fail_with_a_server_error(
    app, alex, quarter, alex_client, hours, amount, period, energy, currency, lane, stage, position
):
    goal = make_goal(app, quarter, lane_of(app, alex))
    note = alex_client.post(
        f"/goals/{goal.id}/allocations",
        data={
            "hours_per_week": hours,
            "amount": amount,
            "money_period": period,
            "energy": energy,
            "currency": currency,
        },
    )
    assert note.status_code in (302, 422)
    available = alex_client.post(
        f"/quarters/{quarter.id}/availability",
        data={"hours_per_week": hours, "budget": amount, "currency": currency, "version": position},
    )
    assert available.status_code in (302, 409, 422)
    moved = alex_client.post(
        f"/goals/{goal.id}/move", data={"lane_id": lane, "stage_id": stage, "position": position}
    )
    assert moved.status_code in (302, 403, 404, 422)
    quarter_form = alex_client.post(
        "/quarters/new", data={"name": period, "starts_on": hours, "ends_on": amount}
    )
    assert quarter_form.status_code in (302, 422)


@pytest.mark.parametrize("ident", ["2147483648", "9223372036854775808", "99999999999999999999"])
def test_ids_beyond_the_databases_integers_are_not_found(app, alex, quarter, alex_client, ident):
    goal = make_goal(app, quarter, lane_of(app, alex))
    stage = goal.stage_id
    moved = alex_client.post(
        f"/goals/{goal.id}/move", data={"lane_id": ident, "stage_id": stage, "position": 0}
    )
    assert moved.status_code == 404
    for path in (f"/goals/{ident}/edit", f"/quarters/{ident}", f"/quarters/{ident}/timeline"):
        assert alex_client.get(path).status_code == 404, path


@pytest.mark.parametrize("version", ["99999999999999", "2147483648", "²", "١"])
def test_a_version_the_server_never_gave_asks_for_a_reload(
    app, alex, quarter, alex_client, version
):
    goal = make_goal(app, quarter, lane_of(app, alex), title="Learn the cello")
    data = {"title": "Changed", "status": "active", "version": version}
    answer = alex_client.post(f"/goals/{goal.id}/edit", data=data, htmx=True)
    assert answer.status_code == 422
    assert "This form is out of date; reload the page." in answer.get_data(as_text=True)
    assert load(app, Goal, goal.id).title == "Learn the cello"


# -- every text a form takes fits the columns it is stored in ---------------------------

# Where each text field's value is stored. A member's name is also their lane's name.
STORED_IN = {
    (RegisterForm, "display_name"): [User.display_name, Lane.name],
    (RegisterForm, "email"): [User.email],
    (LoginForm, "email"): [User.email],
    (ForgotPasswordForm, "email"): [User.email],  # looked up, never stored
    (InviteForm, "email"): [MailMessage.to_address],
    (GoalForm, "title"): [Goal.title],
    (GoalForm, "notes"): [Goal.notes],
    (QuarterForm, "name"): [Quarter.name],
    (NameForm, "name"): [Lane.name, Stage.name, SharedValue.name],
    (PartnershipForm, "name"): [Partnership.name],
    (CommentForm, "body"): [GoalComment.body],
    (MilestoneForm, "title"): [Milestone.title, Win.what],
    (NewMilestoneForm, "title"): [Milestone.title, Win.what],
    (AppreciationForm, "body"): [Appreciation.body],
    (SeenForm, "wins"): [],  # ids, never stored as text
    (ReactionForm, "reaction"): [WinReaction.reaction],
    (ReactionForm, "on"): [],  # a choice, not stored as text
    (ShareForm, "shared"): [],  # a choice, not stored as text
    (ReviewForm, "reason"): [GoalEvent.note],
    (AllocationForm, "note"): [Allocation.note],
    (EntryForm, "event"): [FlexEntry.event],
    (EntryForm, "impact"): [FlexImpact.words],
    (RespondForm, "impact"): [FlexImpact.words],
    (DecisionForm, "reason"): [FlexDecision.reason],
    (FollowUpForm, "note"): [FlexFollowUp.note],
    (ProtocolForm, "steps"): [ProtocolVersion.steps_text],
    (TermsForm, "commitment"): [ContractTerms.commitment],
    (TermsForm, "success"): [ContractTerms.success],
    (TermsForm, "support"): [ContractTerms.support],
    (CheckInForm, "note"): [ContractCheckIn.note],
    (EncourageForm, "words"): [ContractCheckIn.encouragement],
    (CloseForm, "reflection"): [Contract.reflection],
    (QuestionsForm, "prompts"): [PromptVersion.prompts_text],
    (KeepChangeForm, "keep"): [YearlyReview.keep],
    (KeepChangeForm, "change"): [YearlyReview.change],
    # Each answer (a FieldList entry, Length 4000) goes into one JSON list in a Text column.
    (YearlyAnswersForm, "answers"): [YearlyAnswer.answers_json],
    (RitualForm, "title"): [Ritual.what],
    (DetailsForm, "title"): [Ritual.what],
    (RuleForm, "time_zone"): [RitualRule.time_zone],
    (RuleForm, "frequency"): [],  # a choice, not stored as typed
    (RuleForm, "nth"): [],  # a choice, stored as a number
    (RitualForm, "kind"): [],  # a choice
    (RitualForm, "goal"): [],  # an id
    (DetailsForm, "goal"): [],  # an id
}
# Text fields never stored as typed: passwords (hashed), and values the server checks
# against what it knows (a version, a decision, a direction, a status).
NOT_STORED = {"password", "confirm", "current", "version", "decision", "direction", "status"}


def text_fields():
    """(form, name, unbound field) for every text field of every form of every area."""
    for area in AREAS:
        import_module(f"goalmap.{area}.forms")
    seen, todo = set(), list(Form.__subclasses__())
    while todo:
        form = todo.pop()
        if form in seen:
            continue
        seen.add(form)
        todo.extend(form.__subclasses__())
        for name in dir(form):
            unbound = getattr(form, name)
            if isinstance(unbound, UnboundField) and issubclass(unbound.field_class, StringField):
                yield form, name, unbound


def test_every_text_field_fits_the_columns_it_is_stored_in():
    checked = 0
    for form, name, unbound in text_fields():
        if name in NOT_STORED:
            continue
        # A subclass (NewGoalForm) stores its field where its base's row says.
        row = next((STORED_IN[b, name] for b in form.__mro__ if (b, name) in STORED_IN), None)
        assert row is not None, f"{form.__name__}.{name}: add where it is stored to STORED_IN"
        limits = [v.max for v in unbound.kwargs.get("validators") or () if isinstance(v, Length)]
        for column in row:
            if column.type.length is not None:  # not TEXT
                assert limits and max(limits) <= column.type.length, (form, name, column)
        checked += 1
    assert checked >= len(STORED_IN)
    # A new account's partnership is named after it: "<name>'s partnership".
    longest = User.display_name.type.length + len("'s partnership")
    assert longest <= Partnership.name.type.length


def test_a_display_name_of_eighty_characters_names_the_lane_too(app, client):
    name = "Ä" * 80
    response = client.post(
        "/register",
        data={
            "display_name": name,
            "email": "long@example.com",
            "password": "long enough pw",
            "confirm": "long enough pw",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(db.select(Lane.name).where(Lane.owner_id.is_not(None))) == name


# -- one line, planning days, form fields only ----------------------------------------


def test_one_line_fields_hold_one_line_and_notes_keep_their_lines(app, alex, quarter, alex_client):
    alex_client.post("/settings/partnership", data={"name": "Us\r\nand\u2028them\x1b"})
    goal = make_goal(app, quarter, lane_of(app, alex))
    alex_client.post(
        f"/goals/{goal.id}/edit",
        data={"title": "Run\r\n\r\nfar", "notes": "one\r\ntwo", "status": "active", "version": "1"},
    )
    with app.app_context():
        assert db.session.get(Partnership, alex.partnership_id).name == "Us and them"
    saved = load(app, Goal, goal.id)
    assert (saved.title, saved.notes) == ("Run far", "one\r\ntwo")


@pytest.mark.parametrize("day", ["0001-01-01", "1899-12-31", "3000-01-01", "9999-12-31"])
def test_dates_outside_planning_days_are_refused_where_they_were_typed(alex_client, day):
    response = alex_client.post(
        "/quarters/new", data={"name": "Far", "starts_on": day, "ends_on": "2027-03-31"}
    )
    assert response.status_code == 422
    assert "Enter a date between 1900 and 2999." in response.get_data(as_text=True)


def test_the_last_plannable_quarter_still_has_a_next_one(app, alex, alex_client):
    from datetime import date

    last = make_quarter(
        app, alex, name="2999 Q4", starts_on=date(2999, 10, 1), ends_on=date(2999, 12, 31)
    )
    response = alex_client.post(f"/quarters/{last.id}/next")
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(db.select(Quarter.name).where(Quarter.previous_id == last.id)) == (
            "3000 Q1"
        )


def test_a_text_field_sent_as_a_file_is_no_value_of_it(app, alex, quarter, alex_client):
    goal = make_goal(app, quarter, lane_of(app, alex), title="Kept")
    response = alex_client.post(
        f"/goals/{goal.id}/edit",
        data={
            "title": (io.BytesIO(b"Sneaked in"), "title.txt"),
            "status": "active",
            "version": "1",
        },
    )
    assert response.status_code == 422
    assert load(app, Goal, goal.id).title == "Kept"


def test_a_number_too_large_for_any_column_is_refused_with_a_message(app, alex, alex_client):
    response = alex_client.post(
        "/settings/prompts",
        data={
            "currency": "EUR",
            "carry_over_prompt": "9" * 400,
            "drop_prompt": "2",
            "shared_share_prompt": "60",
        },
        follow_redirects=True,  # the balance page says what was refused, above its form
    )
    assert "That number is too large." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Partnership, alex.partnership_id).carry_over_prompt < 100
