"""Rituals and solo slots: making and adapting them, skipping or moving one occurrence,
and the hours they take from each partner.

How rituals count in a partner's load: a solo slot is its owner's own time, a joint
ritual is shared time for both partners, and flexible time is kept free, so it counts
for nobody. A reviewed quarter keeps the hours its rituals took (``keep_hours``); a
ritual changed or deleted later leaves that quarter as it was.
"""

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from goalmap.extensions import db
from goalmap.models import (
    RULE_FIELDS,
    Occurrence,
    Partnership,
    Quarter,
    Ritual,
    RitualException,
    RitualHours,
    RitualRule,
    User,
    occurrences,
    utcnow,
)
from goalmap.rituals import queries
from goalmap.rituals.queries import Rituals

ZERO = Decimal("0")
TENTH = Decimal("0.1")
# How far one occurrence may move from its day (further, it is another plan: adapt the
# rule). The week view and the hours look this far around their days for moved ones.
MOVED_AT_MOST = 31


class Refused(Exception):
    """A change to a ritual that cannot be made, in words for the member."""


# -- hours -------------------------------------------------------------------------------


@dataclass
class RitualTime:
    """What rituals take from one member in a quarter, in hours a week."""

    personal: Decimal = ZERO
    shared: Decimal = ZERO
    causes: list[tuple[str | None, str, Decimal]] = field(default_factory=list)  # title, kind


def _weeks(quarter: Quarter) -> Decimal:
    return Decimal((quarter.ends_on - quarter.starts_on).days + 1) / 7


def _tenths(hours: Decimal) -> Decimal:
    return hours.quantize(TENTH, rounding=ROUND_HALF_UP)


def weekly_hours(rituals: Rituals, ritual: Ritual, quarter: Quarter) -> Decimal:
    """What ``ritual`` takes in ``quarter``, in hours a week (not rounded): its occurrences
    there, spread over the quarter's weeks."""
    found = occurrences(
        ritual,
        rituals.rules_of(ritual),
        rituals.exceptions_of(ritual),
        quarter.starts_on,
        quarter.ends_on,
    )
    return Decimal(sum(occurrence.rule.minutes for occurrence in found)) / 60 / _weeks(quarter)


def live_hours(rituals: Rituals, quarter: Quarter, members) -> dict[int, RitualTime]:
    """Each member's hours a week in ``quarter`` from the rituals as they stand (summed,
    then rounded to tenths, so many short rituals add up)."""
    times = {member.id: RitualTime() for member in members}
    for ritual in rituals:
        if ritual.kind == "flexible":
            continue
        hours = weekly_hours(rituals, ritual, quarter)
        if not hours:
            continue
        takers = [ritual.owner_id] if ritual.owner_id else list(times)
        for member_id in takers:
            if member_id not in times:  # a former member's slot
                continue
            time = times[member_id]
            if ritual.owner_id:
                time.personal += hours
            else:
                time.shared += hours
            time.causes.append((ritual.title, ritual.kind, _tenths(hours)))
    for time in times.values():
        time.personal, time.shared = _tenths(time.personal), _tenths(time.shared)
    return times


def hours(quarters, user: User) -> dict[int, dict[int, RitualTime]]:
    """Per quarter, each member's ritual hours: kept for a reviewed quarter, else as the
    rituals stand (loaded once for all the quarters)."""
    members = user.partnership.members
    result: dict[int, dict[int, RitualTime]] = {}
    reviewed = [quarter.id for quarter in quarters if quarter.is_read_only]
    if reviewed:
        for kept in queries.kept_hours(reviewed, user):
            times = result.setdefault(kept.quarter_id, {m.id: RitualTime() for m in members})
            if kept.user_id in times:
                cause = (None, "kept", kept.personal_hours + kept.shared_hours)
                times[kept.user_id] = RitualTime(kept.personal_hours, kept.shared_hours, [cause])
    running = [quarter for quarter in quarters if not quarter.is_read_only]
    if running:
        rituals = queries.of_partnership(user)
        for quarter in running:
            result[quarter.id] = live_hours(rituals, quarter, members)
    for quarter in quarters:
        result.setdefault(quarter.id, {m.id: RitualTime() for m in members})
    return result


