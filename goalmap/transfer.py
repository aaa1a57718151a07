"""Export a partnership as one JSON file (and its goals as CSV), and import it again.

The export holds what the exporting member may see: another member's private goal
comes as a placeholder (where it sits, its status and numbers) without its title,
notes, dates or notes on what it takes; their drafts are left out. The format is
documented in docs/export-format.md.
"""

import csv
import io
import json
from datetime import date, datetime
from decimal import Decimal

import click
from flask import Blueprint, Flask, Response
from flask.cli import with_appcontext
from flask_login import current_user, login_required
from sqlalchemy import select

from goalmap.extensions import db
from goalmap.models import (
    Allocation,
    Availability,
    Goal,
    GoalComment,
    GoalEvent,
    Lane,
    Partnership,
    Quarter,
    SessionMember,
    SharedValue,
    Stage,
    User,
)
from goalmap.models._time import utcnow
from goalmap.passwords import hash_password
from goalmap.scoping import scoped

FORMAT, VERSION = "goalmap-export", 1
PRIVATE_TITLE = "Private goal"

bp = Blueprint("transfer", __name__)


def _value(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _rows(records, fields, keys: dict, refs: dict | None = None) -> list[dict]:
    """Records as dicts; ids become stable keys ("goal-1", …), references follow them."""
    out = []
    for record in records:
        row = {"key": keys[type(record), record.id]}
        for name in fields:
            row[name] = _value(getattr(record, name))
        for name, (model, attribute) in (refs or {}).items():
            ref = getattr(record, attribute)
            row[name] = keys.get((model, ref)) if ref is not None else None
        out.append(row)
    return out


def export_partnership(user: User) -> dict:
    """Everything of ``user``'s partnership that ``user`` may see, in a stable order."""
    partnership = user.partnership
    members = list(partnership.members)
    stages = db.session.scalars(scoped(Stage, user=user).order_by(Stage.id)).all()
    lanes = db.session.scalars(scoped(Lane, user=user).order_by(Lane.id)).all()
    values = db.session.scalars(scoped(SharedValue, user=user).order_by(SharedValue.id)).all()
    quarters = db.session.scalars(scoped(Quarter, user=user).order_by(Quarter.id)).all()
    visible = db.session.scalars(
        scoped(Goal, user=user, include_deleted=True).order_by(Goal.id)
    ).all()
    hidden = db.session.execute(
        select(
            Goal.id,
            Goal.quarter_id,
            Goal.lane_id,
            Goal.stage_id,
            Goal.owner_id,
            Goal.status,
            Goal.position,
            Goal.carried_over,
            Goal.deleted_at,
        )
        .where(
            Goal.partnership_id == partnership.id,
            Goal.owner_id != user.id,
            Goal.is_private.is_(True),
            Goal.is_draft.is_(False),
        )
        .order_by(Goal.id)
    ).all()
    goal_ids = sorted([g.id for g in visible] + [h.id for h in hidden])
    hidden_ids = {h.id for h in hidden}

    keys: dict = {}
    for model, records in (
        (User, members),
        (Stage, stages),
        (Lane, lanes),
        (SharedValue, values),
        (Quarter, quarters),
    ):
        for i, record in enumerate(records, 1):
            keys[model, record.id] = f"{model.__tablename__}-{i}"
    for i, goal_id in enumerate(goal_ids, 1):
        keys[Goal, goal_id] = f"goals-{i}"

    goals_by_id = {g.id: g for g in visible}
    goal_rows = []
    for goal_id in goal_ids:
        if goal_id in hidden_ids:
            h = next(row for row in hidden if row.id == goal_id)
            goal_rows.append(
                {
                    "key": keys[Goal, goal_id],
                    "hidden": True,
                    "quarter": keys[Quarter, h.quarter_id],
                    "lane": keys[Lane, h.lane_id],
                    "stage": keys[Stage, h.stage_id],
                    "owner": keys[User, h.owner_id],
                    "status": h.status,
                    "position": h.position,
                    "carried_over": h.carried_over,
                    "deleted_at": _value(h.deleted_at),
                }
            )
            continue
        goal = goals_by_id[goal_id]
        row = _rows(
            [goal],
            (
                "title",
                "notes",
                "starts_on",
                "target_on",
                "status",
                "is_private",
                "is_draft",
                "position",
                "carried_over",
                "created_at",
                "updated_at",
                "deleted_at",
                "version",
            ),
            keys,
            {
                "quarter": (Quarter, "quarter_id"),
                "lane": (Lane, "lane_id"),
                "stage": (Stage, "stage_id"),
                "owner": (User, "owner_id"),
                "value": (SharedValue, "value_id"),
            },
        )[0]
        goal_rows.append({**row, "hidden": False})

    def about_goals(model, order):
        return db.session.scalars(
            scoped(model, user=user).where(model.goal_id.in_(goal_ids)).order_by(order)
        ).all()

    allocations = about_goals(Allocation, Allocation.id)
    allocation_rows = _rows(
        allocations,
        ("hours_per_week", "amount", "money_period", "energy", "note", "created_at", "replaced_at"),
        _with(keys, Allocation, allocations),
        {"goal": (Goal, "goal_id"), "user": (User, "user_id")},
    )
    for row, note in zip(allocation_rows, allocations, strict=True):
        if note.goal_id in hidden_ids:
            row["note"] = ""
    events = [e for e in about_goals(GoalEvent, GoalEvent.id) if e.goal_id not in hidden_ids]
    comments = [c for c in about_goals(GoalComment, GoalComment.id) if c.goal_id not in hidden_ids]
    seats = db.session.scalars(scoped(SessionMember, user=user).order_by(SessionMember.id)).all()
    availability = db.session.scalars(
        scoped(Availability, user=user).order_by(Availability.id)
    ).all()
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": utcnow().isoformat(),
        "exported_by": keys[User, user.id],
        "partnership": {
            name: getattr(partnership, name)
            for name in (
                "name",
                "currency",
                "carry_over_prompt",
                "drop_prompt",
                "shared_share_prompt",
            )
        },
        "members": _rows(members, ("email", "display_name", "colour"), keys),
        "stages": _rows(stages, ("name", "position"), keys),
        "lanes": _rows(lanes, ("name", "position"), keys, {"owner": (User, "owner_id")}),
        "values": _rows(values, ("name",), keys),
        "quarters": _rows(
            quarters,
            ("name", "starts_on", "ends_on", "state", "created_at", "revealed_at", "started_at"),
            keys,
            {"previous": (Quarter, "previous_id")},
        ),
        "goals": goal_rows,
        "allocations": allocation_rows,
        "availability": _rows(
            availability,
            ("hours_per_week", "budget"),
            _with(keys, Availability, availability),
            {"quarter": (Quarter, "quarter_id"), "user": (User, "user_id")},
        ),
        "session_members": _rows(
            seats,
            ("ready_at", "confirmed_at"),
            _with(keys, SessionMember, seats),
            {"quarter": (Quarter, "quarter_id"), "user": (User, "user_id")},
        ),
        "goal_events": _rows(
            events,
            ("kind", "note", "created_at"),
            _with(keys, GoalEvent, events),
            {
                "goal": (Goal, "goal_id"),
                "user": (User, "user_id"),
                "quarter": (Quarter, "quarter_id"),
            },
        ),
        "comments": _rows(
            comments,
            ("body", "created_at"),
            _with(keys, GoalComment, comments),
            {"goal": (Goal, "goal_id"), "author": (User, "author_id")},
        ),
    }


