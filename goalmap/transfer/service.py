"""Export a partnership as one JSON file (and its goals as CSV), and import it again.

The export holds what the exporting member may see: another member's private goal
comes as a placeholder (where it sits, its status and numbers) without its title,
notes, dates, milestones or notes on what it takes, and with only the wins its owner
shared, without what they celebrate; their drafts are left out. The format is
documented in docs/export-format.md.
"""

import csv
import io
from collections import Counter
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import cache

from sqlalchemy.exc import DataError, IntegrityError

from goalmap import models
from goalmap.extensions import db
from goalmap.fields import FIRST_DAY
from goalmap.flexibility import queries as flexibility
from goalmap.passwords import hash_password
from goalmap.transfer import queries

FORMAT, VERSION = "goalmap-export", 1
PRIVATE_TITLE = "Private goal"
PRIVATE_WIN = "A private win"
PRIVATE_SLOT = "Solo time"
# What a win celebrates, by its kind: the section its ``subject`` names a record of.
SUBJECTS = {kind: getattr(models, name) for kind, name in models.WIN_KINDS.items()}


def _value(value):
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


# Each section of the file: its model, its plain fields, and its references to other
# sections (name in the file -> (model referred to, column)). Export and import both
# read this table, in this order (every reference points to an earlier section).
SECTIONS = (
    ("members", models.User, ("email", "display_name", "colour"), {}),
    ("stages", models.Stage, ("name", "position", "is_done"), {}),
    ("lanes", models.Lane, ("name", "position"), {"owner": (models.User, "owner_id")}),
    ("values", models.SharedValue, ("name",), {}),
    (
        "quarters",
        models.Quarter,
        ("name", "starts_on", "ends_on", "state", "created_at", "revealed_at", "started_at"),
        {"previous": (models.Quarter, "previous_id")},
    ),
    (
        "goals",
        models.Goal,
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
            "comment_count",
            "created_at",
            "updated_at",
            "deleted_at",
            "version",
        ),
        {
            "quarter": (models.Quarter, "quarter_id"),
            "lane": (models.Lane, "lane_id"),
            "stage": (models.Stage, "stage_id"),
            "owner": (models.User, "owner_id"),
            "value": (models.SharedValue, "value_id"),
            "carried_from": (models.Goal, "carried_from_id"),
        },
    ),
    (
        "allocations",
        models.Allocation,
        ("hours_per_week", "amount", "money_period", "energy", "note", "created_at", "replaced_at"),
        {"goal": (models.Goal, "goal_id"), "user": (models.User, "user_id")},
    ),
    (
        "availability",
        models.Availability,
        ("hours_per_week", "budget"),
        {"quarter": (models.Quarter, "quarter_id"), "user": (models.User, "user_id")},
    ),
    (
        "session_members",
        models.PlanningSeat,
        ("ready_at", "confirmed_at"),
        {"quarter": (models.Quarter, "quarter_id"), "user": (models.User, "user_id")},
    ),
    (
        "protocol_versions",
        models.ProtocolVersion,
        ("number", "steps_text", "created_at"),
        {"created_by": (models.User, "created_by_id")},
    ),
    (
        "flex_entries",
        models.FlexEntry,
        (
            "happened_on",
            "event",
            "kind",
            "look_again_on",
            "protocol_number",
            "state",
            "created_at",
            "agreed_at",
            "withdrawn_at",
        ),
        {
            "quarter": (models.Quarter, "quarter_id"),
            "raised_by": (models.User, "raised_by_id"),
            "refers_to": (models.FlexEntry, "refers_to_id"),
        },
    ),
    (
        "flex_impacts",
        models.FlexImpact,
        ("words", "created_at"),
        {"entry": (models.FlexEntry, "entry_id"), "user": (models.User, "user_id")},
    ),
    (
        "flex_decisions",
        models.FlexDecision,
        (
            "action",
            "reason",
            "new_target_on",
            "new_hours",
            "new_amount",
            "goal_version",
            "state",
            "created_at",
            "applied_at",
        ),
        {
            "entry": (models.FlexEntry, "entry_id"),
            "goal": (models.Goal, "goal_id"),
            "decided_by": (models.User, "decided_by_id"),
        },
    ),
    (
        "flex_acknowledgements",
        models.FlexAcknowledgement,
        ("created_at",),
        {"entry": (models.FlexEntry, "entry_id"), "user": (models.User, "user_id")},
    ),
    (
        "flex_follow_ups",
        models.FlexFollowUp,
        ("note", "resumed", "created_at"),
        {"entry": (models.FlexEntry, "entry_id"), "user": (models.User, "user_id")},
    ),
    (
        "contracts",
        models.Contract,
        ("state", "shown_to_partner", "reflection", "version", "created_at", "closed_at"),
        {"goal": (models.Goal, "goal_id"), "owner": (models.User, "owner_id")},
    ),
    (
        "contract_terms",
        models.ContractTerms,
        (
            "number",
            "commitment",
            "success",
            "support",
            "cadence",
            "starts_on",
            "ends_on",
            "created_at",
            "signed_at",
        ),
        {"contract": (models.Contract, "contract_id"), "signed_by": (models.User, "signed_by_id")},
    ),
    (
        "contract_check_ins",
        models.ContractCheckIn,
        ("on_day", "progress", "note", "created_at", "encouragement", "encouraged_at"),
        {
            "contract": (models.Contract, "contract_id"),
            "user": (models.User, "user_id"),
            "encouraged_by": (models.User, "encouraged_by_id"),
        },
    ),
    (
        "prompt_versions",
        models.PromptVersion,
        ("number", "prompts_text", "created_at"),
        {"created_by": (models.User, "created_by_id")},
    ),
    (
        # A partner's answers for a week they have not answered are not theirs to
        # export (``scoped``): sealed, as on the page.
        "weekly_answers",
        models.WeeklyAnswer,
        ("week_of", "prompts_json", "answers_json", "energy", "created_at"),
        {"user": (models.User, "user_id")},
    ),
    (
        "goal_events",
        models.GoalEvent,
        ("kind", "note", "created_at"),
        {
            "goal": (models.Goal, "goal_id"),
            "user": (models.User, "user_id"),
            "quarter": (models.Quarter, "quarter_id"),
            "flex_entry": (models.FlexEntry, "flex_entry_id"),
        },
    ),
    (
        "comments",
        models.GoalComment,
        ("kind", "body", "created_at"),
        {"goal": (models.Goal, "goal_id"), "author": (models.User, "author_id")},
    ),
    (
        # Deleted ones too: an undo brings them back. The goal's counts of them are
        # not in the file; the import counts what it made.
        "milestones",
        models.Milestone,
        ("title", "target_on", "position", "done_at", "version", "created_at", "deleted_at"),
        {"goal": (models.Goal, "goal_id"), "done_by": (models.User, "done_by_id")},
    ),
    (
        # Withdrawn ones too: a redo brings a win back with its notes and reactions.
        # ``subject`` names a record of the section its ``kind`` says (SUBJECTS).
        "wins",
        models.Win,
        ("kind", "title", "shared_by_owner", "created_at", "withdrawn_at"),
        {
            "subject": (SUBJECTS, "subject_id"),
            "goal": (models.Goal, "goal_id"),
            "quarter": (models.Quarter, "quarter_id"),
            "owner": (models.User, "owner_id"),
            "user": (models.User, "user_id"),
        },
    ),
    (
        "appreciations",
        models.Appreciation,
        ("body", "created_at"),
        {"win": (models.Win, "win_id"), "author": (models.User, "author_id")},
    ),
    (
        "win_reactions",
        models.WinReaction,
        ("reaction", "created_at"),
        {"win": (models.Win, "win_id"), "user": (models.User, "user_id")},
    ),
    (
        # Who has had a win's celebration: an imported win does not play again.
        "wins_seen",
        models.WinSeen,
        ("seen_at",),
        {"win": (models.Win, "win_id"), "user": (models.User, "user_id")},
    ),
    (
        "yearly_reviews",
        models.YearlyReview,
        (
            "starts_on",
            "ends_on",
            "state",
            "questions_json",
            "keep",
            "change",
            "version",
            "summary_json",
            "created_at",
            "kept_at",
        ),
        {"created_by": (models.User, "created_by_id"), "kept_by": (models.User, "kept_by_id")},
    ),
    (
        # Sealed as weekly answers are: a partner's, until this member answered too.
        "yearly_answers",
        models.YearlyAnswer,
        ("answers_json", "created_at"),
        {"review": (models.YearlyReview, "review_id"), "user": (models.User, "user_id")},
    ),
    (
        # A partner's private solo slot comes as "solo time": when, never what.
        "rituals",
        models.Ritual,
        ("kind", "title", "is_private", "created_at", "updated_at", "deleted_at", "version"),
        {
            "owner": (models.User, "owner_id"),
            "goal": (models.Goal, "goal_id"),
            "created_by": (models.User, "created_by_id"),
        },
    ),
    (
        # Every rule a ritual had, the replaced ones too: its history.
        "ritual_rules",
        models.RitualRule,
        (
            "frequency",
            "weekdays",
            "month_day",
            "nth",
            "at",
            "minutes",
            "time_zone",
            "starts_on",
            "until",
            "created_at",
            "replaced_at",
        ),
        {"ritual": (models.Ritual, "ritual_id"), "created_by": (models.User, "created_by_id")},
    ),
    (
        "ritual_exceptions",
        models.RitualException,
        ("day", "moved_to", "created_at"),
        {"ritual": (models.Ritual, "ritual_id"), "created_by": (models.User, "created_by_id")},
    ),
    (
        # What rituals took from each member in a reviewed quarter, kept as it was.
        "ritual_hours",
        models.RitualHours,
        ("personal_hours", "shared_hours"),
        {"quarter": (models.Quarter, "quarter_id"), "user": (models.User, "user_id")},
    ),
)
# Sections a file written before they existed lacks: they import empty.
ADDED_LATER = frozenset(
    {
        "protocol_versions",
        "flex_entries",
        "flex_impacts",
        "flex_decisions",
        "flex_acknowledgements",
        "flex_follow_ups",
        "contracts",
        "contract_terms",
        "contract_check_ins",
        "prompt_versions",
        "weekly_answers",
        "milestones",
        "wins",
        "appreciations",
        "win_reactions",
        "wins_seen",
        "yearly_reviews",
        "yearly_answers",
        "rituals",
        "ritual_rules",
        "ritual_exceptions",
        "ritual_hours",
    }
)
PARTNERSHIP_FIELDS = (
    "name",
    "currency",
    "carry_over_prompt",
    "drop_prompt",
    "shared_share_prompt",
    "time_zone",
    "week_starts_on",
    "review_month",
    "review_day",
)
# What a placeholder for another member's private goal keeps.
HIDDEN_FIELDS = ("status", "position", "carried_over", "deleted_at")
HIDDEN_REFS = ("quarter", "lane", "stage", "owner")


