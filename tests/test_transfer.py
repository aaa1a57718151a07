"""Export and import: what leaves the app, and a round trip that loses nothing."""

import csv
import io
import json

import flask_migrate
import pytest
from factories import (
    allocate,
    lane_of,
    make_available,
    make_config,
    make_goal,
    make_quarter,
    shared_lane,
    stages_of,
)
from sqlalchemy import select

from goalmap import create_app
from goalmap.extensions import db
from goalmap.models import GoalComment, GoalEvent, SharedValue, User
from goalmap.transfer.service import export_partnership, import_partnership


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
    return {"trip": trip, "secret": secret}


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
    other = create_app(make_config("sqlite:///" + str(tmp_path / "other.sqlite")))
    with other.app_context():
        flask_migrate.upgrade()
        import_partnership(json.loads(json.dumps(first)), "a new long password")
        db.session.commit()
        again = export_partnership(
            db.session.scalar(select(User).where(User.email == member.email))
        )
        db.engine.dispose()
    first.pop("exported_at"), again.pop("exported_at")
    assert json.dumps(again, sort_keys=True) == json.dumps(first, sort_keys=True)


def test_an_export_from_before_the_goal_story_still_imports(app, alex, rich, tmp_path):
    data = exported(app, alex)
    for stage in data["stages"]:
        del stage["is_done"]
    for goal in data["goals"]:
        goal.pop("comment_count", None), goal.pop("carried_from", None)
    for comment in data["comments"]:
        del comment["kind"]
    other = create_app(make_config("sqlite:///" + str(tmp_path / "older.sqlite")))
    with other.app_context():
        flask_migrate.upgrade()
        import_partnership(data, "a new long password")
        db.session.commit()
        again = export_partnership(db.session.scalar(select(User).where(User.email == alex.email)))
        db.engine.dispose()
    assert {stage["is_done"] for stage in again["stages"]} == {False}
    assert {comment["kind"] for comment in again["comments"]} <= {"comment"}
    assert [g["title"] for g in again["goals"]] == [g["title"] for g in data["goals"]]


def test_import_refuses_a_used_instance_and_a_foreign_file(app, alex, rich):
    data = exported(app, alex)
    with app.app_context():
        with pytest.raises(Exception, match="empty instance"):
            import_partnership(data, "a new long password")
        with pytest.raises(Exception, match="version 1"):
            import_partnership({"format": "something else"}, "x")


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
