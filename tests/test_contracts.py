"""Personal development contracts: witnessed, checked in on, renegotiated, completed."""

from datetime import date, timedelta

import pytest
from factories import lane_of, load, make_goal, make_quarter, words
from sqlalchemy import select

from goalmap.extensions import db
from goalmap.filters import day_text
from goalmap.models import Contract, ContractCheckIn, ContractTerms, Goal, Partnership
from goalmap.models.commitments import add_months, next_after


@pytest.fixture
def goals(app, alex, sam):
    today = date.today()
    quarter = make_quarter(
        app,
        alex,
        name="Now",
        starts_on=today - timedelta(days=20),
        ends_on=today + timedelta(days=70),
        state="active",
    )
    return {
        "course": make_goal(app, quarter, lane_of(app, alex), title="Finish the course"),
        "therapy": make_goal(app, quarter, lane_of(app, alex), title="Therapy", is_private=True),
        "sams": make_goal(app, quarter, lane_of(app, sam), title="Sam's guitar"),
    }


def terms(**changes) -> dict:
    today = date.today()
    return {
        "commitment": "Two modules a month",
        "success": "The certificate",
        "support": "Cover two evenings a week",
        "cadence": "weekly",
        "starts_on": (today - timedelta(days=1)).isoformat(),
        "ends_on": (today + timedelta(days=60)).isoformat(),
        **changes,
    }


def draft(client, goal, **changes) -> int:
    response = client.post(f"/goals/{goal.id}/contract", data=terms(**changes))
    assert response.status_code == 302, response.get_data(as_text=True)[:1500]
    return int(response.headers["Location"].rsplit("/", 1)[1])


def sign(client, contract_id: int, number: int = 1):
    return client.post(f"/contracts/{contract_id}/sign", data={"seen": str(number)})


def test_only_the_partner_signs_and_signing_makes_it_active(app, goals, alex_client, sam_client):
    contract_id = draft(alex_client, goals["course"])
    assert load(app, Contract, contract_id).state == "draft"
    assert sign(alex_client, contract_id).status_code == 409  # not your own
    assert sign(sam_client, contract_id).status_code == 302
    contract = load(app, Contract, contract_id)
    assert contract.state == "active"
    with app.app_context():
        signed = db.session.scalar(select(ContractTerms.signed_by_id))
        assert signed == goals["sams"].owner_id
    assert sign(sam_client, contract_id).status_code == 409  # signed already


def test_a_contract_is_made_on_ones_own_personal_goal_once(app, goals, alex_client, sam_client):
    assert sam_client.get(f"/goals/{goals['course'].id}/contract").status_code == 403
    first = draft(alex_client, goals["course"])
    again = alex_client.get(f"/goals/{goals['course'].id}/contract")
    assert again.status_code == 302 and again.headers["Location"].endswith(f"/contracts/{first}")


def test_only_the_owner_checks_in_and_the_partner_encourages_once(
    app, goals, alex_client, sam_client
):
    contract_id = draft(alex_client, goals["course"])
    sign(sam_client, contract_id)
    assert (
        sam_client.post(f"/contracts/{contract_id}/check-ins", data={"progress": "50"}).status_code
        == 409
    )
    bad = alex_client.post(f"/contracts/{contract_id}/check-ins", data={"progress": "150"})
    assert bad.status_code == 422 and "From 0 to 100." in bad.get_data(as_text=True)
    alex_client.post(
        f"/contracts/{contract_id}/check-ins", data={"progress": "30", "note": "Module 1"}
    )
    with app.app_context():
        row = db.session.scalar(select(ContractCheckIn))
        assert (row.progress, row.on_day) == (
            30,
            db.session.get(Partnership, row.partnership_id).today(),
        )
    url = f"/contract-check-ins/{row.id}/encourage"
    assert alex_client.post(url, data={"words": "Me, me"}).status_code == 409
    sam_client.post(url, data={"words": "Proud of you"})
    sam_client.post(url, data={"words": "Overwritten?"})
    page = alex_client.get(f"/contracts/{contract_id}").get_data(as_text=True)
    assert "Proud of you" in page and "Overwritten?" not in page and "<polyline" in page


