"""The import file is this area's one form: read it, and check it against the export
format (docs/export-format.md) before anything is written. Each refusal names the line
of the file it is about.

The checks come from the format's table (``service.SECTIONS``) and the models' columns:
which keys a row may have, what type and length each value takes, which references
must name an earlier record. What only the database knows (a status outside its list,
two live goals on one place) is refused by the database during the import, which then
names the row's line too (``service.import_partnership``).
"""

import json
from bisect import bisect_right
from calendar import monthrange
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from json.decoder import JSONArray, JSONObject
from json.scanner import py_make_scanner
from zoneinfo import available_timezones

from sqlalchemy import Boolean, Date, DateTime, Integer, Numeric, String, Time

from goalmap import models
from goalmap.fields import FIRST_DAY, LAST_DAY
from goalmap.transfer.service import (
    ADDED_LATER,
    FORMAT,
    HIDDEN_FIELDS,
    HIDDEN_REFS,
    PARTNERSHIP_FIELDS,
    SECTIONS,
    SUBJECTS,
    VERSION,
    column_value,
    referred,
)

TOP_LEVEL = {"format", "version", "exported_at", "exported_by", "partnership"}
# Text columns holding JSON the app reads back as a list of texts (the questions as they
# were asked, the answers given); any other ``*_json`` column holds any JSON.
JSON_LISTS = {"prompts_json", "answers_json", "questions_json"}


class FileRefused(Exception):
    """The file is not an export this version can read; the message says where and why."""

    def __init__(self, line: int | None, message: str):
        super().__init__(f"line {line}: {message}" if line else message)
        self.line = line


class Row(dict):
    """A JSON object that remembers the line it starts on."""

    line: int = 1


class Rows(list):
    """A JSON array that remembers the line it starts on."""

    line: int = 1


def parse(text: str):
    """The JSON in ``text``, each object a :class:`Row` that knows its line."""
    starts = [0] + [i + 1 for i, char in enumerate(text) if char == "\n"]

    def located(kind, parse):
        def parse_located(s_and_end, *args):
            value, end = parse(s_and_end, *args)
            value = kind(value)
            value.line = bisect_right(starts, s_and_end[1] - 1)  # where its bracket is
            return value, end

        return parse_located

    decoder = json.JSONDecoder()
    decoder.parse_object = located(Row, JSONObject)
    decoder.parse_array = located(Rows, JSONArray)
    decoder.scan_once = py_make_scanner(decoder)
    try:
        return decoder.decode(text)
    except json.JSONDecodeError as error:
        raise FileRefused(error.lineno, f"this is not JSON ({error.msg}).") from error
    except RecursionError as error:
        raise FileRefused(1, "this is not a Goalmap export (nested too deep).") from error


def read_export(text: str) -> Row:
    """The export in ``text``, checked whole; :class:`FileRefused` at the first problem."""
    data = parse(text)
    if not isinstance(data, Row):
        raise FileRefused(1, "a Goalmap export is one JSON object, {…}.")
    if data.get("format") != FORMAT or data.get("version") != VERSION:
        raise FileRefused(data.line, f"not a {FORMAT} version {VERSION} file.")
    _known_keys(data, TOP_LEVEL | {section for section, *_ in SECTIONS}, "the file")
    partnership = data.get("partnership")
    if not isinstance(partnership, Row):
        raise FileRefused(data.line, "the file has no partnership {…}.")
    _known_keys(partnership, set(PARTNERSHIP_FIELDS), "the partnership")
    for name in PARTNERSHIP_FIELDS:
        if name in partnership:
            _check_value(partnership, models.Partnership, name, partnership[name])
    _check_review_day(partnership)
    _check_calendar(partnership)
    keys: dict[str, type] = {}  # every record's key, and the model it is of
    for section, model, fields, refs in SECTIONS:
        if section not in data and section in ADDED_LATER:
            data[section] = Rows()
        rows = data.get(section)
        if not isinstance(rows, list):
            raise FileRefused(data.line, f"the file has no list of {section} […].")
        for number, row in enumerate(rows, 1):
            if not isinstance(row, Row):
                raise FileRefused(
                    rows.line, f"row {number} of {section} is {row!r:.40}, not an object {{…}}."
                )
            _check_row(row, section, model, fields, refs, keys)
    exporter = data.get("exported_by")
    if exporter is not None and (
        not isinstance(exporter, str) or keys.get(exporter) is not models.User
    ):
        raise FileRefused(data.line, "exported_by names no member of the file.")
    return data


def _check_row(row: Row, section: str, model, fields, refs, keys: dict) -> None:
    hidden = row.get("hidden", False)
    if section == "goals" and not isinstance(hidden, bool):
        raise FileRefused(row.line, "hidden is true or false.")
    if hidden:
        fields, refs = HIDDEN_FIELDS, {name: refs[name] for name in HIDDEN_REFS}
    allowed = {"key", *fields, *refs} | ({"hidden"} if section == "goals" else set())
    _known_keys(row, allowed, f"a row of {section}")
    key = row.get("key")
    if not isinstance(key, str) or not key:
        raise FileRefused(row.line, f'a row of {section} needs its key, like "{section}-1".')
    if key in keys:
        raise FileRefused(row.line, f"the key {key!r} is used twice.")
    for name in fields:
        if name in row:
            _check_value(row, model, name, row[name])
    if model is models.RitualRule:
        _check_rule(row)
    for name, (target, _column) in refs.items():
        target = referred(target, row.get("kind"))
        if target is None:  # a win's kind, which says what its subject is
            raise FileRefused(row.line, f"kind must be one of {', '.join(SUBJECTS)}.")
        ref = row.get(name)
        if ref is not None and (not isinstance(ref, str) or keys.get(ref) is not target):
            raise FileRefused(
                row.line, f"{name} must name an earlier {target.__tablename__} record, not {ref!r}."
            )
    keys[key] = model


