"""The flexibility protocol and its log: consent, all or none, a record nobody rewrites."""

from datetime import date, timedelta

import pytest
from factories import lane_of, load, make_goal, make_quarter, shared_lane
from sqlalchemy import select, text

from goalmap.extensions import db
from goalmap.models import (
    AppendOnly,
    FlexAcknowledgement,
    FlexDecision,
    FlexEntry,
    Goal,
    GoalEvent,
    ProtocolVersion,
    User,
)

TODAY = date.today()


@pytest.fixture
def plan(app, alex, sam):
    """An active quarter with one goal of each kind."""
    quarter = make_quarter(
        app,
        alex,
        name="Now",
        starts_on=TODAY - timedelta(days=30),
        ends_on=TODAY + timedelta(days=60),
        state="active",
    )
    return {
        "quarter": quarter,
        "alex_runs": make_goal(app, quarter, lane_of(app, alex), title="Alex runs"),
        "sam_paints": make_goal(app, quarter, lane_of(app, sam), title="Sam paints"),
        "trip": make_goal(app, quarter, shared_lane(app, alex), title="Our trip"),
        "therapy": make_goal(app, quarter, lane_of(app, alex), title="Therapy", is_private=True),
    }


def entry_form(decisions: dict, **fields) -> dict:
    form = {
        "event": "Sam's new job",
        "kind": "work",
        "happened_on": TODAY.isoformat(),
        "impact": "Less time in the evenings.",
        "look_again_on": (TODAY + timedelta(days=14)).isoformat(),
        **fields,
    }
    for goal, values in decisions.items():
        values = {"action": values} if isinstance(values, str) else values
        form.update({f"goal-{goal.id}-{name}": value for name, value in values.items()})
    return form


def raise_entry(client, decisions: dict, **fields) -> int:
    response = client.post("/flexibility/new", data=entry_form(decisions, **fields))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return int(response.headers["Location"].rsplit("/", 1)[1])


def status(app, goal) -> str:
    return load(app, Goal, goal.id).status


def test_own_goals_change_at_once_the_rest_when_everyone_has_acknowledged(
    app, plan, alex_client, sam_client
):
    entry_id = raise_entry(
        alex_client,
        {
            plan["alex_runs"]: "pause",
            plan["trip"]: {"action": "drop", "reason": "No money this year"},
            plan["sam_paints"]: "pause",
        },
    )
    # Alex's own goal changed when the entry was saved; the others are proposals.
    assert status(app, plan["alex_runs"]) == "paused"
    assert status(app, plan["trip"]) == status(app, plan["sam_paints"]) == "active"
    assert load(app, FlexEntry, entry_id).state == "open"
    page = sam_client.get(f"/flexibility/{entry_id}").get_data(as_text=True)
    assert "Our trip" in page and "proposed" in page and "Less time in the evenings." in page

    response = sam_client.post(f"/flexibility/{entry_id}/respond", data={"impact": "Fine by me."})
    assert response.status_code == 302
    assert load(app, FlexEntry, entry_id).state == "agreed"
    assert status(app, plan["trip"]) == "dropped"
    assert status(app, plan["sam_paints"]) == "paused"
    with app.app_context():
        traces = db.session.scalars(
            select(GoalEvent.goal_id).where(GoalEvent.flex_entry_id == entry_id)
        ).all()
        assert set(traces) == {plan["alex_runs"].id, plan["trip"].id, plan["sam_paints"].id}
    story = sam_client.get(f"/goals/{plan['trip'].id}/story").get_data(as_text=True)
    assert f"/flexibility/{entry_id}" in story and "No money this year" in story


