"""The calendar feed: a member's secret link, and what it serves, one iCalendar file
(RFC 5545, written with ``icalendar``) that calendar apps subscribe to and poll.

What the file holds, as its member may see it (every statement goes through
``goalmap.scoping`` with the member as the viewer; the feed has no signed-in member):

- Rituals and solo slots: one recurring event per rule (a ritual that adapted has
  several, the old one ending the day before the new one starts), its time zone's
  VTIMEZONE, skipped occurrences as EXDATE and each moved one as an event of its own
  with RECURRENCE-ID; the category solo, joint or flexible and a colour per kind
  (RFC 7986). A partner's private solo slot is "Solo time": when, never what, nor its
  goal.
- All-day events: goals' target dates, milestones' dates, the next check-in of each
  active contract the member may see (on the day it falls due, or today while it is
  overdue), and the look-again date of each agreed flexibility entry that waits for its
  look again. A partner's private goal is "Busy" on its target date, without title,
  words or link; its milestones are left out (the checklist is its content, and a row
  of busy days would count its steps).
- The weekly check-in, every week on the last day of the partnership's week.
- The next goal-mapping session, as the week in which to hold it: the last week of the
  running quarter (plan the next one before it begins), or the week before a quarter
  being planned starts; today, once that week has passed without it.
"""

import hashlib
import hmac
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vRecur
from sqlalchemy import update

from goalmap.board import queries as board
from goalmap.calendar import queries
from goalmap.contracts import queries as contracts
from goalmap.database import once
from goalmap.extensions import db
from goalmap.fields import LAST_DAY
from goalmap.flexibility import queries as flexibility
from goalmap.models import (
    CalendarFeed,
    Partnership,
    Quarter,
    Ritual,
    RitualException,
    RitualRule,
    User,
    hash_token,
    next_quarter,
    utcnow,
)
from goalmap.rituals import queries as rituals

PRODID = "-//Goalmap//Calendar feed//EN"
# A change to what the feed says or how: every tag handed out before is stale.
FORMAT = 1
# How often a calendar app is asked to look again (REFRESH-INTERVAL, X-PUBLISHED-TTL).
REFRESH = timedelta(hours=1)
# RFC 7986 colours are CSS colour names; one per kind of ritual.
KIND_COLOURS = {"solo": "slateblue", "joint": "seagreen", "flexible": "goldenrod"}
HIDDEN_SOLO = "Solo time"
HIDDEN_GOAL = "Busy"
# The goals whose target date is in the calendar: not dropped, not carried (the goal
# goes on in the next quarter, with its own date).
DATED_STATUSES = ("active", "paused", "done")
STATUS_WORDS = {"paused": "Paused for now.", "done": "Done."}
# HTTP dates count whole seconds: a change made within the same second as the answer
# could not be told apart by If-Modified-Since, so a change this fresh is named by the
# ETag alone.
FRESH = timedelta(seconds=2)

# Every rule has its first occurrence within this of its first day (a monthly one on a
# day or a weekday within a month or so; a quarterly one on the day it starts).
FIRST_WITHIN = timedelta(days=100)

Link = Callable[..., str]  # url_for with _external: (endpoint, **values) -> URL


# -- the link -----------------------------------------------------------------------------


def issue(user: User) -> str | None:
    """A new calendar link for ``user``; the old one stops working at once. Its secret
    (shown once, never stored; 256 random bits, so guessing one is pointless), or None
    when another was made at the same moment (that one stands)."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    revoke(user, now)
    feed = CalendarFeed(user_id=user.id, token_hash=hash_token(token), created_at=now)
    return token if once(lambda: db.session.add(feed)) else None


def revoke(user: User, now: datetime | None = None) -> bool:
    """Stop ``user``'s calendar link; False when there was none live."""
    stopped = db.session.execute(
        update(CalendarFeed)
        .where(CalendarFeed.user_id == user.id, CalendarFeed.revoked_at.is_(None))
        .values(revoked_at=now or utcnow()),
        execution_options={"synchronize_session": False},
    ).rowcount
    return stopped > 0


# -- what a feed's answer depends on ------------------------------------------------------


@dataclass(frozen=True)
class Version:
    """A feed's validators: its ETag, and its Last-Modified (aware UTC, whole seconds),
    None while the last change is too fresh to name by the second (see ``FRESH``)."""

    etag: str
    last_modified: datetime | None


def changed_at(partnership: Partnership, today: date) -> datetime:
    """When the feed last changed (naive UTC): the partnership's last change, or the
    start of today where the partners live (overdue check-ins and the next session
    move with the days)."""
    midnight = datetime.combine(today, time.min, ZoneInfo(partnership.time_zone))
    return max(partnership.touched_at, midnight.astimezone(UTC).replace(tzinfo=None))


