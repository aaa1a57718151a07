import re
from datetime import date

import pytest
from factories import (
    PASSWORD,
    lane_of,
    logged_in,
    make_config,
    make_goal,
    make_quarter,
    make_ritual,
    shared_lane,
    stages_of,
)
from sqlalchemy import select
from sqlalchemy.exc import StatementError

from goalmap import create_app, views
from goalmap.board.queries import LANES, QUARTERS
from goalmap.extensions import db
from goalmap.models import Goal, Quarter, User
from goalmap.models.quarters import next_quarter
from goalmap.scoping import viewer

GOOD = {"name": "2027 Q2", "starts_on": "2027-04-01", "ends_on": "2027-06-30"}


def test_first_visit_offers_a_quarter_with_next_quarters_dates(alex_client):
    assert alex_client.get("/").headers["Location"] == "/quarters/new"
    page = alex_client.get("/quarters/new").get_data(as_text=True)
    name, starts, _ends = next_quarter(date.today())
    assert f'value="{name}"' in page
    assert f'value="{starts.isoformat()}"' in page


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2026, 11, 22), ("2027 Q1", date(2027, 1, 1), date(2027, 3, 31))),
        (date(2027, 2, 1), ("2027 Q2", date(2027, 4, 1), date(2027, 6, 30))),
        (date(2027, 8, 31), ("2027 Q4", date(2027, 10, 1), date(2027, 12, 31))),
    ],
)
def test_next_quarter(today, expected):
    assert next_quarter(today) == expected


def test_create_a_quarter_and_open_its_board(app, alex, alex_client):
    response = alex_client.post("/quarters/new", data=GOOD)
    with app.app_context():
        quarter = db.session.scalar(select(Quarter))
        assert (quarter.name, quarter.state) == ("2027 Q2", "planning")
    assert response.headers["Location"] == f"/quarters/{quarter.id}"
    board = alex_client.get(f"/quarters/{quarter.id}").get_data(as_text=True)
    assert "2027 Q2" in board
    for column in ("Ideas", "This quarter", "In progress", "Done"):
        assert column in board
    assert alex_client.get("/").headers["Location"] == f"/quarters/{quarter.id}"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"ends_on": "2027-03-01"}, "The end date must come after the start date."),
        ({"ends_on": "2027-04-01"}, "The end date must come after the start date."),
        ({"ends_on": "2028-04-01"}, "A quarter can last at most six months."),
        ({"starts_on": "01/04/2027"}, "Enter a date like 2027-01-31."),
        ({"starts_on": ""}, "Enter a start date."),
        ({"name": ""}, "This field is required."),
        ({"name": "x" * 41}, "Field cannot be longer than 40 characters."),
    ],
)
def test_quarter_form_says_what_is_wrong(app, alex_client, change, message):
    response = alex_client.post("/quarters/new", data={**GOOD, **change})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Quarter)) == 0


def test_quarter_names_are_unique_within_a_partnership_only(
    app, alex, alex_client, stranger_client
):
    make_quarter(app, alex, name="2027 Q2")
    assert alex_client.post("/quarters/new", data=GOOD).status_code == 422
    assert stranger_client.post("/quarters/new", data=GOOD).status_code == 302


def test_quarter_list_shows_only_the_partnerships_quarters(app, alex, stranger, alex_client):
    make_quarter(app, alex, name="2027 Q1")
    make_quarter(app, stranger, name="Stranger quarter")
    page = alex_client.get("/quarters").get_data(as_text=True)
    assert "2027 Q1" in page
    assert "Stranger quarter" not in page


def test_board_shows_every_lane_and_both_partners_see_it(
    app, alex, sam, quarter, alex_client, sam_client
):
    make_goal(app, quarter, shared_lane(app, alex), title="Plan the Lisbon trip")
    make_goal(app, quarter, lane_of(app, sam), title="Learn Spanish")
    for client in (alex_client, sam_client):
        page = client.get(f"/quarters/{quarter.id}").get_data(as_text=True)
        assert "Plan the Lisbon trip" in page
        assert "Learn Spanish" in page
        assert re.search(r'class="lane lane-personal colour-\w+" id="lane-\d+"', page)


def test_board_as_htmx_is_the_fragment_and_varies_on_the_header(alex_client, quarter):
    full = alex_client.get(f"/quarters/{quarter.id}")
    fragment = alex_client.get(f"/quarters/{quarter.id}", htmx=True)
    for response in (full, fragment):
        assert "HX-Request" in response.headers["Vary"].split(", ")
    assert "<!doctype html>" in full.get_data(as_text=True)
    body = fragment.get_data(as_text=True)
    assert body.lstrip().startswith('<section id="board"')
    assert "<!doctype html>" not in body