def test_one_decision_that_no_longer_applies_stops_the_whole_entry(
    app, plan, alex_client, sam_client
):
    entry_id = raise_entry(alex_client, {plan["trip"]: "pause", plan["sam_paints"]: "pause"})
    # Sam edits the trip after Alex decided on it: its version moved.
    sam_client.post(
        f"/goals/{plan['trip'].id}/edit",
        data={"title": "Our trip to Porto", "status": "active", "version": "1"},
    )
    response = sam_client.post(f"/flexibility/{entry_id}/respond", data={}, follow_redirects=True)
    assert "“Our trip to Porto” changed after this was decided" in response.get_data(as_text=True)
    assert status(app, plan["sam_paints"]) == "active"  # nothing of the entry applied
    assert load(app, FlexEntry, entry_id).state == "open"
    with app.app_context():
        acknowledged = db.session.scalars(select(FlexAcknowledgement.user_id)).all()
        assert acknowledged == [plan["alex_runs"].owner_id]  # Sam's yes was not kept either


def test_a_member_acknowledges_only_for_themselves(app, alex, plan, alex_client):
    entry_id = raise_entry(alex_client, {plan["trip"]: "pause"})
    for _ in range(3):  # Alex says yes again and again: still waiting for Sam
        alex_client.post(f"/flexibility/{entry_id}/respond", data={})
    assert load(app, FlexEntry, entry_id).state == "open"
    assert status(app, plan["trip"]) == "active"


def test_a_new_proposal_takes_back_the_other_members_yes(app, plan, alex_client, sam_client):
    entry_id = raise_entry(alex_client, {plan["alex_runs"]: "pause"})
    # Sam acknowledges, proposing to drop the shared trip: Alex has not agreed to that.
    sam_client.post(
        f"/flexibility/{entry_id}/respond", data={f"goal-{plan['trip'].id}-action": "drop"}
    )
    assert load(app, FlexEntry, entry_id).state == "open"
    assert status(app, plan["trip"]) == "active"
    alex_client.post(f"/flexibility/{entry_id}/respond", data={})
    assert load(app, FlexEntry, entry_id).state == "agreed"
    assert status(app, plan["trip"]) == "dropped"


def test_an_agreed_entry_is_never_changed_or_deleted_by_the_model_or_the_database(
    app, plan, alex_client, sam_client
):
    entry_id = raise_entry(alex_client, {plan["trip"]: "pause"})
    sam_client.post(f"/flexibility/{entry_id}/respond", data={})
    with app.app_context():
        entry = db.session.get(FlexEntry, entry_id)
        entry.event = "Something else"
        with pytest.raises(AppendOnly):
            db.session.flush()
        db.session.rollback()
        with pytest.raises(AppendOnly):
            db.session.delete(db.session.get(FlexEntry, entry_id))
            db.session.flush()
        db.session.rollback()
    for statement in (
        "UPDATE flex_entries SET event = 'rewritten'",
        "UPDATE flex_entries SET look_again_on = look_again_on",  # unchanged: allowed
        "DELETE FROM flex_entries",
        "UPDATE flex_decisions SET action = 'drop'",
        "DELETE FROM flex_decisions",
        "UPDATE flex_impacts SET words = 'other words'",
        "DELETE FROM flex_impacts",
    ):
        with app.app_context(), db.engine.connect() as conn:
            if "= look_again_on" in statement:
                conn.execute(text(statement))
                continue
            with pytest.raises(Exception, match="append-only"):
                conn.execute(text(statement))
            conn.rollback()
    with app.app_context():
        assert db.session.get(FlexEntry, entry_id).event == "Sam's new job"


def test_a_member_who_deletes_their_account_leaves_the_record_whole(
    app, sam, plan, alex_client, sam_client
):
    entry_id = raise_entry(alex_client, {plan["trip"]: "pause", plan["sam_paints"]: "pause"})
    sam_client.post(f"/flexibility/{entry_id}/respond", data={"impact": "Yes."})
    response = sam_client.post(
        "/account/delete", data={"password": "correct horse battery", "understood": "y"}
    )
    assert response.status_code == 302
    page = alex_client.get(f"/flexibility/{entry_id}").get_data(as_text=True)
    assert "Sam&#39;s new job" in page and "a former member" in page and "Our trip" in page