def version(feed: CalendarFeed, key: bytes, origin: str, now: datetime | None = None) -> Version:
    """What the feed's answer depends on, known before anything else is read: the link,
    its member, their partnership's last change, today, and the address it was asked at
    (its links name it). Keyed with the app's secret, so nobody can make a tag the server
    did not hand out; a calendar that sends it back gets a 304 without a body."""
    user = feed.user
    partnership = user.partnership
    today = partnership.today()
    parts = (
        FORMAT,
        feed.id,
        user.id,
        partnership.id,
        partnership.touched_at.isoformat(),
        today.isoformat(),
        origin,
    )
    etag = hmac.new(key, repr(parts).encode(), hashlib.sha256).hexdigest()[:32]
    changed = changed_at(partnership, today)
    if (now or utcnow()) - changed < FRESH:
        return Version(etag, None)
    return Version(etag, changed.replace(microsecond=0, tzinfo=UTC))


# -- the file -----------------------------------------------------------------------------


def build(user: User, link: Link) -> bytes:
    """``user``'s calendar as an iCalendar file."""
    partnership = user.partnership
    today = partnership.today()
    stamp = changed_at(partnership, today).replace(tzinfo=UTC)
    name = f"Goalmap: {partnership.name}"
    calendar = Calendar.new(
        prodid=PRODID, name=name, uid=f"goalmap-calendar-{user.id}", refresh_interval=REFRESH
    )
    calendar.add("X-PUBLISHED-TTL", REFRESH)
    goals = {goal.id: goal for goal in queries.goals(user)}
    members = {member.id: member for member in partnership.members}
    events = [
        *ritual_events(user, goals),
        *goal_events(goals, link),
        *milestone_events(user, goals, link),
        *check_in_events(user, goals, members, today, link),
        *look_again_events(user, link),
        weekly_event(partnership, link),
        *planning_events(user, today, link),
    ]
    for event in events:
        event.DTSTAMP = stamp
        calendar.add_component(event)
    # The zones' rules as far as a calendar might look ahead (the default ends in 2038).
    calendar.add_missing_timezones(last_date=max(date(2038, 1, 1), date(today.year + 12, 1, 1)))
    return calendar.to_ical()


def ritual_events(user: User, goals: dict) -> Iterator[Event]:
    """Every ritual's rules as recurring events, with their exceptions."""
    found = rituals.of_partnership(user)
    for ritual in found:
        exceptions = found.exceptions_of(ritual)
        for rule in found.rules_of(ritual):
            yield from rule_events(ritual, rule, exceptions, goals)


def rule_events(ritual: Ritual, rule: RitualRule, exceptions, goals: dict) -> Iterator[Event]:
    """One rule of ``ritual``: the series, and an event for each occurrence moved."""
    uid = f"ritual-rule-{rule.id}@goalmap"
    hidden = ritual.title is None  # a partner's private solo slot
    words = {
        "summary": HIDDEN_SOLO if hidden else ritual.title,
        "description": None if hidden else _ritual_words(ritual, rule, goals),
        "categories": [ritual.kind],
        "color": KIND_COLOURS[ritual.kind],
        "transparency": "OPAQUE",
    }
    first = _first_start(rule)
    if first is None:
        return  # ended before it ever happened
    series = Event.new(uid=uid, start=first, **words)
    series.DURATION = rule.duration
    recurrence = vRecur.from_ical(rule.rrule)
    if (until := rule.until_utc()) is not None:
        recurrence["UNTIL"] = until
    series.add("RRULE", recurrence)
    planned = _planned(rule, exceptions)
    skipped = [start for start, exception in planned if exception.moved_to is None]
    if skipped:
        series.add("EXDATE", skipped)
    yield series
    for start, exception in planned:
        if exception.moved_to is not None:
            moved = Event.new(
                uid=uid,
                start=exception.moved_to.replace(tzinfo=rule.zone),
                recurrence_id=start,
                **words,
            )
            moved.DURATION = rule.duration
            yield moved


def _first_start(rule: RitualRule) -> datetime | None:
    """The rule's first occurrence, for DTSTART. RFC 5545 counts DTSTART as an
    occurrence whether or not the rule has one then, so it cannot be the rule's first
    day when that is not one of its days (Mondays and Thursdays from a Wednesday)."""
    ahead = rule.starts_on + FIRST_WITHIN
    starts = rule.starts_between(rule.starts_on, min(ahead, rule.until) if rule.until else ahead)
    return starts[0] if starts else None


def _planned(rule: RitualRule, exceptions: list[RitualException]) -> list:
    """(the occurrence's planned start, the exception) for each exception made to an
    occurrence of ``rule``; one made to a day the rule has none on (the ritual adapted
    since) changes nothing, as in ``occurrences``."""
    found = []
    for exception in exceptions:
        starts = rule.starts_between(exception.day, exception.day)
        if starts:
            found.append((starts[0], exception))
    return found


def _ritual_words(ritual: Ritual, rule: RitualRule, goals: dict) -> str:
    words = [rule.describe() + "."]
    goal = goals.get(ritual.goal_id)
    if goal is not None and goal.title is not None:
        words.append(f"For the goal “{goal.title}”.")
    return "\n".join(words)