def test_strangers_and_anonymous_visitors_see_nothing(app, quarter, client, stranger_client):
    assert client.get(f"/quarters/{quarter.id}").headers["Location"].startswith("/login")
    response = stranger_client.get(f"/quarters/{quarter.id}")
    assert response.status_code == 404
    assert "2027 Q1" not in response.get_data(as_text=True)
    assert stranger_client.get("/quarters/999999").status_code == 404


def test_the_board_loads_in_a_constant_number_of_queries(
    app, alex, sam, quarter, sam_client, count_queries
):
    stages = stages_of(app, alex)
    lanes = [lane_of(app, alex), lane_of(app, sam), shared_lane(app, alex)]

    def board_queries() -> int:
        with count_queries() as counter:
            assert sam_client.get(f"/quarters/{quarter.id}").status_code == 200
        return counter.count

    make_goal(app, quarter, lanes[0], stages[0], is_private=True)
    make_ritual(app, sam, "Date night")  # its hours count in the loads
    small = board_queries()
    for i in range(10):
        make_ritual(app, alex if i % 2 else sam, f"Ritual {i}", skip=True)
    for i in range(40):
        make_goal(
            app,
            quarter,
            lanes[i % 3],
            stages[i % 4],
            title=f"Goal {i}",
            is_private=(i % 3 == 0 and i % 2 == 0),
        )
    assert board_queries() == small
    # Rituals (with their rules) and their exceptions take two; whether the open session
    # has started (to offer "Start" or "Continue") one EXISTS.
    assert small <= 15


def test_statements_built_once_read_only_the_viewers_partnership(app, alex, sam, stranger, quarter):
    theirs = make_quarter(app, stranger, name="2027 Q1")
    with app.app_context():
        for member, expected in ((alex, quarter.id), (sam, quarter.id), (stranger, theirs.id)):
            user = db.session.get(User, member.id)
            assert [q.id for q in db.session.scalars(QUARTERS, viewer(user))] == [expected]
            lanes = db.session.scalars(LANES, viewer(user)).all()
            assert {lane.partnership_id for lane in lanes} == {user.partnership_id}
        with pytest.raises(StatementError, match="viewer_partnership_id"):
            db.session.scalars(QUARTERS).all()  # a statement for VIEWER needs its viewer
        alex_row = db.session.get(User, alex.id)
        assert viewer(alex_row, viewer_id=0, quarter_id=7) == {
            "quarter_id": 7,
            "viewer_id": alex.id,  # what a caller passes cannot replace who looks
            "viewer_partnership_id": alex_row.partnership_id,
        }


# -- goals drawn once (goalmap.views) -------------------------------------------------


def _card(page: str, goal_id: int) -> str:
    match = re.search(rf'<li id="goal-{goal_id}-item".*?</li>', page, re.S)
    assert match, f"goal {goal_id} is not on the board"
    return match.group(0)


def test_each_app_keeps_its_own_drawn_goals(app, alex, quarter, alex_client):
    make_goal(app, quarter, lane_of(app, alex), title="Run a 10k")
    assert alex_client.get(f"/quarters/{quarter.id}").status_code == 200
    assert len(app.extensions["goalmap_goal_items"].drawn) == 1
    other = create_app(make_config(app.config["SQLALCHEMY_DATABASE_URI"]))
    assert len(other.extensions["goalmap_goal_items"].drawn) == 0
    views.forget_goal_items(app)
    assert len(app.extensions["goalmap_goal_items"].drawn) == 0


def test_a_changed_goal_shows_its_change_on_the_next_board(app, alex, quarter, alex_client):
    goal = make_goal(app, quarter, lane_of(app, alex), title="Run a 10k")
    url = f"/quarters/{quarter.id}"
    assert "Run a 10k" in _card(alex_client.get(url).get_data(as_text=True), goal.id)
    with app.app_context():  # changed behind the app's back: no cache is told
        db.session.get(Goal, goal.id).title = "Run a half marathon"
        db.session.get(Goal, goal.id).status = "paused"
        db.session.commit()
    card = _card(alex_client.get(url).get_data(as_text=True), goal.id)
    assert "Run a half marathon" in card
    assert "Run a 10k" not in card
    assert "tag-paused" in card


def test_each_viewer_sees_the_card_as_they_may_use_it(
    app, alex, sam, quarter, alex_client, sam_client
):
    mine = make_goal(app, quarter, lane_of(app, alex), title="Learn the cello")
    secret = make_goal(app, quarter, lane_of(app, alex), title="Plan the surprise", is_private=True)
    url = f"/quarters/{quarter.id}"
    for _round in range(2):  # the second round reads what the first one rendered
        alex_page = alex_client.get(url).get_data(as_text=True)
        sam_page = sam_client.get(url).get_data(as_text=True)
        assert "data-move-url" in _card(alex_page, mine.id)
        assert "Edit" in _card(alex_page, mine.id)
        assert "Plan the surprise" in _card(alex_page, secret.id)
        partners_view = _card(sam_page, mine.id)
        assert "Learn the cello" in partners_view
        assert "data-move-url" not in partners_view
        assert "Edit" not in partners_view
        assert "Plan the surprise" not in sam_page
        assert "Private goal" in _card(sam_page, secret.id)