def test_a_private_goal_in_an_entry_is_its_owners_alone(app, plan, alex_client, sam_client):
    entry_id = raise_entry(alex_client, {plan["therapy"]: "pause", plan["trip"]: "pause"})
    for url in ("/flexibility", f"/flexibility/{entry_id}"):
        page = sam_client.get(url).get_data(as_text=True)
        assert "Therapy" not in page, url
        assert "1 decision about Alex’s private goals" in page, url
        assert "Therapy" in alex_client.get(url).get_data(as_text=True)
    assert status(app, plan["therapy"]) == "paused"  # Alex's own: at once
    # The partner is never offered the other's private goal to decide on.
    form = sam_client.get(f"/flexibility/{entry_id}").get_data(as_text=True)
    assert f"goal-{plan['therapy'].id}-action" not in form


def test_only_the_raiser_withdraws_an_open_entry_which_is_kept(app, plan, alex_client, sam_client):
    entry_id = raise_entry(alex_client, {plan["trip"]: "pause"})
    assert sam_client.post(f"/flexibility/{entry_id}/withdraw").status_code == 409
    assert alex_client.post(f"/flexibility/{entry_id}/withdraw").status_code == 302
    assert load(app, FlexEntry, entry_id).state == "withdrawn"
    sam_client.post(f"/flexibility/{entry_id}/respond", data={})
    assert status(app, plan["trip"]) == "active"
    with app.app_context():
        assert db.session.scalar(select(FlexDecision.state)) == "withdrawn"
    assert "Sam&#39;s new job" in sam_client.get("/flexibility").get_data(as_text=True)


def test_the_board_reminds_to_look_again_until_someone_does(app, plan, alex_client, sam_client):
    entry_id = raise_entry(
        alex_client, {plan["sam_paints"]: "pause"}, look_again_on=TODAY.isoformat()
    )
    sam_client.post(f"/flexibility/{entry_id}/respond", data={})
    board = f"/quarters/{plan['quarter'].id}"
    assert "Time to look again" in alex_client.get(board).get_data(as_text=True)
    response = sam_client.post(
        f"/flexibility/{entry_id}/follow-up", data={"note": "Settled in.", "resume": "y"}
    )
    assert response.status_code == 302
    assert status(app, plan["sam_paints"]) == "active"
    assert "Time to look again" not in alex_client.get(board).get_data(as_text=True)
    # Looking again twice is once.
    again = alex_client.post(f"/flexibility/{entry_id}/follow-up", data={"note": "Me too"})
    assert again.status_code == 302
    page = alex_client.get(f"/flexibility/{entry_id}").get_data(as_text=True)
    assert "Settled in." in page and "Me too" not in page


def test_a_look_again_date_in_the_future_reminds_nobody_yet(app, plan, alex_client, sam_client):
    entry_id = raise_entry(alex_client, {plan["trip"]: "pause"})
    sam_client.post(f"/flexibility/{entry_id}/respond", data={})
    assert "Time to look again" not in alex_client.get("/flexibility").get_data(as_text=True)


def test_the_protocol_keeps_every_version(app, plan, alex_client, sam_client):
    page = alex_client.get("/flexibility/protocol").get_data(as_text=True)
    assert "Name what happened" in page
    steps = "Breathe.\nTalk.\nDecide together."
    assert (
        alex_client.post("/flexibility/protocol", data={"steps": steps, "seen": "0"}).status_code
        == 302
    )
    # Sam's form still showed the first version: saving it is a conflict, not an overwrite.
    stale = sam_client.post("/flexibility/protocol", data={"steps": "Mine", "seen": "0"})
    assert stale.status_code == 409
    assert (
        sam_client.post("/flexibility/protocol", data={"steps": "Mine", "seen": "1"}).status_code
        == 302
    )
    with app.app_context():
        versions = db.session.scalars(
            select(ProtocolVersion).order_by(ProtocolVersion.number)
        ).all()
        assert [(v.number, v.steps) for v in versions] == [
            (1, ["Breathe.", "Talk.", "Decide together."]),
            (2, ["Mine"]),
        ]
    page = alex_client.get("/flexibility/protocol").get_data(as_text=True)
    assert "Version 1" in page and "Breathe." in page
    new = alex_client.get("/flexibility/new").get_data(as_text=True)
    assert "Mine" in new and "version 2" in new