def keep_hours(quarter: Quarter, user: User) -> None:
    """Keep what ``quarter``'s rituals took, now that it is reviewed (once: a second call,
    even at the same moment, keeps the first)."""
    members = user.partnership.members
    times = live_hours(queries.of_partnership(user), quarter, members)
    for member_id, time in times.items():
        try:
            with db.session.begin_nested():
                db.session.add(
                    RitualHours(
                        partnership_id=quarter.partnership_id,
                        quarter_id=quarter.id,
                        user_id=member_id,
                        personal_hours=time.personal,
                        shared_hours=time.shared,
                    )
                )
        except IntegrityError:
            continue


# -- the week ----------------------------------------------------------------------------


@dataclass
class Day:
    day: date
    occurrences: list[Occurrence]


def week(user: User, first: date) -> list[Day]:
    """The seven days from ``first`` with every ritual's occurrences on each, in the
    partnership's time zone."""
    rituals = queries.of_partnership(user)
    last = first + timedelta(days=6)
    zone = user.partnership.time_zone
    days = {first + timedelta(days=n): [] for n in range(7)}
    for ritual in rituals:
        found = occurrences(
            ritual,
            rituals.rules_of(ritual),
            rituals.exceptions_of(ritual),
            first - timedelta(days=2),  # zones apart by up to 26 hours
            last + timedelta(days=2),
        )
        for occurrence in found:
            local = _in_zone(occurrence, zone)
            if local.starts.date() in days:
                days[local.starts.date()].append(local)
    return [Day(day, sorted(found, key=lambda o: o.starts)) for day, found in days.items()]


def _in_zone(occurrence: Occurrence, zone: str) -> Occurrence:
    there = ZoneInfo(zone)
    starts, ends = occurrence.starts.astimezone(there), occurrence.ends.astimezone(there)
    return replace(occurrence, starts=starts, ends=ends)


# -- making and changing -----------------------------------------------------------------


def create(user: User, *, kind: str, title: str, is_private: bool, goal_id, rule: dict):
    """A new ritual: a solo slot is ``user``'s own; joint and flexible time are shared."""
    ritual = Ritual(
        partnership_id=user.partnership_id,
        kind=kind,
        owner_id=user.id if kind == "solo" else None,
        what=title,
        is_private=is_private and kind == "solo",
        goal_id=goal_id,
        created_by_id=user.id,
    )
    db.session.add(ritual)
    db.session.flush()
    ritual.title = title
    db.session.add(_rule(ritual, user, rule))
    return ritual


def _rule(ritual: Ritual, user: User, values: dict) -> RitualRule:
    return RitualRule(
        partnership_id=ritual.partnership_id,
        ritual_id=ritual.id,
        created_by_id=user.id,
        **{name: values.get(name) for name in (*RULE_FIELDS, "starts_on", "until")},
    )


def _claim(ritual: Ritual, seen: int, **values) -> bool:
    """Move ``ritual`` on from the version the member saw, with ``values``; False when
    someone saved in between (nothing written). One statement: two saves at once cannot
    both win."""
    return _guarded(
        update(Ritual)
        .where(Ritual.id == ritual.id, Ritual.version == seen, Ritual.deleted_at.is_(None))
        .values(**values, version=Ritual.version + 1, updated_at=utcnow()),
        ritual.partnership_id,
    )


def _guarded(statement, partnership_id: int) -> bool:
    """Run one guarded write (its WHERE says what it expects to find); whether it found
    it. The ORM saw no change, so the partnership is told here."""
    written = db.session.execute(
        statement, execution_options={"synchronize_session": False}
    ).rowcount
    if written:
        Partnership.touch(partnership_id)
    return written == 1


def edit(ritual: Ritual, seen: int, *, title: str, is_private: bool, goal_id) -> bool:
    """Save a ritual's words, privacy and goal on the version the member saw."""
    return _claim(
        ritual, seen, what=title, is_private=is_private and ritual.kind == "solo", goal_id=goal_id
    )


