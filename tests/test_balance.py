"""Resource allocation and balance: exact computations on hand-made quarters, and routes."""

from datetime import date
from decimal import Decimal

import pytest
from factories import (
    allocate,
    lane_of,
    make_available,
    make_goal,
    make_quarter,
    shared_lane,
)
from sqlalchemy import select

from goalmap.extensions import db
from goalmap.models import Allocation, Availability, GoalEvent, User, utcnow
from goalmap.resources import service as balance


def loads_for(app, quarter, viewer):
    with app.app_context():
        user = db.session.get(User, viewer.id)
        return {load.member.display_name: load for load in balance.quarter_loads(quarter, user)}


def signals_for(app, quarter, viewer):
    with app.app_context():
        user = db.session.get(User, viewer.id)
        found = balance.signals(quarter, user, balance.quarter_loads(quarter, user))
        return [(s.title, s.evidence) for s in found]


@pytest.fixture
def planned(app, alex, sam, quarter):
    """A quarter with known allocations: the answers below are worked out by hand."""
    run = make_goal(app, quarter, lane_of(app, alex), title="Run")
    secret = make_goal(app, quarter, lane_of(app, alex), title="Secret", is_private=True)
    spanish = make_goal(app, quarter, lane_of(app, sam), title="Spanish")
    trip = make_goal(app, quarter, shared_lane(app, alex), title="Trip")
    done = make_goal(app, quarter, shared_lane(app, alex), title="Done thing", status="done")
    allocate(app, run, alex, hours="20", replaced_at=utcnow())  # history, not load
    allocate(app, run, alex, hours="4", amount="12.99", period="month")
    allocate(app, secret, alex, hours="2.5")
    allocate(app, spanish, sam, hours="3", amount="0.01", period="month")
    allocate(app, trip, alex, hours="1", amount="1200", period="quarter")
    allocate(app, trip, sam, hours="1.5", amount="300.10", period="quarter")
    allocate(app, done, sam, hours="9")  # done goals no longer take time
    make_available(app, quarter, alex, hours="7", budget="1238.97")
    make_available(app, quarter, sam, hours="10", budget="100")
    return {"run": run, "secret": secret, "spanish": spanish, "trip": trip}


def test_loads_sum_hours_and_exact_money_per_partner(app, alex, sam, quarter, planned):
    loads = loads_for(app, quarter, alex)
    assert (loads["Alex"].personal_hours, loads["Alex"].shared_hours) == (Decimal("6.5"), 1)
    assert loads["Alex"].money == Decimal("1238.97")  # 12.99 * 3 + 1200, to the cent
    assert (loads["Sam"].personal_hours, loads["Sam"].shared_hours) == (3, Decimal("1.5"))
    assert loads["Sam"].money == Decimal("300.13")
    assert loads["Alex"].over_hours and not loads["Alex"].over_budget  # 7.5 > 7; 1238.97 = budget
    assert not loads["Sam"].over_hours and loads["Sam"].over_budget
    assert loads["Alex"].personal_share == 87


def test_a_private_goal_counts_for_the_partner_without_its_title(app, alex, sam, quarter, planned):
    alex_seen_by_sam = loads_for(app, quarter, sam)["Alex"]
    assert alex_seen_by_sam.personal_hours == Decimal("6.5")
    assert sorted((c.title or "") for c in alex_seen_by_sam.causes) == ["", "Run", "Trip"]
    assert "Secret" in [c.title for c in loads_for(app, quarter, alex)["Alex"].causes]


def test_goal_shares_count_personal_and_shared_goals(app, alex, sam, quarter, planned):
    with app.app_context():
        shares = balance.goal_shares(quarter, db.session.get(User, sam.id))
    assert shares == {alex.id: (2, 2), sam.id: (1, 2)}


def test_history_gives_the_shared_share_per_quarter(app, alex, sam, quarter, planned):
    earlier = make_quarter(
        app,
        alex,
        name="2026 Q4",
        starts_on=date(2026, 10, 1),
        ends_on=date(2026, 12, 31),
        state="reviewed",
    )
    solo = make_goal(app, earlier, lane_of(app, sam), title="Solo")
    together = make_goal(app, earlier, shared_lane(app, alex), title="Together")
    allocate(app, solo, sam, hours="1")
    allocate(app, together, sam, hours="3")
    with app.app_context():
        rows = balance.history(db.session.get(User, alex.id))
    assert [r.quarter.name for r in rows] == ["2026 Q4", "2027 Q1"]
    assert rows[0].shared_percent == {alex.id: None, sam.id: 75}
    assert rows[0].partnership_percent == 75
    # 2027 Q1: Alex 1 of 7.5 shared (the done goal's 9 h count in history), Sam 10.5 of 13.5.
    assert rows[1].shared_percent == {alex.id: 13, sam.id: 78}


