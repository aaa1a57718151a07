"""Export and import: what leaves the app, and a round trip that loses nothing."""

import csv
import io
import json
from datetime import date, datetime, time, timedelta

import flask_migrate
import pytest
from factories import (
    allocate,
    lane_of,
    load,
    make_available,
    make_config,
    make_goal,
    make_quarter,
    shared_lane,
    stages_of,
    wipe,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from goalmap import create_app
from goalmap.extensions import db
from goalmap.models import (
    REVIEW_QUESTIONS,
    Appreciation,
    Contract,
    Goal,
    GoalComment,
    GoalEvent,
    Lane,
    Milestone,
    Partnership,
    Quarter,
    RitualException,
    RitualRule,
    SharedValue,
    User,
    Win,
    WinReaction,
    WinSeen,
    YearlyAnswer,
    YearlyReview,
)
from goalmap.rituals import service as rituals
from goalmap.transfer.forms import FileRefused, read_export
from goalmap.transfer.service import (
    ADDED_LATER,
    SECTIONS,
    ImportRefused,
    export_partnership,
    import_partnership,
)

# The sections milestones, wins and the yearly review brought.
CELEBRATIONS = (
    "milestones",
    "wins",
    "appreciations",
    "win_reactions",
    "wins_seen",
    "yearly_reviews",
    "yearly_answers",
)


@pytest.fixture
def rich(app, alex, sam):
    """A partnership with one of everything, including a private goal of Alex's."""
    q1 = make_quarter(app, alex, name="2027 Q1", state="reviewed")
    q2 = make_quarter(app, alex, name="2027 Q2", state="active", previous_id=q1.id)
    with app.app_context():
        db.session.add(SharedValue(partnership_id=alex.partnership_id, name="Adventure"))
        db.session.commit()
        value_id = db.session.scalar(select(SharedValue.id))
    stages = stages_of(app, alex)
    trip = make_goal(
        app,
        q2,
        shared_lane(app, alex),
        stages[1],
        title="Lisbon",
        value_id=value_id,
        notes="Flights = first",
    )
    secret = make_goal(
        app, q2, lane_of(app, alex), stages[0], title="Therapy", notes="Tuesdays", is_private=True
    )
    run = make_goal(
        app, q1, lane_of(app, sam), stages[2], title='=HYPERLINK("x")', status="dropped"
    )
    make_goal(app, q2, lane_of(app, sam), stages[2], title="Deleted one", deleted_at=db.func.now())
    party = make_goal(
        app, q2, lane_of(app, sam), stages[0], title="Surprise party", is_private=True
    )
    gift = make_goal(app, q2, lane_of(app, sam), stages[1], title="Secret gift", is_private=True)
    allocate(app, trip, sam, hours="1.5", amount="1200.50", period="quarter", note="flat")
    allocate(app, secret, alex, hours="2", note="Tuesday evening sessions")
    make_available(app, q2, alex, hours="10", budget="900.00")
    with app.app_context():
        db.session.add_all(
            [
                GoalEvent(
                    partnership_id=alex.partnership_id,
                    goal_id=run.id,
                    user_id=sam.id,
                    kind="dropped",
                    note="Knee",
                    quarter_id=q1.id,
                ),
                GoalComment(
                    partnership_id=alex.partnership_id,
                    goal_id=trip.id,
                    author_id=alex.id,
                    body="Can't wait",
                ),
            ]
        )
        db.session.commit()
    celebrate(app, alex, sam, q1, q2, trip, secret, run, party, gift)
    keep_time(app, alex, sam, q1, secret)
    return {"trip": trip, "secret": secret}


def keep_time(app, alex, sam, q1, secret) -> None:
    """Alex's private solo slot for the private goal (adapted once, an evening moved), a
    joint ritual with a skipped evening, and the hours the reviewed quarter kept."""
    with app.app_context():
        member = db.session.get(User, alex.id)
        when = {
            "frequency": "weekly",
            "weekdays": "TU",
            "at": time(18, 30),
            "minutes": 90,
            "time_zone": "Europe/Berlin",
            "starts_on": date(2027, 1, 5),
        }
        solo = rituals.create(
            member, kind="solo", title="Therapy walk", is_private=True, goal_id=secret.id, rule=when
        )
        joint = rituals.create(
            member,
            kind="joint",
            title="Sunday brunch",
            is_private=False,
            goal_id=None,
            rule={**when, "weekdays": "SU"},
        )
        db.session.flush()
        first = db.session.scalar(select(RitualRule).where(RitualRule.ritual_id == solo.id))
        first.until, first.replaced_at = date(2027, 3, 1), datetime(2027, 3, 1)
        db.session.add_all(
            [
                RitualRule(
                    partnership_id=member.partnership_id,
                    ritual_id=solo.id,
                    frequency="monthly_weekday",
                    weekdays="SA",
                    nth=-1,
                    at=time(10),
                    minutes=120,
                    time_zone="UTC",
                    starts_on=date(2027, 3, 2),
                ),
                RitualException(
                    partnership_id=member.partnership_id,
                    ritual_id=solo.id,
                    day=date(2027, 3, 27),
                    moved_to=datetime(2027, 3, 28, 11),
                ),
                RitualException(
                    partnership_id=member.partnership_id, ritual_id=joint.id, day=date(2027, 1, 10)
                ),
            ]
        )
        rituals.keep_hours(db.session.get(Quarter, q1.id), member)
        db.session.commit()


def celebrate(app, alex, sam, q1, q2, trip, secret, run, party, gift) -> None:
    """Milestones, wins of every kind with notes and reactions, and a kept yearly review
    with an open one after it, written as rows (their own areas make them through pages).

    Alex's private goal has a milestone, and Alex shared both its win and the goal's:
    Sam's export holds neither the milestone nor its win (which would name it), and the
    goal's win without what it says.
    Sam has a private goal with a shared win and one with a win kept to himself.
    Alex answered the open review, Sam not."""
    moments = (datetime(2027, 4, 1, 9) + timedelta(minutes=i) for i in range(1000))
    with app.app_context():
        pid = alex.partnership_id
        partnership = db.session.get(Partnership, pid)
        partnership.review_month, partnership.review_day = 6, 30

        def milestone(goal, title, position, done_by=None, **fields):
            row = Milestone(
                partnership_id=pid,
                goal_id=goal.id,
                title=title,
                position=position,
                created_at=next(moments),
                **fields,
            )
            if done_by is not None:
                row.done_at, row.done_by_id = next(moments), done_by.id
            return row

        flights = milestone(trip, "Book flights", 1024, done_by=sam)
        pack = milestone(trip, "Pack light", 2048, target_on=date(2027, 5, 1), version=3)
        dropped = milestone(trip, "Old plan", 3072, done_by=alex)
        dropped.deleted_at = next(moments)
        therapist = milestone(secret, "Find a therapist", 1024, done_by=alex)
        db.session.add_all([flights, pack, dropped, therapist])
        for goal, total, done in ((trip, 2, 1), (secret, 1, 1)):
            row = db.session.get(Goal, goal.id)
            row.milestones_total, row.milestones_done = total, done
        contract = Contract(
            partnership_id=pid,
            goal_id=run.id,
            owner_id=sam.id,
            state="completed",
            created_at=next(moments),
            closed_at=next(moments),
        )
        db.session.add(contract)
        db.session.flush()

        def win(kind, subject, goal, quarter, user, what, **fields):
            return Win(
                partnership_id=pid,
                kind=kind,
                subject_id=subject.id,
                goal_id=goal.id,
                quarter_id=quarter.id,
                owner_id=goal.owner_id,
                user_id=user.id,
                what=what,
                created_at=next(moments),
                **fields,
            )

        ticked = win("milestone", flights, trip, q2, sam, "Book flights")
        undone = win("goal", trip, trip, q2, alex, "Lisbon")
        undone.withdrawn_at = next(moments)
        wins = [
            ticked,
            undone,
            win("contract", contract, run, q1, sam, "Two modules a month"),
            win("milestone", therapist, secret, q2, alex, "Find a therapist", shared_by_owner=True),
            win("goal", secret, secret, q2, alex, "Therapy", shared_by_owner=True),
            win("goal", party, party, q2, sam, "Surprise party", shared_by_owner=True),
            win("goal", gift, gift, q2, sam, "Secret gift"),
        ]
        db.session.add_all(wins)
        db.session.flush()
        shared_secret = wins[4]
        for model, values in (
            (Appreciation, dict(win_id=ticked.id, author_id=alex.id, body="Cheap ones!")),
            (Appreciation, dict(win_id=shared_secret.id, author_id=sam.id, body="Proud of you")),
            (WinReaction, dict(win_id=ticked.id, user_id=alex.id, reaction="love")),
            (WinReaction, dict(win_id=ticked.id, user_id=sam.id, reaction="together")),
            (WinReaction, dict(win_id=shared_secret.id, user_id=sam.id, reaction="proud")),
        ):
            db.session.add(model(partnership_id=pid, created_at=next(moments), **values))
        for win_id, user in ((ticked.id, alex), (ticked.id, sam), (shared_secret.id, sam)):
            db.session.add(
                WinSeen(partnership_id=pid, win_id=win_id, user_id=user.id, seen_at=next(moments))
            )
        questions = json.dumps(REVIEW_QUESTIONS[:2])
        kept = YearlyReview(
            partnership_id=pid,
            starts_on=date(2026, 1, 1),
            ends_on=date(2027, 1, 1),
            state="kept",
            questions_json=questions,
            keep="Sunday walks",
            change="Fewer screens",
            version=4,
            summary_json=json.dumps({"wins": 3}),
            created_at=next(moments),
            created_by_id=alex.id,
            kept_at=next(moments),
            kept_by_id=sam.id,
        )
        ahead = YearlyReview(
            partnership_id=pid,
            starts_on=date(2027, 1, 1),
            ends_on=date(2028, 1, 1),
            questions_json=questions,
            created_at=next(moments),
            created_by_id=sam.id,
        )
        db.session.add_all([kept, ahead])
        db.session.flush()
        for review, user, answers in (
            (kept, alex, ["More walks", "Ours"]),
            (kept, sam, ["Less work", "The boat"]),
            (ahead, alex, ["Sealed from Sam", "Not yet"]),
        ):
            db.session.add(
                YearlyAnswer(
                    partnership_id=pid,
                    review_id=review.id,
                    user_id=user.id,
                    answers_json=json.dumps(answers),
                    created_at=next(moments),
                )
            )
        db.session.commit()


def exported(app, user) -> dict:
    with app.app_context():
        return export_partnership(db.session.get(User, user.id))


def test_the_export_holds_what_the_member_may_see(app, alex, sam, rich, sam_client):
    response = sam_client.get("/export.json")
    assert response.headers["Content-Disposition"] == 'attachment; filename="goalmap-export.json"'
    text = response.get_data(as_text=True)
    data = json.loads(text)
    assert (data["format"], data["version"]) == ("goalmap-export", 1)
    assert "Therapy" not in text and "Tuesday" not in text  # Alex's private goal
    hidden = [g for g in data["goals"] if g["hidden"]]
    assert len(hidden) == 1 and set(hidden[0]) >= {"quarter", "lane", "stage", "position"}
    assert "title" not in hidden[0] and "notes" not in hidden[0]
    assert "password" not in text and "argon2" not in text and "session_token" not in text
    assert "Therapy" in json.dumps(exported(app, alex))  # Alex's own export has it


@pytest.mark.parametrize("who", ["alex", "sam"])
def test_an_export_imported_into_an_empty_instance_exports_the_same(
    app, alex, sam, rich, tmp_path, who
):
    member = {"alex": alex, "sam": sam}[who]
    first = exported(app, member)
    assert all(first[section] for section in CELEBRATIONS)
    other = create_app(make_config("sqlite:///" + str(tmp_path / "other.sqlite")))
    with other.app_context():
        flask_migrate.upgrade()
        import_partnership(json.loads(json.dumps(first)), "a new long password")
        db.session.commit()
        again = export_partnership(
            db.session.scalar(select(User).where(User.email == member.email))
        )
        counted = {
            title: (total, done)
            for title, total, done in db.session.execute(
                select(Goal.title, Goal.milestones_total, Goal.milestones_done)
            )
        }
        db.engine.dispose()
    first.pop("exported_at"), again.pop("exported_at")
    assert json.dumps(again, sort_keys=True) == json.dumps(first, sort_keys=True)
    # The goals count the milestones imported, the deleted one not; a partner's private
    # goal came without any.
    assert counted["Lisbon"] == (2, 1) and counted["Private goal"] == (0, 0)
    assert counted.get("Therapy", (1, 1)) == (1, 1)


def test_milestones_wins_and_reviews_travel_as_the_member_sees_them(app, alex, rich):
    data = exported(app, alex)
    assert data["partnership"]["review_month"] == 6 and data["partnership"]["review_day"] == 30
    titles = [
        (m["title"], m["done_at"] is not None, m["deleted_at"] is not None)
        for m in data["milestones"]
    ]
    assert titles == [
        ("Book flights", True, False),
        ("Pack light", False, False),
        ("Old plan", True, True),
        ("Find a therapist", True, False),
    ]
    keys = {
        row["key"]: row for section in ("milestones", "goals", "contracts") for row in data[section]
    }
    wins = {(w["kind"], keys[w["subject"]].get("title")): w for w in data["wins"]}
    assert wins["goal", "Lisbon"]["withdrawn_at"] is not None
    assert wins["milestone", "Book flights"]["owner"] is None  # a shared goal's: the couple's
    assert wins["contract", None]["title"] == "Two modules a month"
    (placeholder,) = [w for w in data["wins"] if keys[w["goal"]]["hidden"]]
    assert placeholder["shared_by_owner"] and "title" not in placeholder  # Sam's, shared
    assert len(data["wins_seen"]) == 3 and len(data["win_reactions"]) == 3
    assert [r["state"] for r in data["yearly_reviews"]] == ["kept", "open"]
    assert len(data["yearly_answers"]) == 3  # Alex sees Sam's once Alex answered too


def test_a_partners_private_milestones_wins_and_sealed_answers_stay_out(
    app, alex, sam, rich, sam_client
):
    text = sam_client.get("/export.json").get_data(as_text=True)
    data = json.loads(text)
    hidden = {goal["key"] for goal in data["goals"] if goal["hidden"]}
    assert not [m for m in data["milestones"] if m["goal"] in hidden]
    assert "Find a therapist" not in text and "Therapy" not in text
    (shared,) = [w for w in data["wins"] if w["goal"] in hidden]  # Alex shared it
    assert shared["kind"] == "goal" and shared["subject"] in hidden and "title" not in shared
    assert [a["body"] for a in data["appreciations"]] == ["Cheap ones!", "Proud of you"]
    assert "Sealed from Sam" not in text and "More walks" in text  # answered together
    alexs = exported(app, alex)
    assert "Sealed from Sam" in json.dumps(alexs)  # Alex's own
    # And the other way round: of Sam's two private goals' wins, the one Sam shared.
    hidden = {goal["key"] for goal in alexs["goals"] if goal["hidden"]}
    assert len(hidden) == 2 and len([w for w in alexs["wins"] if w["goal"] in hidden]) == 1
    assert "Surprise party" not in json.dumps(alexs) and "Secret gift" not in json.dumps(alexs)


def test_an_export_from_before_the_goal_story_still_imports(app, alex, rich, tmp_path):
    data = exported(app, alex)
    for stage in data["stages"]:
        del stage["is_done"]
    for goal in data["goals"]:
        goal.pop("comment_count", None), goal.pop("carried_from", None)
    for comment in data["comments"]:
        del comment["kind"]
    for section in ADDED_LATER:  # the flexibility log came later still
        del data[section]
    other = create_app(make_config("sqlite:///" + str(tmp_path / "older.sqlite")))
    with other.app_context():
        flask_migrate.upgrade()
        import_partnership(read_export(json.dumps(data)), "a new long password")
        db.session.commit()
        again = export_partnership(db.session.scalar(select(User).where(User.email == alex.email)))
        db.engine.dispose()
    assert again["flex_entries"] == [] and again["protocol_versions"] == []
    assert {stage["is_done"] for stage in again["stages"]} == {False}
    assert {comment["kind"] for comment in again["comments"]} <= {"comment"}
    assert [g.get("title") for g in again["goals"]] == [g.get("title") for g in data["goals"]]


def test_an_export_from_before_milestones_and_wins_still_imports(app, alex, rich, tmp_path):
    data = exported(app, alex)
    for section in CELEBRATIONS:
        del data[section]
    del data["partnership"]["review_month"], data["partnership"]["review_day"]
    other = create_app(make_config("sqlite:///" + str(tmp_path / "older.sqlite")))
    with other.app_context():
        flask_migrate.upgrade()
        import_partnership(read_export(json.dumps(data)), "a new long password")
        db.session.commit()
        again = export_partnership(db.session.scalar(select(User).where(User.email == alex.email)))
        counters = set(db.session.execute(select(Goal.milestones_total, Goal.milestones_done)))
        db.engine.dispose()
    data.pop("exported_at"), again.pop("exported_at")
    data["partnership"].update(review_month=None, review_day=None)
    data.update({section: [] for section in CELEBRATIONS})
    assert json.dumps(again, sort_keys=True) == json.dumps(data, sort_keys=True)
    assert counters == {(0, 0)}


# What the format leaves out of a partnership's tables, and why.
LEFT_OUT = {
    "invites": None,  # a code to join, for one person and a few days: not the couple's data
    "users": {"password_hash", "session_token", "created_at"},  # secrets; a new account
    "goals": {
        "milestones_total",  # counted again from the milestones imported
        "milestones_done",
        "created_by_id",  # not carried yet (who of the two made a shared goal)
    },
    "availabilities": {"version"},  # the edit counter starts again
    "notifications": None,  # pointers to what concerned a member lately, kept 90 days
    "presences": None,  # who had a page open a moment ago
    # Mail is no partnership's data (these tables have no partnership_id, so the test
    # below never reaches them; they are listed to say so): the outbox holds messages
    # for minutes, a reset link lives an hour, and what a member chose to get by mail is
    # chosen again on the new server (each choice is off until chosen).
    "mail_messages": None,
    "password_resets": None,
    "mail_preferences": None,
    # A member's secret calendar link (keyed to the member, with no partnership_id, so
    # the check below passes it by): a secret like a password, never exported.
    "calendar_feeds": None,
}


def test_every_table_and_column_of_a_partnership_is_in_the_format():
    carried = {
        model.__tablename__: {*fields, *(column for _target, column in refs.values())}
        for _section, model, fields, refs in SECTIONS
    }
    for table in db.metadata.sorted_tables:
        if "partnership_id" not in table.c or LEFT_OUT.get(table.name, ()) is None:
            continue
        missing = set(table.c.keys()) - {"id", "partnership_id"} - carried.get(table.name, set())
        assert missing <= LEFT_OUT.get(table.name, set()), (table.name, missing)


def test_import_refuses_a_used_instance_and_a_foreign_file(app, alex, rich):
    data = exported(app, alex)
    with app.app_context():
        with pytest.raises(Exception, match="empty instance"):
            import_partnership(data, "a new long password")
        with pytest.raises(FileRefused, match="version 1"):
            read_export(json.dumps({"format": "something else"}))


def test_the_import_command(app, alex, rich, tmp_path):
    path = tmp_path / "export.json"
    path.write_text(json.dumps(exported(app, alex)))
    other = create_app(make_config("sqlite:///" + str(tmp_path / "cli.sqlite")))
    with other.app_context():
        flask_migrate.upgrade()
    result = other.test_cli_runner().invoke(
        args=["import-partnership", str(path), "--password", "a new long password"]
    )
    assert "Imported Alex's partnership with 2 members." in result.output
    client = other.test_client()
    response = client.post(
        "/login",
        data={"email": alex.email, "password": "a new long password", "csrf_token": _token(client)},
    )
    assert response.status_code == 302
    with other.app_context():
        db.engine.dispose()


def _token(client) -> str:
    import re

    page = client.get("/login").get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def test_goals_csv_neutralises_formulas_and_hides_private_content(app, alex, sam, rich, sam_client):
    response = sam_client.get("/export.csv")
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][:4] == ["quarter", "lane", "column", "title"]
    titles = [row[3] for row in rows[1:]]
    assert "Lisbon" in titles and '\'=HYPERLINK("x")' in titles
    assert "Therapy" not in response.get_data(as_text=True)
    assert "Deleted one" not in titles


