import re
from datetime import date

import pytest
from factories import lane_of, make_goal, make_quarter, shared_lane, stages_of
from sqlalchemy import select

from goalmap.extensions import db
from goalmap.models import Quarter
from goalmap.models.board import next_quarter

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
    small = board_queries()
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
    assert small <= 12