def _check_rule(row: Row) -> None:
    """A ritual's rule the pages could run: the days its kind needs, and a recurrence
    the expansion takes (each value was checked alone before)."""
    values = {
        name: column_value(models.RitualRule, name, row.get(name))
        for name in (*models.RULE_FIELDS, "starts_on")
    }
    rule = models.RitualRule(**values)
    frequency = values["frequency"]
    if not models.weekdays_fit(frequency, rule.days):
        one = "one day" if frequency == "monthly_weekday" else "a day"
        raise FileRefused(row.line, f"weekdays must name {one} for a {frequency} rule.")
    try:
        rule.starts_between(values["starts_on"], values["starts_on"])
    except (TypeError, ValueError) as error:
        raise FileRefused(row.line, f"this rule cannot recur ({error}).") from error


def _check_review_day(partnership: Row) -> None:
    """The yearly review's day, when the couple chose one, is a day of the calendar."""
    month, day = partnership.get("review_month"), partnership.get("review_day")
    if month is not None and not 1 <= month <= 12:
        raise FileRefused(partnership.line, "review_month must be between 1 and 12.")
    last = monthrange(2000, month)[1] if month else 31  # 2000: a leap year, 29 February
    if day is not None and not 1 <= day <= last:
        raise FileRefused(partnership.line, f"review_day must be between 1 and {last}.")


def _check_calendar(partnership: Row) -> None:
    """The partnership's time zone is one this server knows (every "today" is read in it)
    and its first day of the week a weekday."""
    zone = partnership.get("time_zone")
    if zone is not None and zone not in available_timezones():
        raise FileRefused(partnership.line, f"time_zone must be a known time zone, not {zone!r}.")
    first = partnership.get("week_starts_on")
    if first is not None and not 0 <= first <= 6:
        raise FileRefused(partnership.line, "week_starts_on must be between 0 (Monday) and 6.")


def _known_keys(row: Row, allowed: set, where: str) -> None:
    unknown = sorted(set(row) - allowed)
    if unknown:
        raise FileRefused(row.line, f"{where} has a key this format does not know: {unknown[0]!r}.")


def _check_value(row: Row, model, name: str, value) -> None:
    column = model.__table__.c[name]
    kind = column.type
    problem = None
    if value is None:
        problem = None if column.nullable else "must not be null"
    elif isinstance(kind, Boolean):
        problem = None if isinstance(value, bool) else "must be true or false"
    elif isinstance(kind, Integer):
        if not isinstance(value, int) or isinstance(value, bool):
            problem = "must be a whole number"
        elif not (-1 if name == "nth" else 0) <= value <= models.MAX_INTEGER:
            problem = f"must be between 0 and {models.MAX_INTEGER}"
    elif isinstance(kind, String):
        if not isinstance(value, str):
            problem = "must be text"
        elif kind.length and len(value) > kind.length:
            problem = f"is longer than {kind.length} characters"
        elif "\x00" in value:
            problem = "holds a NUL character"
        elif name.endswith("_json"):
            problem = _json_problem(value, name in JSON_LISTS)
        elif name == "weekdays" and not set(filter(None, value.split(","))) <= set(models.WEEKDAYS):
            problem = "must be days like MO,TH"
        elif name == "time_zone" and value not in available_timezones():
            problem = "must be a known time zone"
    elif isinstance(kind, Numeric):
        problem = _number_problem(value, kind)
    elif isinstance(kind, DateTime | Date):
        problem = _time_problem(value, kind)
    elif isinstance(kind, Time):
        problem = _time_of_day_problem(value)
    if problem:
        raise FileRefused(row.line, f"{name} {problem}.")


def _time_of_day_problem(value) -> str | None:
    try:
        time.fromisoformat(value)
    except (TypeError, ValueError):
        return 'must be a time of day, like "19:30:00"'
    return None


def _json_problem(value: str, list_of_text: bool) -> str | None:
    try:
        held = json.loads(value)
    except (ValueError, RecursionError):
        return "must hold JSON"
    if list_of_text and not (
        isinstance(held, list) and all(isinstance(item, str) for item in held)
    ):
        return "must hold a JSON list of texts"
    return None


def _number_problem(value, kind: Numeric) -> str | None:
    if not isinstance(value, str):
        return 'must be a decimal in quotes, like "12.5"'
    try:
        number = Decimal(value)
    except InvalidOperation:
        return 'must be a decimal in quotes, like "12.5"'
    if not number.is_finite() or number < 0:
        return "must be a number, 0 or more"
    whole_digits = kind.precision - kind.scale
    if number >= Decimal(10) ** whole_digits or number.as_tuple().exponent < -kind.scale:
        return f"must have at most {whole_digits} digits and {kind.scale} decimals"
    return None


def _time_problem(value, kind) -> str | None:
    is_date = not isinstance(kind, DateTime)
    example = "2027-01-31" if is_date else "2027-01-31T18:30:00"
    if not isinstance(value, str):
        return f"must be a date like {example}"
    try:
        parsed = date.fromisoformat(value) if is_date else datetime.fromisoformat(value)
    except ValueError:
        return f"must be a date like {example}"
    if isinstance(parsed, datetime) and parsed.tzinfo is not None:
        return "must be in UTC, without an offset"
    day = parsed.date() if isinstance(parsed, datetime) else parsed
    if not FIRST_DAY <= day <= LAST_DAY:
        return f"must be between {FIRST_DAY.year} and {LAST_DAY.year}"
    return None