# -- importing a malformed file: a message naming the line, and nothing written ---------


def accounts(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User))


@pytest.fixture
def export_text(app, alex, rich) -> dict:
    """A good export of Alex's, in an instance emptied for the import."""
    data = exported(app, alex)
    wipe(app)
    return data


def row_start(text: str, marker: str) -> int:
    """The line (from 1) where the object holding ``marker`` begins."""
    lines = text.splitlines()
    at = next(i for i, line in enumerate(lines) if marker in line)
    return next(i for i in range(at, -1, -1) if lines[i].rstrip().endswith("{")) + 1


def mutate_goal_title(data):
    data["goals"][0]["title"] = "x" * 201
    return "x" * 201, "title is longer than 200 characters"


def mutate_hours(data):
    data["allocations"][0]["hours_per_week"] = "-1"
    return '"-1"', "hours_per_week must be a number, 0 or more"


def mutate_partnership_id(data):
    data["partnership"]["id"] = 7
    return '"id": 7', "the partnership has a key this format does not know: 'id'"


def mutate_unknown_key(data):
    data["goals"][1]["colour"] = "red"
    return '"colour": "red"', "a row of goals has a key this format does not know: 'colour'"


def mutate_status(data):
    data["goals"][0]["status"] = "someday"  # only the database's CHECK knows the list
    return '"someday"', "the database refuses this row of goals"


