"""The weekly check-in: answers revealed together, prompts with every version kept."""

import json
import re
from datetime import date

import pytest
from factories import load, without_live_stamps

from goalmap.extensions import db
from goalmap.models import Partnership, WeeklyAnswer

TOKEN = re.compile(r'"[\w-]+\.[\w-]+\.[\w-]+"')  # a CSRF token, signed anew for each page


def answer(client, *replies, energy="") -> int:
    data = {f"replies-{i}": reply for i, reply in enumerate(replies)}
    return client.post("/weekly", data={**data, "energy": energy}).status_code


def seen(client, url="/weekly") -> str:
    return without_live_stamps(TOKEN.sub('""', client.get(url).get_data(as_text=True)))


def test_a_partner_sees_the_others_answers_only_after_giving_their_own(
    app, alex, sam, alex_client, sam_client
):
    before = seen(sam_client)
    assert answer(alex_client, "The long run on Sunday", "Cooking together", "") == 302
    waiting = seen(sam_client)
    # Sam learns that Alex answered, and nothing else: not a word, not a length.
    assert "Alex has answered" in waiting and "long run" not in waiting
    assert waiting.replace("has answered", "has not answered yet") == before
    assert "long run" not in sam_client.get("/export.json").get_data(as_text=True)
    assert answer(sam_client, "Guitar", "", "A little, on Tuesday") == 302
    for client in (alex_client, sam_client):
        page = seen(client)
        assert "The long run on Sunday" in page and "Guitar" in page
    assert "The long run on Sunday" in sam_client.get("/export.json").get_data(as_text=True)


def test_answering_twice_keeps_the_first(app, alex, alex_client):
    assert answer(alex_client, "First") == 302
    assert answer(alex_client, "Second") == 302
    with app.app_context():
        rows = db.session.scalars(db.select(WeeklyAnswer)).all()
        assert [json.loads(row.answers_json)[0] for row in rows] == ["First"]


def test_an_empty_check_in_is_refused_where_it_was_typed(app, alex_client):
    response = alex_client.post("/weekly", data={"replies-0": "", "energy": ""})
    assert response.status_code == 422
    assert "Answer at least one of the questions." in response.get_data(as_text=True)


def test_the_questions_change_and_the_earlier_answers_keep_theirs(
    app, alex, alex_client, sam_client
):
    answer(alex_client, "Running")
    new = "What made you laugh?\nWhat shared moment felt most rewarding?"
    assert (
        alex_client.post("/weekly/prompts", data={"prompts": new, "seen": "0"}).status_code == 302
    )
    stale = sam_client.post("/weekly/prompts", data={"prompts": "Mine", "seen": "0"})
    assert stale.status_code == 409
    page = seen(alex_client)
    assert "What personal activity energised you this week?" in page  # as it was asked
    prompts = seen(alex_client, "/weekly/prompts")
    assert "What made you laugh?" in prompts and "As first suggested" in prompts


def test_the_board_reminds_until_this_weeks_answers_are_given(app, alex, quarter, alex_client):
    board = f"/quarters/{quarter.id}"
    assert "This week's check-in is waiting" in seen(alex_client, board)
    answer(alex_client, "Yes")
    assert "This week's check-in is waiting" not in seen(alex_client, board)


@pytest.mark.parametrize(
    ("day", "starts", "week_of"),
    [
        (date(2027, 1, 6), 0, date(2027, 1, 4)),  # a Wednesday; weeks from Monday
        (date(2027, 1, 6), 6, date(2027, 1, 3)),  # weeks from Sunday
        (date(2027, 1, 3), 6, date(2027, 1, 3)),  # a Sunday, first day of its week
        (date(2027, 1, 1), 0, date(2026, 12, 28)),  # across a year's end
    ],
)
def test_the_week_follows_the_partnerships_first_day(app, alex, day, starts, week_of):
    with app.app_context():
        partnership = db.session.get(Partnership, alex.partnership_id)
        partnership.week_starts_on = starts
        assert partnership.week_of(day) == week_of


def test_the_calendar_is_set_in_settings(app, alex, alex_client):
    alex_client.post("/settings/calendar", data={"time_zone": "Asia/Tokyo", "week_starts_on": "6"})
    partnership = load(app, Partnership, alex.partnership_id)
    assert (partnership.time_zone, partnership.week_starts_on) == ("Asia/Tokyo", 6)