def test_a_bad_entry_says_what_is_wrong_where_it_was_typed_and_saves_nothing(
    app, plan, alex_client
):
    form = entry_form(
        {plan["alex_runs"]: {"action": "shrink"}, plan["trip"]: "pause"},
        event="",
        look_again_on="2020-01-01",
    )
    response = alex_client.post("/flexibility/new", data=form)
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Say what happened." in body
    assert "Look again on or after the day it happened." in body
    assert "To shrink it, give a new target date, hours or money." in body
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(FlexEntry)) == 0
    assert status(app, plan["alex_runs"]) == "active"


def test_shrinking_changes_the_target_and_the_deciders_note(app, alex, plan, alex_client):
    raise_entry(
        alex_client,
        {
            plan["alex_runs"]: {
                "action": "shrink",
                "new_target_on": (TODAY + timedelta(days=40)).isoformat(),
                "new_hours": "1.5",
            }
        },
    )
    goal = load(app, Goal, plan["alex_runs"].id)
    assert goal.target_on == TODAY + timedelta(days=40) and goal.status == "active"
    page = alex_client.get(f"/goals/{goal.id}/allocations").get_data(as_text=True)
    assert "1.5" in page


def test_deferring_carries_into_a_planned_next_quarter(app, alex, plan, alex_client, sam_client):
    response = alex_client.post(f"/quarters/{plan['quarter'].id}/next")
    assert response.status_code == 302
    entry_id = raise_entry(alex_client, {plan["alex_runs"]: "defer", plan["trip"]: "defer"})
    sam_client.post(f"/flexibility/{entry_id}/respond", data={})
    assert status(app, plan["alex_runs"]) == status(app, plan["trip"]) == "carried"
    with app.app_context():
        continued = db.session.scalars(
            select(Goal.title).where(
                Goal.carried_from_id.in_([plan["alex_runs"].id, plan["trip"].id])
            )
        ).all()
        assert sorted(continued) == ["Alex runs", "Our trip"]


def test_the_log_filters_by_quarter_partner_and_kind(app, alex, sam, plan, alex_client, sam_client):
    raise_entry(alex_client, {}, event="Alex's knee", kind="health")
    raise_entry(sam_client, {}, event="Sam moves desk", kind="home")
    everything = alex_client.get("/flexibility").get_data(as_text=True)
    assert "Alex&#39;s knee" in everything and "Sam moves desk" in everything
    health = alex_client.get("/flexibility?kind=health").get_data(as_text=True)
    assert "Alex&#39;s knee" in health and "Sam moves desk" not in health
    by_sam = alex_client.get(f"/flexibility?partner={sam.id}").get_data(as_text=True)
    assert "Sam moves desk" in by_sam and "Alex&#39;s knee" not in by_sam
    other = alex_client.get("/flexibility?quarter=999999").get_data(as_text=True)
    assert "Nothing recorded that matches yet." in other


def test_a_stranger_sees_nothing_of_the_log(app, plan, alex_client, stranger_client):
    entry_id = raise_entry(alex_client, {plan["trip"]: "pause"})
    assert stranger_client.get(f"/flexibility/{entry_id}").status_code == 404
    assert stranger_client.post(f"/flexibility/{entry_id}/respond", data={}).status_code == 404
    assert "Sam&#39;s new job" not in stranger_client.get("/flexibility").get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(FlexEntry.state)) == "open"
        assert db.session.get(User, plan["alex_runs"].owner_id) is not None


def test_the_next_look_back_says_what_changed_this_quarter_and_why(
    app, plan, alex_client, sam_client
):
    entry_id = raise_entry(alex_client, {plan["trip"]: "pause", plan["therapy"]: "pause"})
    sam_client.post(f"/flexibility/{entry_id}/respond", data={})
    planned = alex_client.post(f"/quarters/{plan['quarter'].id}/next").headers["Location"]
    look_back = planned.rstrip("/") + "/look-back"
    page = sam_client.get(look_back).get_data(as_text=True)
    assert "What changed this quarter, and why" in page and "Sam&#39;s new job" in page
    assert "Our trip" in page and "Therapy" not in page
    assert "Therapy" in alex_client.get(look_back).get_data(as_text=True)