def test_no_prompt_without_data_behind_it(app, alex, sam, quarter, planned):
    make_available(app, make_quarter(app, alex, name="Spare"), alex, hours="100")
    # Only what the loads warn about: Alex's hours (7.5 of 7) and Sam's budget.
    assert signals_for(app, quarter, alex) == [
        ("More hours than Alex has", "7.5 hours a week allocated, 7 available."),
        ("More money than Sam's budget", "300.13 EUR this quarter, the budget is 100.00 EUR."),
    ]


def test_the_summary_agrees_with_the_warnings(app, alex, sam, quarter, planned, alex_client):
    page = alex_client.get(f"/quarters/{quarter.id}/balance").get_data(as_text=True)
    assert "More hours allocated than Alex has" in page  # the load's warning
    signals = page.split('id="signals"')[1].split("</section>")[0]
    assert "Nothing stands out" not in signals
    assert "More hours than Alex has" in signals and "More money than Sam&#39;s budget" in signals
    with app.app_context():  # enough for both now
        for row in db.session.scalars(select(Availability)):
            row.hours_per_week, row.budget = Decimal("10"), Decimal("2000")
        db.session.commit()
    page = alex_client.get(f"/quarters/{quarter.id}/balance").get_data(as_text=True)
    assert "load-warning" not in page
    assert "Nothing stands out in the numbers" in page


def test_prompts_name_the_data_that_raised_them(app, alex, sam, quarter):
    kept = make_goal(app, quarter, lane_of(app, sam), title="Cello", carried_over=2)
    allocate(app, kept, sam, hours="1")
    shared = make_goal(app, make_quarter(app, alex, name="Other"), shared_lane(app, alex))
    del shared
    found = dict(signals_for(app, quarter, alex))
    assert found["Sam's goal keeps waiting"] == "“Cello” has been carried over 2 quarters in a row."
    assert found["No shared goal this quarter"] == "Every goal on this quarter's board is personal."


def test_prompt_for_no_personal_time_and_shared_hours_crowding_out(app, alex, sam, quarter):
    trip = make_goal(app, quarter, shared_lane(app, alex), title="Trip")
    allocate(app, trip, alex, hours="8")
    allocate(app, make_goal(app, quarter, lane_of(app, sam), title="Mine"), sam, hours="1")
    make_available(app, quarter, alex, hours="10")
    make_available(app, quarter, sam, hours="2")
    found = dict(signals_for(app, quarter, alex))
    assert (
        found["No personal time for Alex"] == "All 8.0 allocated hours a week go to shared goals."
    )
    assert found["Shared goals take most of your time"] == (
        "Shared goals take 8.0 of your 12.0 available hours a week (67 %, above the 60 % you set)."
    )
    with app.app_context():
        db.session.get(User, alex.id).partnership.shared_share_prompt = 70
        db.session.commit()
    assert "Shared goals take most of your time" not in dict(signals_for(app, quarter, alex))


def test_prompt_for_personal_goals_dropped_again_and_again(app, alex, sam, quarter):
    for title in ("Guitar", "Marathon"):
        goal = make_goal(app, quarter, lane_of(app, sam), title=title, status="dropped")
        with app.app_context():
            db.session.add(
                GoalEvent(
                    partnership_id=quarter.partnership_id,
                    goal_id=goal.id,
                    user_id=sam.id,
                    kind="dropped",
                    quarter_id=quarter.id,
                )
            )
            db.session.commit()
    found = dict(signals_for(app, quarter, alex))
    assert found["Sam has dropped several personal goals"] == (
        "2 personal goals dropped in the last 1 quarters."
    )


# -- routes ---------------------------------------------------------------------------