def _with(keys: dict, model, records) -> dict:
    for i, record in enumerate(records, 1):
        keys[model, record.id] = f"{model.__tablename__}-{i}"
    return keys


def _parse(model, name: str, value):
    """A JSON value back into what the column holds."""
    if value is None:
        return None
    python_type = model.__table__.c[name].type.python_type
    if python_type is datetime:
        return datetime.fromisoformat(value)
    if python_type is date:
        return date.fromisoformat(value)
    if python_type is Decimal:
        return Decimal(value)
    return value


class ImportRefused(Exception):
    """The file is not a Goalmap export this version can read, or the instance is not empty."""


def import_partnership(data: dict, password: str) -> Partnership:
    """Recreate an exported partnership in an empty instance; every member gets ``password``."""
    if data.get("format") != FORMAT or data.get("version") != VERSION:
        raise ImportRefused(f"Not a {FORMAT} version {VERSION} file.")
    if db.session.scalar(select(User.id).limit(1)) is not None:
        raise ImportRefused("Import goes into an empty instance; this one has accounts already.")
    made: dict[str, object] = {}

    def add(model, row: dict, fields, refs=None, **extra):
        values = {name: _parse(model, name, row[name]) for name in fields}
        for name, (column, _model) in (refs or {}).items():
            values[column] = made[row[name]].id if row.get(name) else None
        record = model(**values, **extra)
        db.session.add(record)
        db.session.flush()
        made[row["key"]] = record
        return record

    partnership = Partnership(**data["partnership"])
    db.session.add(partnership)
    db.session.flush()
    digest = hash_password(password)
    pid = {"partnership_id": partnership.id}
    for row in data["members"]:
        add(User, row, ("email", "display_name", "colour"), password_hash=digest, **pid)
    for row in data["stages"]:
        add(Stage, row, ("name", "position"), **pid)
    for row in data["lanes"]:
        add(Lane, row, ("name", "position"), {"owner": ("owner_id", User)}, **pid)
    for row in data["values"]:
        add(SharedValue, row, ("name",), **pid)
    for row in data["quarters"]:
        add(
            Quarter,
            row,
            ("name", "starts_on", "ends_on", "state", "created_at", "revealed_at", "started_at"),
            {"previous": ("previous_id", Quarter)},
            **pid,
        )
    goal_refs = {
        "quarter": ("quarter_id", Quarter),
        "lane": ("lane_id", Lane),
        "stage": ("stage_id", Stage),
        "owner": ("owner_id", User),
    }
    for row in data["goals"]:
        if row["hidden"]:
            add(
                Goal,
                row,
                ("status", "position", "carried_over", "deleted_at"),
                goal_refs,
                title=PRIVATE_TITLE,
                is_private=True,
                **pid,
            )
        else:
            add(
                Goal,
                row,
                (
                    "title",
                    "notes",
                    "starts_on",
                    "target_on",
                    "status",
                    "is_private",
                    "is_draft",
                    "position",
                    "carried_over",
                    "created_at",
                    "updated_at",
                    "deleted_at",
                    "version",
                ),
                {**goal_refs, "value": ("value_id", SharedValue)},
                **pid,
            )
    for row in data["allocations"]:
        add(
            Allocation,
            row,
            (
                "hours_per_week",
                "amount",
                "money_period",
                "energy",
                "note",
                "created_at",
                "replaced_at",
            ),
            {"goal": ("goal_id", Goal), "user": ("user_id", User)},
            **pid,
        )
    for row in data["availability"]:
        add(
            Availability,
            row,
            ("hours_per_week", "budget"),
            {"quarter": ("quarter_id", Quarter), "user": ("user_id", User)},
            **pid,
        )
    for row in data["session_members"]:
        add(
            SessionMember,
            row,
            ("ready_at", "confirmed_at"),
            {"quarter": ("quarter_id", Quarter), "user": ("user_id", User)},
            **pid,
        )
    for row in data["goal_events"]:
        add(
            GoalEvent,
            row,
            ("kind", "note", "created_at"),
            {
                "goal": ("goal_id", Goal),
                "user": ("user_id", User),
                "quarter": ("quarter_id", Quarter),
            },
            **pid,
        )
    for row in data["comments"]:
        add(
            GoalComment,
            row,
            ("body", "created_at"),
            {"goal": ("goal_id", Goal), "author": ("author_id", User)},
            **pid,
        )
    return partnership