def referred(target, kind):
    """The model a reference names: a win's ``subject`` is of the model its ``kind``
    says (SUBJECTS; None for a kind that is not one)."""
    return target.get(kind) if isinstance(target, dict) else target


@cache
def _attribute(model, name: str) -> str:
    """The model's attribute for the column ``name``: the file names columns, and a
    win's title is ``Win.what`` (``Win.title`` is what scoping lets a member read)."""
    return model.__mapper__.get_property_by_column(model.__table__.c[name]).key


def _row(record, fields, refs, keys: dict) -> dict:
    row = {"key": keys[type(record), record.id]}
    for name in fields:
        row[name] = _value(getattr(record, _attribute(type(record), name)))
    for name, (model, column) in refs.items():
        ref = getattr(record, column)
        model = referred(model, getattr(record, "kind", None))
        row[name] = keys.get((model, ref)) if ref is not None else None
    return row


def export_partnership(user: models.User) -> dict:
    """Everything of ``user``'s partnership that ``user`` may see, in a stable order."""
    records = queries.records(user, SECTIONS)
    hidden = {g.id for g in records["goals"] if g.is_private and g.owner_id != user.id}
    keys = {
        (model, record.id): f"{model.__tablename__}-{i}"
        for section, model, _f, _r in SECTIONS
        for i, record in enumerate(records[section], 1)
    }
    out: dict = {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": models.utcnow().isoformat(),
        "exported_by": keys[models.User, user.id],
        "partnership": {name: getattr(user.partnership, name) for name in PARTNERSHIP_FIELDS},
    }
    for section, _model, fields, refs in SECTIONS:
        rows = out[section] = []
        for record in records[section]:
            if section == "rituals":  # scoped: its title is NULL where it is not readable
                rows.append(_ritual_row(record, fields, refs, keys, hidden))
                continue
            goal_id = record.id if section == "goals" else getattr(record, "goal_id", None)
            if goal_id not in hidden:
                row = _row(record, fields, refs, keys)
                if section == "goals":
                    row["hidden"] = False
            elif section == "goals":  # a placeholder: where it sits, never what it says
                row = _row(record, HIDDEN_FIELDS, {k: refs[k] for k in HIDDEN_REFS}, keys)
                row["hidden"] = True
            elif section == "contracts":  # shown to this member by its owner (scoped)
                row = _row(record, fields, refs, keys)
            elif section == "allocations":  # its numbers count; its note is content
                row = {**_row(record, fields, refs, keys), "note": ""}
            elif section == "wins":  # shared by its owner (queries): that, never what
                row = _row(record, [name for name in fields if name != "title"], refs, keys)
            else:  # events and comments say what the goal is about
                continue
            rows.append(row)
    return out