GOOD_NOTE = {
    "hours_per_week": "2.5",
    "amount": "19.99",
    "money_period": "month",
    "currency": "EUR",
    "energy": "medium",
    "note": "Tuesday evenings",
}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"hours_per_week": "-1"}, "Between 0 and 168 hours a week."),
        ({"hours_per_week": "200"}, "Between 0 and 168 hours a week."),
        ({"hours_per_week": "1.25"}, "Use at most 1 decimal for hours."),
        ({"hours_per_week": "lots"}, "Enter a number, like 12.5."),
        ({"amount": "10.001"}, "Use at most 2 decimals for money."),
        ({"amount": "-5"}, "Enter 0 or more."),
        ({"amount": "NaN"}, "Enter a number, like 12.5."),
        ({"amount": "sNaN"}, "Enter a number, like 12.5."),
        ({"hours_per_week": "Infinity"}, "Enter a number, like 12.5."),
        ({"amount": "1e400"}, "Enter 0 or more."),
        ({"currency": "USD"}, "Your partnership keeps money in EUR; convert the amount first."),
        ({"energy": "furious"}, "Not a valid choice."),
        ({"note": "x" * 501}, "Keep the note under 500 characters."),
    ],
)
def test_bad_allocation_input_is_explained_and_nothing_is_saved(
    app, alex, quarter, alex_client, change, message
):
    goal = make_goal(app, quarter, lane_of(app, alex))
    response = alex_client.post(f"/goals/{goal.id}/allocations", data={**GOOD_NOTE, **change})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Allocation)) == 0


def test_a_note_is_saved_exactly_and_a_change_keeps_history(app, alex, quarter, alex_client):
    goal = make_goal(app, quarter, lane_of(app, alex))
    alex_client.post(f"/goals/{goal.id}/allocations", data=GOOD_NOTE)
    with app.app_context():
        first = db.session.scalar(select(Allocation))
        assert (first.hours_per_week, first.amount) == (Decimal("2.5"), Decimal("19.99"))
        first_id = first.id
    url = f"/goals/{goal.id}/allocations"
    seen = {**GOOD_NOTE, "replaces": first_id}
    assert alex_client.post(url, data={**seen, "hours_per_week": "3"}).status_code == 302
    stale = alex_client.post(url, data={**seen, "hours_per_week": "9"})
    assert stale.status_code == 409
    assert "Your note was changed meanwhile" in stale.get_data(as_text=True)
    with app.app_context():
        notes = db.session.scalars(select(Allocation).order_by(Allocation.created_at)).all()
        assert [(n.hours_per_week, n.replaced_at is None) for n in notes] == [
            (Decimal("2.5"), False),
            (Decimal("3"), True),
        ]
    page = alex_client.get(f"/goals/{goal.id}/allocations").get_data(as_text=True)
    assert "History" in page and "2.5 h a week" in page


def test_remove_and_undo_a_note(app, alex, quarter, alex_client, sam_client):
    goal = make_goal(app, quarter, shared_lane(app, alex))
    note = allocate(app, goal, alex, hours="2")
    assert sam_client.post(f"/allocations/{note.id}/remove").status_code == 403
    alex_client.post(f"/allocations/{note.id}/remove")
    with app.app_context():
        assert db.session.get(Allocation, note.id).replaced_at is not None
    alex_client.post(f"/allocations/{note.id}/restore")
    with app.app_context():
        assert db.session.get(Allocation, note.id).replaced_at is None


def test_partners_note_their_own_share_of_a_shared_goal(app, alex, sam, quarter, sam_client):
    trip = make_goal(app, quarter, shared_lane(app, alex), title="Trip")
    assert sam_client.post(f"/goals/{trip.id}/allocations", data=GOOD_NOTE).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Allocation.user_id)) == sam.id


def test_private_goal_allocations_are_not_the_partners_to_see(
    app, alex, sam, quarter, sam_client, stranger_client
):
    secret = make_goal(app, quarter, lane_of(app, alex), title="Secret", is_private=True)
    allocate(app, secret, alex, hours="3", note="Thursday sessions")
    for client in (sam_client, stranger_client):
        assert client.get(f"/goals/{secret.id}/allocations").status_code == 404
    page = sam_client.get(f"/quarters/{quarter.id}/balance").get_data(as_text=True)
    assert "Secret" not in page and "Thursday" not in page
    assert "3 h a week" in page  # Alex's load still shows the hours


def test_availability_is_set_validated_and_protected_from_stale_saves(
    app, alex, quarter, alex_client
):
    url = f"/quarters/{quarter.id}/availability"
    response = alex_client.post(
        url, data={"hours_per_week": "12", "budget": "900.50", "currency": "EUR", "version": "0"}
    )
    assert response.status_code == 302
    with app.app_context():
        row = db.session.scalar(select(Availability))
        assert (row.hours_per_week, row.budget, row.version) == (12, Decimal("900.50"), 1)
    stale = alex_client.post(url, data={"hours_per_week": "1", "currency": "EUR", "version": "0"})
    assert stale.status_code == 409
    wrong = alex_client.post(url, data={"budget": "5", "currency": "GBP", "version": "1"})
    assert wrong.status_code == 422
    assert "keeps money in EUR" in wrong.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Availability.hours_per_week)) == 12


