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
    wipe,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from goalmap import create_app
from goalmap.extensions import db
from goalmap.models import GoalComment, GoalEvent, Lane, Quarter, SharedValue, User
from goalmap.transfer.forms import FileRefused, read_export
from goalmap.transfer.service import (
    ADDED_LATER,
    ImportRefused,
    export_partnership,
    import_partnership,
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
    assert [g["title"] for g in again["goals"]] == [g["title"] for g in data["goals"]]


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


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(choice=st.data())
def test_any_changed_value_imports_or_is_refused_with_nothing_written(app, export_text, choice):
    data = json.loads(json.dumps(export_text))
    section = choice.draw(st.sampled_from([k for k, v in data.items() if isinstance(v, list)]))
    rows = data[section]
    if rows:
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
