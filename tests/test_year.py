"""A year replayed: four quarters, each with a look back that carries, finishes and
drops, and a quarter of work after it. Every past quarter must show exactly what it
showed the day it was reviewed, to both partners: its board, timeline, balance and its
part of the export."""

import json
import re
from datetime import date

from factories import (
    allocate,
    lane_of,
    logged_in,
    make_goal,
    make_quarter,
    plan_next,
    shared_lane,
    stages_of,
)
from sqlalchemy import select

from goalmap.extensions import db
from goalmap.models import Goal, Quarter

MAIN = re.compile(r"<main[^>]*>(.*)</main>", re.S)
SECTION = re.compile(
    r'<(?:section|div) class="[^"]*" id="(loads|shares|signals)".*?</(?:section|div)>', re.S
)


def section_of(page: str, pattern: re.Pattern = MAIN) -> str:
    return "\n".join(match.group(0) for match in pattern.finditer(page))


def export_of(client, quarter_name: str) -> dict:
    """The part of the member's export that belongs to one quarter."""
    data = json.loads(client.get("/export.json").get_data(as_text=True))
    quarter = next(q for q in data["quarters"] if q["name"] == quarter_name)
    goals = [g for g in data["goals"] if g["quarter"] == quarter["key"]]
    keys = {g["key"] for g in goals}
    return {
        "quarter": quarter,
        "goals": goals,
        "allocations": [a for a in data["allocations"] if a["goal"] in keys],
        "goal_events": [e for e in data["goal_events"] if e["goal"] in keys],
        "comments": [c for c in data["comments"] if c["goal"] in keys],
    }


def snapshot(clients: dict, quarter: Quarter) -> dict:
    """What each partner sees of ``quarter``."""
    seen = {}
    for name, client in clients.items():
        board = client.get(f"/quarters/{quarter.id}", htmx=True)
        assert board.status_code == 200
        timeline = client.get(f"/quarters/{quarter.id}/timeline").get_data(as_text=True)
        balance = client.get(f"/quarters/{quarter.id}/balance").get_data(as_text=True)
        seen[name] = {
            "board": board.get_data(as_text=True),
            "timeline": section_of(timeline),
            "balance": section_of(balance, SECTION),
            "export": export_of(client, quarter.name),
        }
    return seen


def review(client, planned_id: int, goal_id: int, decision: str, **data) -> None:
    url = f"/quarters/{planned_id}/session/review/{goal_id}"
    assert client.post(url, data={"decision": decision, **data}).status_code == 302


def open_goals(app, quarter_id: int) -> list[Goal]:
    with app.app_context():
        return db.session.scalars(
            select(Goal)
            .where(Goal.quarter_id == quarter_id, Goal.status.in_(("active", "paused")))
            .order_by(Goal.created_at)
        ).all()


def test_a_year_of_quarters_keeps_every_past_quarter_as_it_was(app, alex, sam):
    clients = {"alex": logged_in(app, alex), "sam": logged_in(app, sam)}
    by_owner = {alex.id: clients["alex"], sam.id: clients["sam"], None: clients["alex"]}
    lanes = {"alex": lane_of(app, alex), "sam": lane_of(app, sam), "us": shared_lane(app, alex)}
    stages = stages_of(app, alex)
    current = make_quarter(
        app,
        alex,
        name="2027 Q1",
        starts_on=date(2027, 1, 1),
        ends_on=date(2027, 3, 31),
        state="active",
    )

    def plant(quarter: Quarter, n: int) -> None:
        """Goals of every kind, with what they take, in a quarter."""
        starts = quarter.starts_on
        for lane_name, person, private in (
            ("alex", alex, False),
            ("sam", sam, True),
            ("us", alex, False),
            ("us", sam, False),
        ):
            goal = make_goal(
                app,
                quarter,
                lanes[lane_name],
                stages[1],
                title=f"{lane_name} goal {n}",
                is_private=private,
                starts_on=starts.replace(day=10),
                target_on=starts.replace(day=20),
            )
            allocate(app, goal, person, hours=str(2 + n), amount="10.50")

    # Prompts at their most sensitive, so every past quarter's balance has some to keep.
    prompts = {"currency": "EUR", "carry_over_prompt": "1", "drop_prompt": "1"}
    clients["alex"].post("/settings/prompts", data={**prompts, "shared_share_prompt": "10"})
    plant(current, 0)
    past: dict[int, tuple[Quarter, dict]] = {}
    for n in range(1, 5):
        planned_id = plan_next(clients["alex"], current)
        # The look back: the first open goal carries over (its dates moved), the next is
        # dropped with a reason, the next done; the rest carry over with cleared dates.
        for index, goal in enumerate(open_goals(app, current.id)):
            client = by_owner[goal.owner_id]
            if index == 0:
                review(client, planned_id, goal.id, "carry", dates="move")
            elif index == 1:
                review(client, planned_id, goal.id, "drop", reason=f"Not this time ({n})")
            elif index == 2:
                review(client, planned_id, goal.id, "done")
            else:
                review(client, planned_id, goal.id, "carry", dates="clear")
        for client in clients.values():
            client.post(f"/quarters/{planned_id}/session/confirm")
        with app.app_context():
            assert db.session.get(Quarter, current.id).state == "reviewed"
            reviewed = db.session.get(Quarter, current.id)
            db.session.expunge(reviewed)
        past[reviewed.id] = (reviewed, snapshot(clients, reviewed))
        current = make_quarter_record(app, planned_id)

        # A quarter of work: new goals, moves into Done, edits, comments and new notes.
        plant(current, n)
        for goal in open_goals(app, current.id)[:3]:
            client = by_owner[goal.owner_id]
            client.post(
                f"/goals/{goal.id}/move",
                data={"lane_id": goal.lane_id, "stage_id": stages[3].id, "position": 0},
            )
            client.post(f"/goals/{goal.id}/comments", data={"body": f"Well done ({n})"})
        for goal in open_goals(app, current.id)[:2]:
            form = {
                "title": goal.title + " (revised)",
                "status": "paused",
                "version": str(goal.version),
            }
            by_owner[goal.owner_id].post(f"/goals/{goal.id}/edit", data=form)

        # Trying to change a past quarter is refused, whoever tries.
        for quarter, _seen in past.values():
            with app.app_context():
                goal_id = db.session.scalar(
                    select(Goal.id).where(Goal.quarter_id == quarter.id, ~Goal.is_private)
                )
            for client in clients.values():
                assert client.post(f"/goals/{goal_id}/cheers").status_code == 409
                words = {"body": "Late words"}
                assert client.post(f"/goals/{goal_id}/comments", data=words).status_code == 409

        # Every past quarter still shows what it showed when it was reviewed.
        for quarter, seen in past.values():
            assert snapshot(clients, quarter) == seen, quarter.name

    # And what it showed is the year that happened: carried goals stay where they were.
    _first, seen = past[min(past)]
    assert "Carried on" in seen["alex"]["board"]
    assert "has dropped several personal goals" in seen["alex"]["balance"]
    assert "Not this time (1)" not in json.dumps(seen["alex"]["export"]["goal_events"])
    assert "Not this time (1)" in json.dumps(seen["sam"]["export"]["goal_events"])  # Sam's own
    statuses = sorted(g["status"] for g in seen["alex"]["export"]["goals"])
    assert statuses == ["carried", "carried", "done", "dropped"]


def make_quarter_record(app, quarter_id: int) -> Quarter:
    with app.app_context():
        quarter = db.session.get(Quarter, quarter_id)
        db.session.expunge(quarter)
        return quarter