def test_the_log_travels_in_the_export_and_comes_back_the_same(
    app, alex, plan, alex_client, sam_client, tmp_path
):
    import json

    import flask_migrate
    from factories import make_config

    from goalmap import create_app
    from goalmap.transfer.forms import read_export
    from goalmap.transfer.service import export_partnership, import_partnership

    alex_client.post("/flexibility/protocol", data={"steps": "Talk.\nDecide.", "seen": "0"})
    entry_id = raise_entry(alex_client, {plan["trip"]: "pause", plan["therapy"]: "pause"})
    sam_client.post(f"/flexibility/{entry_id}/respond", data={"impact": "Fine."})
    sams = sam_client.get("/export.json").get_data(as_text=True)
    assert "Sam&#39;s new job" not in sams and "Sam's new job" in sams
    assert sams.count('"action"') == 1  # the decision about Alex's private goal stays out
    with app.app_context():
        first = export_partnership(db.session.get(User, alex.id))
    assert [d["action"] for d in first["flex_decisions"]] == ["pause", "pause"]
    other = create_app(make_config("sqlite:///" + str(tmp_path / "other.sqlite")))
    with other.app_context():
        flask_migrate.upgrade()
        import_partnership(read_export(json.dumps(first)), "a new long password")
        db.session.commit()
        again = export_partnership(db.session.scalar(select(User).where(User.email == alex.email)))
        db.engine.dispose()
    first.pop("exported_at"), again.pop("exported_at")
    assert json.dumps(again, sort_keys=True) == json.dumps(first, sort_keys=True)


def test_the_log_as_csv_holds_what_the_member_may_see(app, plan, alex_client, sam_client):
    import csv
    import io

    entry_id = raise_entry(
        alex_client, {plan["trip"]: "pause", plan["therapy"]: "pause"}, event="=cmd|' /C calc'!A0"
    )
    sam_client.post(f"/flexibility/{entry_id}/respond", data={})
    rows = list(csv.reader(io.StringIO(sam_client.get("/export-log.csv").get_data(as_text=True))))
    assert rows[0][:3] == ["happened_on", "event", "kind"]
    assert [(row[1], row[7], row[8]) for row in rows[1:]] == [
        ("'=cmd|' /C calc'!A0", "Our trip", "pause")
    ]
    alex_rows = alex_client.get("/export-log.csv").get_data(as_text=True)
    assert "Therapy" in alex_rows


def test_looking_again_resumes_only_what_the_member_may_see(app, plan, alex_client, sam_client):
    entry_id = raise_entry(
        alex_client,
        {plan["therapy"]: "pause", plan["trip"]: "pause"},
        look_again_on=TODAY.isoformat(),
    )
    sam_client.post(f"/flexibility/{entry_id}/respond", data={})
    page = sam_client.get(f"/flexibility/{entry_id}").get_data(as_text=True)
    assert "Therapy" not in page and "Our trip" in page
    sam_client.post(f"/flexibility/{entry_id}/follow-up", data={"note": "", "resume": "y"})
    assert status(app, plan["trip"]) == "active"
    assert status(app, plan["therapy"]) == "paused"  # Alex's private goal is Alex's to resume


def test_a_correction_is_a_new_entry_that_refers_to_the_agreed_one(
    app, plan, alex_client, sam_client
):
    entry_id = raise_entry(alex_client, {plan["trip"]: "pause"})
    sam_client.post(f"/flexibility/{entry_id}/respond", data={})
    page = alex_client.get(f"/flexibility/{entry_id}").get_data(as_text=True)
    assert f"/flexibility/new?corrects={entry_id}" in page
    form = entry_form({}, event="Not a new job: a new team")
    response = alex_client.post(f"/flexibility/new?corrects={entry_id}", data=form)
    correction = int(response.headers["Location"].rsplit("/", 1)[1])
    assert load(app, FlexEntry, correction).refers_to_id == entry_id
    assert load(app, FlexEntry, entry_id).event == "Sam's new job"  # the record stands
    assert "Corrects" in alex_client.get(f"/flexibility/{correction}").get_data(as_text=True)