def mutate_reference(data):
    data["goals"][0]["lane"] = "lanes-99"
    return '"lanes-99"', "lane must name an earlier lanes record, not 'lanes-99'"


def mutate_far_date(data):
    data["quarters"][0]["ends_on"] = "9999-12-31"
    return "9999-12-31", "ends_on must be between 1900 and 2999"


def mutate_duplicate_key(data):
    data["goals"][1]["key"] = data["goals"][0]["key"]
    return None, "is used twice"


def mutate_type(data):
    data["stages"][0]["position"] = "first"
    return '"first"', "position must be a whole number"


def mutate_win_subject(data):
    data["wins"][0]["subject"] = "milestones-99"
    return '"milestones-99"', "subject must name an earlier milestones record, not 'milestones-99'"


def mutate_win_subject_of_another_kind(data):
    win = next(w for w in data["wins"] if w["kind"] == "contract")
    win["kind"] = "goal"  # its subject is a contract: no goal of that key
    return f'"subject": "{win["subject"]}"', "subject must name an earlier goals record"


def mutate_win_kind(data):
    data["wins"][0]["kind"] = "medal"
    return '"medal"', "kind must be one of milestone, goal, contract"


def mutate_reaction_twice(data):
    data["win_reactions"].append({**data["win_reactions"][0], "key": "win_reactions-99"})
    return '"win_reactions-99"', "the database refuses this row of win_reactions"