def goals_csv(user: User) -> str:
    """The goals the member may see, one row each (a partner's private goal without content)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "quarter",
            "lane",
            "column",
            "title",
            "notes",
            "start",
            "target",
            "status",
            "private",
            "carried_over",
        ]
    )
    rows = db.session.execute(
        select(Quarter.name, Lane.name, Lane.owner_id, User.display_name, Stage.name, Goal)
        .join(Quarter, Quarter.id == Goal.quarter_id)
        .join(Lane, Lane.id == Goal.lane_id)
        .outerjoin(User, User.id == Lane.owner_id)
        .join(Stage, Stage.id == Goal.stage_id)
        .where(Goal.id.in_(scoped(Goal, user=user).with_only_columns(Goal.id)))
        .order_by(Quarter.starts_on, Lane.position, Stage.position, Goal.position)
    ).all()
    for quarter, lane, owner_id, owner_name, stage, goal in rows:
        writer.writerow(
            [
                quarter,
                owner_name if owner_id else lane,
                stage,
                _cell(goal.title),
                _cell(goal.notes),
                goal.starts_on or "",
                goal.target_on or "",
                goal.status,
                "yes" if goal.is_private else "",
                goal.carried_over,
            ]
        )
    return out.getvalue()


def _cell(text: str) -> str:
    """Keep spreadsheets from running a cell as a formula (CSV injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@bp.get("/export.json")
@login_required
def export_json():
    """Download the whole partnership (what you may see) as one JSON file."""
    body = json.dumps(export_partnership(current_user), indent=2, ensure_ascii=False)
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": 'attachment; filename="goalmap-export.json"'},
    )


@bp.get("/export.csv")
@login_required
def export_csv():
    """Download the goals as CSV, for a spreadsheet."""
    return Response(
        goals_csv(current_user),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="goalmap-goals.csv"'},
    )


@click.command("import-partnership")
@click.argument("path", type=click.File("r", encoding="utf-8"))
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="The password every imported member signs in with at first.",
)
@with_appcontext
def import_command(path, password: str) -> None:
    """Recreate an exported partnership in this (empty) instance."""
    try:
        partnership = import_partnership(json.load(path), password)
    except (ImportRefused, KeyError, ValueError) as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"Imported {partnership.name} with {len(partnership.members)} members.")


def init_app(app: Flask) -> None:
    app.cli.add_command(import_command)