def _ritual_row(ritual: models.Ritual, fields, refs, keys, hidden: set) -> dict:
    """A ritual as the member may see it: a private slot as "Solo time", and no goal it
    serves that the member may not read (not even which placeholder)."""
    row = _row(ritual, [name for name in fields if name != "title"], refs, keys)
    row["title"] = ritual.title or PRIVATE_SLOT
    if ritual.title is None or ritual.goal_id in hidden:
        row["goal"] = None
    return row


def column_value(model, name: str, value):
    """A JSON value back into what the column holds."""
    if value is None:
        return None
    python_type = model.__table__.c[name].type.python_type
    if python_type is datetime:
        return datetime.fromisoformat(value)
    if python_type is date:
        return date.fromisoformat(value)
    if python_type is time:
        return time.fromisoformat(value)
    if python_type is Decimal:
        return Decimal(value)
    return value


class ImportRefused(Exception):
    """The instance is not empty, or the database refused a row of the file."""


def import_partnership(data: dict, password: str) -> models.Partnership:
    """Recreate an exported partnership in an empty instance; every member gets ``password``.

    ``data`` was checked by ``transfer.forms.read_export``; a row the database still
    refuses (a status outside its list) stops the import with the row's line, and the
    caller rolls the whole import back."""
    if queries.any_account():
        raise ImportRefused("Import goes into an empty instance; this one has accounts already.")
    partnership = models.Partnership(**data["partnership"])
    db.session.add(partnership)
    db.session.flush()
    made: dict[str, object] = {}
    placeholders: set = set()  # the keys of the goals that came as placeholders
    extra = {models.User: {"password_hash": hash_password(password)}}
    milestones = _milestone_counts(data.get("milestones", ()))
    for section, model, fields, refs in SECTIONS:
        # A placeholder has no time of its own in the file (when a private goal was made
        # is its owner's): it is given one just after the row before it, so it keeps
        # its place in the file's order (oldest first).
        made_before = datetime(FIRST_DAY.year, 1, 1)
        for row in data[section]:
            values = {"partnership_id": partnership.id, **extra.get(model, {})}
            if row.get("hidden"):
                fields_here = HIDDEN_FIELDS
                values.update(
                    title=PRIVATE_TITLE,
                    is_private=True,
                    created_at=made_before + timedelta(microseconds=1),
                )
                placeholders.add(row["key"])
            else:
                fields_here = fields
            if model is models.Goal:
                values.update(milestones.get(row["key"], {}))
            if model is models.Win and row.get("goal") in placeholders:
                values["what"] = PRIVATE_WIN  # the partner's shared private win
            # A field an older export lacks keeps its default.
            values.update(
                {
                    _attribute(model, name): column_value(model, name, row[name])
                    for name in fields_here
                    if name in row
                }
            )
            for name, (_target, column) in refs.items():
                values[column] = made[row[name]].id if row.get(name) else None
            record = model(**values)
            db.session.add(record)
            try:
                db.session.flush()
            except (IntegrityError, DataError) as error:
                reason = str(error.orig).strip().splitlines()[0]
                line = getattr(row, "line", "?")
                raise ImportRefused(
                    f"line {line}: the database refuses this row of {section} ({reason})."
                ) from error
            made[row["key"]] = record
            made_before = getattr(record, "created_at", None) or made_before
    return partnership