def mutate_review_day(data):
    data["partnership"]["review_day"] = 31  # in June
    return '"review_day": 31', "review_day must be between 1 and 30"


def mutate_time_zone(data):
    data["partnership"]["time_zone"] = "Mars/Olympus"
    return '"Mars/Olympus"', "time_zone must be a known time zone"


def mutate_week_start(data):
    data["partnership"]["week_starts_on"] = 9
    return '"week_starts_on": 9', "week_starts_on must be between 0 (Monday) and 6"


def mutate_answers(data):
    data["yearly_answers"][0]["answers_json"] = "no JSON"
    return '"no JSON"', "answers_json must hold JSON"


def mutate_questions(data):
    data["yearly_reviews"][0]["questions_json"] = '{"1": "Why?"}'
    return '"{\\"1\\"', "questions_json must hold a JSON list of texts"


@pytest.mark.parametrize(
    "mutate",
    [
        mutate_goal_title,
        mutate_hours,
        mutate_partnership_id,
        mutate_unknown_key,
        mutate_status,
        mutate_reference,
        mutate_far_date,
        mutate_duplicate_key,
        mutate_type,
        mutate_win_subject,
        mutate_win_subject_of_another_kind,
        mutate_win_kind,
        mutate_reaction_twice,
        mutate_review_day,
        mutate_time_zone,
        mutate_week_start,
        mutate_answers,
        mutate_questions,
    ],
)
def test_a_malformed_row_is_refused_with_its_line_and_nothing_is_imported(
    app, export_text, tmp_path, mutate
):
    marker, message = mutate(export_text)
    text = json.dumps(export_text, indent=2)
    path = tmp_path / "export.json"
    path.write_text(text)
    result = app.test_cli_runner().invoke(
        args=["import-partnership", str(path), "--password", "a new long password"]
    )
    assert result.exit_code == 1 and result.exception.__class__ is SystemExit, result.output
    assert message in result.output and "Nothing was imported." in result.output
    if marker:
        assert f"line {row_start(text, marker)}:" in result.output
    assert accounts(app) == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"[1, 2]", "line 1: a Goalmap export is one JSON object"),
        (b"null", "line 1: a Goalmap export is one JSON object"),
        (b'{\n  "format": "goalmap-export",\n  "version": 1,\n', "line 4: this is not JSON"),
        (b"\xff\xfe not text", "cannot be read as UTF-8 text"),
        (b"[" * 100_000, "nested too deep"),
        (b'{"format": "goalmap-export", "version": 1}', "the file has no partnership"),
        (
            b'{"format": "goalmap-export", "version": 1, "partnership": {"name": "Us"},'
            b' "members": [null]}',
            "row 1 of members is None, not an object",
        ),
    ],
)
def test_a_file_that_is_no_export_is_refused_with_a_message(app, tmp_path, content, message):
    path = tmp_path / "export.json"
    path.write_bytes(content)
    result = app.test_cli_runner().invoke(
        args=["import-partnership", str(path), "--password", "a new long password"]
    )
    assert result.exit_code == 1 and message in result.output, result.output
    assert accounts(app) == 0


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=300),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=6,
)