def goal_events(goals: dict, link: Link) -> Iterator[Event]:
    """Each dated goal's target date; a partner's private goal as "Busy", nothing more."""
    for goal in goals.values():
        if goal.target_on is None or goal.status not in DATED_STATUSES:
            continue
        uid = f"goal-{goal.id}@goalmap"
        if goal.title is None:
            yield _day(uid, HIDDEN_GOAL, goal.target_on)
        else:
            yield _day(
                uid,
                f"Target: {goal.title}",
                goal.target_on,
                description=STATUS_WORDS.get(goal.status),
                url=link("goals.show", goal_id=goal.id),
                category="goal",
            )


def milestone_events(user: User, goals: dict, link: Link) -> Iterator[Event]:
    """Each dated milestone of a goal the member may see."""
    for milestone in queries.milestones(user):
        goal = goals.get(milestone.goal_id)
        if goal is None or goal.title is None or goal.status not in DATED_STATUSES:
            continue
        words = [f"A step of “{goal.title}”."]
        if milestone.done_at is not None:
            words.append("Done.")
        yield _day(
            f"milestone-{milestone.id}@goalmap",
            f"Milestone: {milestone.title}",
            milestone.target_on,
            description=" ".join(words),
            url=link("goals.show", goal_id=goal.id),
            category="milestone",
        )


def check_in_events(user: User, goals: dict, members: dict, today: date, link: Link):
    """The next check-in of each active contract the member may see: on its day, or
    today while it is overdue."""
    active = contracts.active_of(user)
    last = contracts.last_days([contract.id for contract in active], user)
    for contract in active:
        due = contract.next_check_in(last.get(contract.id))
        if due is None:
            continue
        if contract.owner_id == user.id:
            whose = "Your"
        else:
            owner = members.get(contract.owner_id)
            whose = f"{owner.display_name}’s" if owner else "A"
        goal = goals.get(contract.goal_id)
        title = goal.title if goal is not None else None
        summary = f"{whose} contract check-in" + (f": {title}" if title else "")
        yield _day(
            f"contract-{contract.id}-check-in@goalmap",
            summary,
            max(due, today),
            description=f"Due since {due:%-d %B %Y}." if due < today else None,
            url=link("contracts.show", contract_id=contract.id),
            category="check-in",
        )


def look_again_events(user: User, link: Link) -> Iterator[Event]:
    """The look-again date of each agreed entry of the flexibility log still waiting for
    its look again, whenever it falls."""
    for entry in flexibility.due(user, LAST_DAY):
        yield _day(
            f"look-again-{entry.id}@goalmap",
            f"Look again: {entry.event}",
            entry.look_again_on,
            url=link("flexibility.show", entry_id=entry.id),
            category="flexibility",
        )


def weekly_event(partnership: Partnership, link: Link) -> Event:
    """The weekly check-in, on the last day of every week since the partnership began."""
    zone = ZoneInfo(partnership.time_zone)
    began = partnership.created_at.replace(tzinfo=UTC).astimezone(zone).date()
    event = _day(
        f"weekly-check-in-{partnership.id}@goalmap",
        "Weekly check-in",
        partnership.week_of(began) + timedelta(days=6),
        description="A few questions for each of you; the answers open once you both "
        "have answered.",
        url=link("weekly.week"),
        category="check-in",
    )
    event.add("RRULE", {"FREQ": "WEEKLY"})
    return event


def next_session(quarters: list[Quarter], today: date) -> tuple[str, date, date] | None:
    """The next goal-mapping session as (the quarter it plans, the first and last day of
    the week to hold it in); see the module's docstring. None without any quarter to go
    on from."""
    planning = sorted(
        (q for q in quarters if q.state == "planning" and q.ends_on >= today),
        key=lambda q: q.starts_on,
    )
    running = next((q for q in quarters if q.state == "active"), None)
    if planning:
        name, last = planning[0].name, planning[0].starts_on - timedelta(days=1)
    elif running is not None:
        name, last = next_quarter(running.ends_on)[0], running.ends_on
    else:
        return None
    if last < today:
        return name, today, today
    return name, last - timedelta(days=6), last


def planning_events(user: User, today: date, link: Link) -> Iterator[Event]:
    session = next_session(board.quarters(user), today)
    if session is None:
        return
    name, first, last = session
    yield _day(
        f"planning-{user.partnership_id}@goalmap",
        f"Plan {name} together",
        first,
        last,
        description="Your goal-mapping session: look back, celebrate what got done and "
        "map the next quarter. Any evening this week.",
        url=link("board.index"),
        category="planning",
    )


def _day(
    uid: str,
    summary: str,
    first: date,
    last: date | None = None,
    *,
    description: str | None = None,
    url: str | None = None,
    category: str | None = None,
) -> Event:
    """An all-day event from ``first`` to ``last`` (inclusive; default: one day), free
    time: a date to keep in mind, not an appointment."""
    return Event.new(
        uid=uid,
        summary=summary,
        start=first,
        end=(last or first) + timedelta(days=1),
        description=description,
        url=url,
        categories=[category] if category else (),
        transparency="TRANSPARENT",
    )