def _milestone_counts(rows) -> dict:
    """Each goal's milestones (not deleted) and how many of them are done, by the goal's
    key: what ``Goal.milestones_total`` and ``milestones_done`` hold."""
    total, done = Counter(), Counter()
    for row in rows:
        if row.get("deleted_at") is None:
            total[row.get("goal")] += 1
            done[row.get("goal")] += row.get("done_at") is not None
    return {key: {"milestones_total": total[key], "milestones_done": done[key]} for key in total}


def goals_csv(user: models.User) -> str:
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
    rows = queries.goal_rows(user)
    for quarter, lane, owner_id, owner_name, stage, goal in rows:
        writer.writerow(
            [
                _cell(quarter),
                _cell(owner_name if owner_id else lane),
                _cell(stage),
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


def log_csv(user: models.User) -> str:
    """The flexibility log, one row per decision the member may see (an entry without
    decisions has one row of its own), newest entry first."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "happened_on",
            "event",
            "kind",
            "quarter",
            "raised_by",
            "state",
            "look_again_on",
            "goal",
            "decision",
            "reason",
            "decision_state",
        ]
    )
    entries = flexibility.entries(user)
    decisions = flexibility.decisions([entry.id for entry in entries], user)
    for entry in entries:
        head = [
            entry.happened_on,
            _cell(entry.event),
            entry.kind,
            _cell(entry.quarter.name),
            _cell(entry.raised_by.display_name if entry.raised_by else ""),
            entry.state,
            entry.look_again_on,
        ]
        for decision in decisions[entry.id] or [None]:
            if decision is None:
                writer.writerow([*head, "", "", "", ""])
                continue
            title = decision.goal.title if decision.goal else ""
            writer.writerow(
                [*head, _cell(title), decision.action, _cell(decision.reason), decision.state]
            )
    return out.getvalue()


def _cell(text: str) -> str:
    """Keep spreadsheets from running a cell as a formula (CSV injection): every cell
    of text people typed (names as much as titles) goes through here."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