@pytest.mark.parametrize("among", ["every section", "celebrations"])
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(choice=st.data())
def test_any_changed_value_imports_or_is_refused_with_nothing_written(
    app, export_text, among, choice
):
    data = json.loads(json.dumps(export_text))
    sections = [k for k, v in data.items() if isinstance(v, list)] + ["partnership"]
    if among == "celebrations":  # the newest sections, drawn more often
        sections = [*CELEBRATIONS, "partnership"]
    section = choice.draw(st.sampled_from(sections))
    rows = data[section]
    if section == "partnership":
        field = choice.draw(st.sampled_from([*sorted(rows), "unknown"]))
        rows[field] = choice.draw(JSON_VALUES)
    elif rows:
        row = choice.draw(st.sampled_from(rows))
        field = choice.draw(st.sampled_from([*sorted(row), "unknown"]))
        row[field] = choice.draw(JSON_VALUES)
    else:
        data[section] = choice.draw(JSON_VALUES)
    with app.app_context():
        try:
            import_partnership(read_export(json.dumps(data, indent=1)), "a new long password")
            db.session.commit()
        except (FileRefused, ImportRefused) as refusal:
            db.session.rollback()
            assert str(refusal).startswith("line ") or "empty instance" in str(refusal)
            assert db.session.scalar(select(func.count()).select_from(User)) == 0
    wipe(app)