def adapt(
    ritual: Ritual, current: RitualRule, seen: int, user: User, rule: dict, from_day: date
) -> bool:
    """Change when ``ritual`` happens from ``from_day`` on. The current rule is kept,
    ending the day before (its dates stay in the ritual's history); a rule that has not
    begun yet has no dates to keep and is changed where it stands."""
    if seen != ritual.version:
        return False  # drawn on an older version: the member sees it as it is now
    if from_day < user.partnership.today():
        raise Refused("A change starts today or later: what already happened stays as it was.")
    if current is not None and from_day < current.starts_on and _has_predecessor(ritual, current):
        raise Refused(
            f"The rule now in place starts on {current.starts_on:%-d %b %Y}: change it from "
            "that day or later."
        )
    if not _claim(ritual, seen):
        return False
    if current is None:  # nothing planned (an imported ritual whose rules all ended)
        db.session.add(_rule(ritual, user, {**rule, "starts_on": from_day}))
        return True
    if from_day <= current.starts_on:
        for name in RULE_FIELDS:
            setattr(current, name, rule.get(name))
        current.starts_on = from_day
        current.until = None
        return True
    _end(current, from_day)
    db.session.add(_rule(ritual, user, {**rule, "starts_on": from_day}))
    return True


def _has_predecessor(ritual: Ritual, current: RitualRule) -> bool:
    """Whether a replaced rule ran before ``current`` (so ``current`` cannot start earlier
    without two rules at once)."""
    return (
        db.session.scalar(
            select(RitualRule.id)
            .where(
                RitualRule.ritual_id == ritual.id,
                RitualRule.id != current.id,
                RitualRule.starts_on <= current.starts_on,
            )
            .limit(1)
        )
        is not None
    )


def _end(rule: RitualRule, from_day: date) -> None:
    """Replace ``rule``: it ran until the day before ``from_day`` (or its own end)."""
    last = from_day - timedelta(days=1)
    rule.until = min(rule.until, last) if rule.until else last
    rule.replaced_at = utcnow()
    db.session.flush()  # before its successor takes the current place


def pause(
    ritual: Ritual, current: RitualRule, seen: int, user: User, from_day: date, resume_on
) -> bool:
    """Pause ``ritual`` from ``from_day``; with ``resume_on``, it starts again then, the
    same as before."""
    if seen != ritual.version:
        return False
    if current is None:
        raise Refused("Nothing is planned: there is nothing to pause.")
    today = user.partnership.today()
    if from_day < today:
        raise Refused("A pause starts today or later.")
    if from_day <= current.starts_on:
        raise Refused("It has not begun yet: change when it starts instead.")
    if resume_on is not None and resume_on <= from_day:
        raise Refused("It starts again after the pause begins.")
    if not _claim(ritual, seen):
        return False
    if resume_on is None:
        last = from_day - timedelta(days=1)
        current.until = min(current.until, last) if current.until else last
        return True
    values = {name: getattr(current, name) for name in RULE_FIELDS}
    again = _next_planned(current, resume_on)
    _end(current, from_day)
    db.session.add(_rule(ritual, user, {**values, "starts_on": again}))
    return True


def _next_planned(rule: RitualRule, day: date) -> date:
    """The first day from ``day`` on that ``rule`` (were it never to end) plans: where a
    paused ritual starts again, so a fortnightly or quarterly one keeps its cycle."""
    endless = RitualRule(
        **{name: getattr(rule, name) for name in RULE_FIELDS},
        starts_on=rule.starts_on,
    )
    found = endless.starts_between(day, day + timedelta(days=400))
    return found[0].date() if found else day


def planned_on(ritual: Ritual, rituals: Rituals, day: date) -> Occurrence | None:
    """The occurrence of ``ritual`` planned on ``day``, as its rules have it."""
    for rule in rituals.rules_of(ritual):
        for start in rule.starts_between(day, day):
            return Occurrence(ritual, rule, start, start + rule.duration, day)
    return None