def test_a_reviewed_quarter_shows_its_cards_without_edit_links(app, alex, quarter, alex_client):
    goal = make_goal(app, quarter, shared_lane(app, alex), title="Paint the hall")
    url = f"/quarters/{quarter.id}"
    assert "data-move-url" in _card(alex_client.get(url).get_data(as_text=True), goal.id)
    with app.app_context():
        db.session.get(Quarter, quarter.id).state = "reviewed"
        db.session.commit()
    card = _card(alex_client.get(url).get_data(as_text=True), goal.id)
    assert "Paint the hall" in card
    assert "data-move-url" not in card
    assert "Edit" not in card


# -- ETag -----------------------------------------------------------------------------


def test_an_unchanged_board_is_answered_304_from_the_first_view_on(
    app, alex, sam, quarter, alex_client, sam_client
):
    goal = make_goal(app, quarter, shared_lane(app, alex), title="Plant the hedge")
    url = f"/quarters/{quarter.id}"
    first = alex_client.get(url)  # the first page of the session: its CSRF token is new
    etag = first.headers["ETag"]
    again = alex_client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.get_data() == b""
    # The fragment is another representation, with its own tag.
    fragment = alex_client.get(url, htmx=True, headers={"If-None-Match": etag})
    assert fragment.status_code == 200
    # A change by the partner makes the tag stale: the page comes whole, with the change.
    saved = sam_client.post(
        f"/goals/{goal.id}/edit",
        data={"title": "Plant the beech hedge", "status": "active", "version": "1"},
    )
    assert saved.status_code == 302, saved.get_data(as_text=True)
    changed = alex_client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert "Plant the beech hedge" in changed.get_data(as_text=True)
    assert changed.headers["ETag"] != etag


def test_only_the_server_can_make_a_tag(app, alex, quarter, alex_client):
    url = f"/quarters/{quarter.id}"
    etag = alex_client.get(url).headers["ETag"]
    assert alex_client.get(url, headers={"If-None-Match": etag}).status_code == 304
    # The same parts hashed with another key (the session stays signed in: a fallback).
    app.config["SECRET_KEY_FALLBACKS"] = [app.config["SECRET_KEY"]]
    app.config["SECRET_KEY"] = "another-secret"
    assert alex_client.get(url, headers={"If-None-Match": etag}).status_code == 200


def test_another_member_or_session_never_shares_the_tag(app, alex, sam, quarter, sam_client):
    url = f"/quarters/{quarter.id}"
    other_browser = logged_in(app, alex)
    alex_tag = logged_in(app, alex).get(url).headers["ETag"]
    assert other_browser.get(url, headers={"If-None-Match": alex_tag}).status_code == 200
    assert sam_client.get(url, headers={"If-None-Match": alex_tag}).status_code == 200


def test_a_partner_leaving_makes_the_tag_stale(app, alex, sam, quarter, alex_client, sam_client):
    make_goal(app, quarter, lane_of(app, sam), title="Learn to sail")
    url = f"/quarters/{quarter.id}"
    etag = alex_client.get(url).headers["ETag"]
    assert alex_client.get(url, headers={"If-None-Match": etag}).status_code == 304
    left = sam_client.post("/settings/leave", data={"password": PASSWORD, "understood": "y"})
    assert left.status_code == 302
    after = alex_client.get(url, headers={"If-None-Match": etag})
    assert after.status_code == 200
    assert "Learn to sail" not in after.get_data(as_text=True)


def test_conditional_requests_reveal_no_other_quarter(
    app, alex, quarter, alex_client, stranger_client
):
    url = f"/quarters/{quarter.id}"
    alex_tag = alex_client.get(url).headers["ETag"]
    assert stranger_client.get(url, headers={"If-None-Match": alex_tag}).status_code == 404
    assert stranger_client.get(url, headers={"If-None-Match": "*"}).status_code == 404
    assert alex_client.get(url, headers={"If-None-Match": "*"}).status_code == 304
    assert alex_client.get("/quarters/999999", headers={"If-None-Match": "*"}).status_code == 404
    # A proxy that compresses may weaken the tag; the comparison is weak, as HTTP asks.
    assert alex_client.get(url, headers={"If-None-Match": f"W/{alex_tag}"}).status_code == 304