def test_every_name_in_the_csv_is_kept_from_running_as_a_formula(
    app, alex, sam, alex_client, sam_client
):
    # Names anyone can type: a quarter's, a member's (their lane), a lane's, a column's.
    alex_client.post(
        "/quarters/new", data={"name": "=2+3", "starts_on": "2027-01-01", "ends_on": "2027-03-31"}
    )
    stage = stages_of(app, alex)[0]
    alex_client.post(f"/stages/{stage.id}", data={f"stage-{stage.id}-name": '=HYPERLINK("x")'})
    lane = shared_lane(app, alex)
    alex_client.post(f"/lanes/{lane.id}", data={f"lane-{lane.id}-name": "+cmd"})
    with app.app_context():
        db.session.get(User, sam.id).display_name = "@SUM(1+1)"
        db.session.get(Lane, lane_of(app, sam).id).name = "@SUM(1+1)"
        quarter = db.session.scalar(select(Quarter).where(Quarter.name == "=2+3"))
        db.session.commit()
    make_goal(app, quarter, lane_of(app, sam), stage, title="Sam's")
    make_goal(app, quarter, lane, stage, title="-ours")
    rows = list(csv.reader(io.StringIO(alex_client.get("/export.csv").get_data(as_text=True))))
    cells = [cell for row in rows[1:] for cell in row[:5]]
    assert {"'=2+3", "'@SUM(1+1)", "'+cmd", '\'=HYPERLINK("x")', "'-ours"} <= set(cells)
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@")]