def test_renegotiating_keeps_every_earlier_version(app, goals, alex_client, sam_client):
    contract_id = draft(alex_client, goals["course"])
    sign(sam_client, contract_id)
    response = alex_client.post(
        f"/contracts/{contract_id}/renegotiate", data=terms(commitment="One module a month")
    )
    assert response.status_code == 302
    page = sam_client.get(f"/contracts/{contract_id}").get_data(as_text=True)
    assert "Proposed new terms" in page and "Two modules a month" in page
    assert sign(sam_client, contract_id, 1).status_code == 409  # a version already signed
    assert sign(sam_client, contract_id, 2).status_code == 302
    with app.app_context():
        versions = db.session.scalars(select(ContractTerms).order_by(ContractTerms.number)).all()
        assert [(t.number, t.commitment, t.signed_at is not None) for t in versions] == [
            (1, "Two modules a month", True),
            (2, "One module a month", True),
        ]
    page = alex_client.get(f"/contracts/{contract_id}").get_data(as_text=True)
    assert "Earlier terms" in page and "Version 1" in page


def test_releasing_asks_for_a_reflection_and_keeps_it(app, goals, alex_client, sam_client):
    contract_id = draft(alex_client, goals["course"])
    sign(sam_client, contract_id)
    refused = alex_client.post(f"/contracts/{contract_id}/release", data={"seen": "2"})
    assert refused.status_code == 422 and "what you learned" in refused.get_data(as_text=True)
    alex_client.post(
        f"/contracts/{contract_id}/release", data={"seen": "2", "reflection": "Wrong year"}
    )
    contract = load(app, Contract, contract_id)
    assert (contract.state, contract.reflection) == ("released", "Wrong year")


def test_completing_can_mark_the_goal_done(app, goals, alex_client, sam_client):
    contract_id = draft(alex_client, goals["course"])
    sign(sam_client, contract_id)
    alex_client.post(f"/contracts/{contract_id}/complete", data={"seen": "2", "goal_done": "y"})
    assert load(app, Contract, contract_id).state == "completed"
    assert load(app, Goal, goals["course"].id).status == "done"
    # A stale form (the version it showed) changes nothing.
    assert (
        alex_client.post(f"/contracts/{contract_id}/complete", data={"seen": "2"}).status_code
        == 409
    )


def test_a_draft_is_discarded_not_deleted_and_the_goal_can_have_a_new_one(app, goals, alex_client):
    first = draft(alex_client, goals["course"])
    alex_client.post(f"/contracts/{first}/discard", data={"seen": "1"})
    assert load(app, Contract, first).state == "discarded"
    second = draft(alex_client, goals["course"])
    assert second != first


def test_a_contract_on_a_private_goal_is_the_owners_unless_shown(
    app, goals, alex_client, sam_client
):
    hidden = draft(alex_client, goals["therapy"], commitment="Weekly sessions")
    assert sam_client.get(f"/contracts/{hidden}").status_code == 404
    assert "Weekly sessions" not in sam_client.get("/contracts").get_data(as_text=True)
    alex_client.post(f"/contracts/{hidden}/discard", data={"seen": "1"})
    shown = draft(alex_client, goals["therapy"], commitment="Weekly sessions", shown_to_partner="y")
    page = sam_client.get(f"/contracts/{shown}").get_data(as_text=True)
    assert "Weekly sessions" in page and "a private goal" in page and "Therapy" not in page
    assert sign(sam_client, shown).status_code == 302