def skip(ritual: Ritual, day: date, user: User, moved_to: datetime | None = None) -> bool:
    """Skip the occurrence planned on ``day`` (or, with ``moved_to``, move it there),
    without changing the rule. False when it was skipped or moved already (a double
    submit, or the partner a moment before): the first one stands."""
    today = user.partnership.today()
    if day < today:
        raise Refused("That one has already happened.")
    if moved_to is not None and moved_to.date() < today:
        raise Refused("Move it to today or later.")
    if moved_to is not None and abs((moved_to.date() - day).days) > MOVED_AT_MOST:
        raise Refused(f"Move it to a day within {MOVED_AT_MOST} days of its own.")
    try:
        with db.session.begin_nested():
            db.session.add(
                RitualException(
                    partnership_id=ritual.partnership_id,
                    ritual_id=ritual.id,
                    day=day,
                    moved_to=moved_to,
                    created_by_id=user.id,
                )
            )
    except IntegrityError:
        return False
    return True


def restore_occurrence(exception: RitualException) -> bool:
    """The occurrence happens as its rule says again (undo a skip or a move); False when
    that was done a moment ago."""
    statement = delete(RitualException).where(RitualException.id == exception.id)
    return _guarded(statement, exception.partnership_id)


def remove(ritual: Ritual) -> bool:
    """Delete softly (with an undo); False when it was deleted a moment ago."""
    return _mark_deleted(ritual, Ritual.deleted_at.is_(None), utcnow())


def restore(ritual: Ritual) -> bool:
    """Undo a delete; False when it was restored a moment ago."""
    return _mark_deleted(ritual, Ritual.deleted_at.is_not(None), None)


def _mark_deleted(ritual: Ritual, state, deleted_at) -> bool:
    return _guarded(
        update(Ritual)
        .where(Ritual.id == ritual.id, state)
        .values(deleted_at=deleted_at, version=Ritual.version + 1),
        ritual.partnership_id,
    )


def by_member(rituals: Rituals) -> dict:
    """Rituals grouped: each member's solo slots, then the shared ones."""
    groups = defaultdict(list)
    for ritual in rituals:
        groups[ritual.owner_id].append(ritual)
    return groups


@dataclass
class Planned:
    """One coming occurrence as its rule plans it, and what became of it."""

    day: date
    starts: datetime
    exception: RitualException | None

    @property
    def skipped(self) -> bool:
        return self.exception is not None and self.exception.moved_to is None


def upcoming(rituals: Rituals, ritual: Ritual, today: date, count: int = 8) -> list[Planned]:
    """The next ``count`` occurrences its rules plan from ``today``, each with its skip or
    move if it has one."""
    by_day = {exception.day: exception for exception in rituals.exceptions_of(ritual)}
    found: list[Planned] = []
    for rule in rituals.rules_of(ritual):
        for start in rule.starts_between(today, today + timedelta(days=400)):
            found.append(Planned(start.date(), start, by_day.get(start.date())))
    return sorted(found, key=lambda planned: planned.starts)[:count]


@dataclass
class InQuarter:
    """A ritual as a quarter's plan sees it: its rule now and its hours a week there."""

    ritual: Ritual
    rule: RitualRule | None
    hours: Decimal


def in_quarter(quarter: Quarter, user: User) -> list[InQuarter]:
    """Every ritual with what it takes in ``quarter``, for the session's Resources step:
    to keep, adapt or pause them for the quarter."""
    rituals = queries.of_partnership(user)
    return [
        InQuarter(
            ritual,
            rituals.current_rule(ritual),
            _tenths(weekly_hours(rituals, ritual, quarter)),
        )
        for ritual in rituals
    ]


def adapted(user: User, first: date, last: date) -> dict[int, dict]:
    """The rituals whose rule changed between ``first`` and ``last`` (the yearly review:
    "a weekly dinner became a monthly adventure"), each with its rules that ran then."""
    rituals = queries.of_partnership(user)
    found = {}
    for ritual in rituals:
        rules = [
            rule
            for rule in rituals.rules_of(ritual)
            if rule.starts_on <= last and (rule.until is None or rule.until >= first)
        ]
        changed = any(first <= rule.starts_on <= last for rule in rules[1:])
        if len(rules) > 1 and changed:
            found[ritual.id] = {
                "title": ritual.title,
                "kind": ritual.kind,
                "owner": ritual.owner_id,
                "rules": [(rule.describe(), rule.starts_on, rule.until) for rule in rules],
            }
    return found