@pytest.mark.parametrize("path", ["/export.json", "/export.csv", "/export-log.csv"])
def test_exports_are_never_kept_in_a_cache(alex_client, path):
    assert alex_client.get(path).headers["Cache-Control"] == "no-store"


def test_rituals_travel_with_their_history_and_a_private_slot_as_solo_time(
    app, alex, sam, rich, sam_client
):
    text = sam_client.get("/export.json").get_data(as_text=True)
    data = json.loads(text)
    assert "Therapy" not in text
    slot, brunch = data["rituals"]
    assert (slot["title"], slot["goal"], slot["is_private"]) == ("Solo time", None, True)
    assert brunch["title"] == "Sunday brunch"
    assert [(r["frequency"], r["nth"], r["at"]) for r in data["ritual_rules"]] == [
        ("weekly", None, "18:30:00"),
        ("weekly", None, "18:30:00"),
        ("monthly_weekday", -1, "10:00:00"),  # the solo slot's second rule, made last
    ]
    assert sorted(e["moved_to"] or "" for e in data["ritual_exceptions"]) == [
        "", "2027-03-28T11:00:00",
    ]  # fmt: skip
    assert len(data["ritual_hours"]) == 2  # the reviewed quarter's, per member
    own = exported(app, alex)
    assert own["rituals"][0]["title"] == "Therapy walk" and own["rituals"][0]["goal"]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("weekdays", "MO,XX", "weekdays must be days like MO,TH"),
        ("time_zone", "Mars/Olympus", "time_zone must be a known time zone"),
        ("at", "25:00", "at must be a time of day"),
        ("nth", -2, "nth must be between 0"),
    ],
)
def test_a_ritual_rule_that_could_not_run_is_refused_on_import(
    app, alex, rich, field, value, message
):
    data = exported(app, alex)
    data["ritual_rules"][0][field] = value
    with pytest.raises(FileRefused, match=message):
        read_export(json.dumps(data, indent=1))