def test_check_ins_fall_due_by_the_cadence_and_clear_when_done(
    app, alex, goals, alex_client, sam_client
):
    contract_id = draft(alex_client, goals["course"])
    sign(sam_client, contract_id)
    board = alex_client.get("/").headers["Location"]
    page = alex_client.get(board).get_data(as_text=True)
    assert "Check-ins due" in page  # the terms started yesterday
    assert "Check-in due" in page.split(f'id="goal-{goals["course"].id}"')[1].split("</article>")[0]
    assert "Check-ins due" in sam_client.get(board).get_data(as_text=True)
    alex_client.post(f"/contracts/{contract_id}/check-ins", data={"progress": "10"})
    page = alex_client.get(board).get_data(as_text=True)
    assert "Check-ins due" not in page and "Check-in due" not in page
    page = alex_client.get("/contracts").get_data(as_text=True)
    nxt = load(app, Partnership, alex.partnership_id).today() + timedelta(days=7)
    assert f"next check-in {day_text(nxt)}" in words(page)


@pytest.mark.parametrize(
    ("day", "cadence", "expected"),
    [
        (date(2027, 1, 31), "monthly", date(2027, 2, 28)),
        (date(2028, 1, 31), "monthly", date(2028, 2, 29)),  # a leap year
        (date(2027, 12, 31), "monthly", date(2028, 1, 31)),
        (date(2027, 3, 31), "monthly", date(2027, 4, 30)),
        (date(2027, 12, 28), "weekly", date(2028, 1, 4)),
        (date(2028, 2, 20), "fortnightly", date(2028, 3, 5)),
    ],
)
def test_the_next_check_in_across_month_ends_and_leap_years(day, cadence, expected):
    assert next_after(day, cadence) == expected


def test_adding_months_keeps_within_the_month():
    assert add_months(date(2027, 8, 31), 6) == date(2028, 2, 29)


@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "Pacific/Pago_Pago", "Europe/Berlin"])
def test_today_is_the_partners_day_where_they_live(app, alex, zone):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    with app.app_context():
        partnership = db.session.get(Partnership, alex.partnership_id)
        partnership.time_zone = zone
        assert partnership.today() == datetime.now(ZoneInfo(zone)).date()


def test_contracts_travel_in_the_export_and_come_back_the_same(
    app, alex, goals, alex_client, sam_client, tmp_path
):
    import json

    import flask_migrate
    from factories import make_config

    from goalmap import create_app
    from goalmap.models import User
    from goalmap.transfer.forms import read_export
    from goalmap.transfer.service import export_partnership, import_partnership

    contract_id = draft(alex_client, goals["course"])
    sign(sam_client, contract_id)
    alex_client.post(f"/contracts/{contract_id}/check-ins", data={"progress": "20"})
    draft(alex_client, goals["therapy"], commitment="Weekly sessions")  # not shown to Sam
    sams = sam_client.get("/export.json").get_data(as_text=True)
    assert "Two modules a month" in sams and "Weekly sessions" not in sams
    with app.app_context():
        first = export_partnership(db.session.get(User, alex.id))
    assert len(first["contracts"]) == 2 and len(first["contract_check_ins"]) == 1
    other = create_app(make_config("sqlite:///" + str(tmp_path / "other.sqlite")))
    with other.app_context():
        flask_migrate.upgrade()
        import_partnership(read_export(json.dumps(first)), "a new long password")
        db.session.commit()
        again = export_partnership(db.session.scalar(select(User).where(User.email == alex.email)))
        db.engine.dispose()
    first.pop("exported_at"), again.pop("exported_at")
    assert json.dumps(again, sort_keys=True) == json.dumps(first, sort_keys=True)


def test_the_time_zone_is_chosen_in_settings_and_refuses_what_is_no_zone(app, alex, alex_client):
    assert (
        alex_client.post(
            "/settings/calendar", data={"time_zone": "Mars/Olympus", "week_starts_on": "0"}
        ).status_code
        == 422
    )
    assert (
        alex_client.post(
            "/settings/calendar", data={"time_zone": "Asia/Tokyo", "week_starts_on": "6"}
        ).status_code
        == 302
    )
    assert load(app, Partnership, alex.partnership_id).time_zone == "Asia/Tokyo"