def test_the_board_shows_each_partners_load_and_flags_overcommitment(
    app, alex, sam, quarter, planned, sam_client, count_queries
):
    page = sam_client.get(f"/quarters/{quarter.id}").get_data(as_text=True)
    assert f'id="load-{alex.id}"' in page
    assert "7.5 / 7 h a week" in page
    assert (
        "More hours allocated than Alex has: Run (4 h), a private goal (2.5 h), Trip (1 h)." in page
    )
    assert "Money above the budget." in page  # Sam's 300.13 against 100


def test_a_reviewed_quarter_takes_no_new_notes(app, alex, alex_client):
    quarter = make_quarter(app, alex, state="reviewed")
    goal = make_goal(app, quarter, lane_of(app, alex))
    response = alex_client.post(f"/goals/{goal.id}/allocations", data=GOOD_NOTE)
    assert response.status_code == 409


def test_settings_for_prompts_are_validated(app, alex, alex_client):
    response = alex_client.post(
        "/settings/prompts",
        data={
            "currency": "GBP",
            "carry_over_prompt": "3",
            "drop_prompt": "0",
            "shared_share_prompt": "50",
        },
        follow_redirects=True,
    )
    assert "Between 1 and 20." in response.get_data(as_text=True)
    alex_client.post(
        "/settings/prompts",
        data={
            "currency": "GBP",
            "carry_over_prompt": "3",
            "drop_prompt": "2",
            "shared_share_prompt": "50",
        },
    )
    with app.app_context():
        partnership = db.session.get(User, alex.id).partnership
        assert (partnership.currency, partnership.carry_over_prompt) == ("GBP", 3)


def test_balance_page_with_chart(app, alex, sam, quarter, planned, alex_client):
    page = alex_client.get("/balance", follow_redirects=True).get_data(as_text=True)
    assert '<svg class="chart"' in page
    # The chart's text alternative: 11.5 of 21 hours on shared goals, the done goal included.
    assert "2027 Q1: 55 %" in page


def test_the_quarter_switcher_goes_back_and_forth_without_javascript(
    app, alex, sam, stranger, quarter, alex_client
):
    earlier = make_quarter(
        app, alex, name="2026 Q4", starts_on=date(2026, 10, 1), ends_on=date(2026, 12, 31)
    )
    later = make_quarter(
        app, alex, name="2027 Q2", starts_on=date(2027, 4, 1), ends_on=date(2027, 6, 30)
    )
    page = alex_client.get(f"/quarters/{quarter.id}/balance").get_data(as_text=True)
    nav = page.split('<nav class="quarter-nav"')[1].split("</nav>")[0]
    assert f'href="/quarters/{earlier.id}/balance" rel="prev">← 2026 Q4</a>' in nav
    assert f'href="/quarters/{later.id}/balance" rel="next">2027 Q2 →</a>' in nav
    assert '<form method="get" action="/balance"' in nav
    assert f'<option value="{quarter.id}" selected>2027 Q1</option>' in nav
    oldest = alex_client.get(f"/quarters/{earlier.id}/balance").get_data(as_text=True)
    assert 'rel="prev"' not in oldest.split('<nav class="quarter-nav"')[1].split("</nav>")[0]
    # The select's form: a GET, answered with the quarter's own page.
    picked = alex_client.get("/balance", query_string={"quarter": earlier.id})
    assert picked.status_code == 302
    assert picked.headers["Location"] == f"/quarters/{earlier.id}/balance"
    # Another partnership's quarter is not found; something not an id is the current one.
    theirs = make_quarter(app, stranger, name="Theirs")
    assert alex_client.get("/balance", query_string={"quarter": theirs.id}).status_code == 404
    fallback = alex_client.get("/balance", query_string={"quarter": "x"})
    assert fallback.status_code == 302 and fallback.headers["Location"].endswith("/balance")


def test_the_balance_page_sends_its_settings_to_settings(app, alex, quarter, alex_client):
    page = alex_client.get(f"/quarters/{quarter.id}/balance").get_data(as_text=True)
    assert "/settings/prompts" not in page and 'name="carry_over_prompt"' not in page
    assert 'href="/settings#balance-settings"' in page