def test_a_ritual_for_a_goal_the_exporter_may_not_name_travels_without_it(
    app, alex, sam, rich, sam_client, tmp_path
):
    """Alex's joint ritual for Alex's private goal, and Alex's slot for a draft: Sam's
    export keeps both rituals, names neither goal (not even its placeholder), and imports."""
    quarter = load(app, Quarter, rich["secret"].quarter_id)
    draft = make_goal(app, quarter, lane_of(app, alex), title="Draft plan", is_draft=True)
    with app.app_context():
        member = db.session.get(User, alex.id)
        when = {
            "frequency": "weekly",
            "weekdays": "WE",
            "at": time(7),
            "minutes": 30,
            "time_zone": "UTC",
            "starts_on": date(2027, 1, 6),
        }
        rituals.create(
            member,
            kind="joint",
            title="Walk for it",
            is_private=False,
            goal_id=rich["secret"].id,
            rule=when,
        )
        rituals.create(
            member,
            kind="solo",
            title="Drafting hour",
            is_private=False,
            goal_id=draft.id,
            rule=when,
        )
        db.session.commit()
    data = json.loads(sam_client.get("/export.json").get_data(as_text=True))
    by_title = {row["title"]: row for row in data["rituals"]}
    assert by_title["Walk for it"]["goal"] is None and by_title["Drafting hour"]["goal"] is None
    assert all(rule["ritual"] for rule in data["ritual_rules"])
    other = create_app(make_config("sqlite:///" + str(tmp_path / "other.sqlite")))
    with other.app_context():
        flask_migrate.upgrade()
        import_partnership(json.loads(json.dumps(data)), "a new long password")
        db.session.commit()
        db.engine.dispose()


def test_a_weekly_rule_without_a_day_is_refused_on_import(app, alex, rich):
    data = exported(app, alex)
    data["ritual_rules"][0]["weekdays"] = ""
    with pytest.raises(FileRefused, match="weekdays must name a day for a weekly rule"):
        read_export(json.dumps(data, indent=1))
