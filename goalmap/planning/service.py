"""Domain functions of the goal-mapping session, testable without a request."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import update

from goalmap.database import once
from goalmap.extensions import db
from goalmap.goals import service as goals
from goalmap.models import (
    OPEN_STATUSES,
    Goal,
    Lane,
    PlanningSeat,
    Quarter,
    SharedValue,
    Stage,
    User,
    next_quarter,
    utcnow,
)
from goalmap.notifications import service as notifications
from goalmap.planning import queries
from goalmap.resources import service as resources
from goalmap.rituals import service as rituals

STEPS = (
    ("look-back", "Look back"),
    ("my-goals", "My goals"),
    ("our-goals", "Our goals"),
    ("resources", "Resources"),
    ("agree", "Agree and start"),
)
DECISIONS = ("carry", "done", "drop")
# Couples hold the session as one quarter ends and the next begins: planning the next
# quarter is the first thing offered in a quarter's last weeks, not in its first.
PLANNING_WEEKS = timedelta(weeks=3)


class SessionRefused(Exception):
    """The session cannot do that now; the message says why."""


def plan_after(current: Quarter) -> Quarter | None:
    """Open the session for the calendar quarter after ``current``; None when it was
    opened at the same moment (its name is unique in the partnership)."""
    name, starts, ends = next_quarter(current.ends_on)
    quarter = Quarter(
        partnership_id=current.partnership_id,
        name=name,
        starts_on=starts,
        ends_on=ends,
        previous_id=current.id,
    )
    return quarter if once(lambda: db.session.add(quarter)) else None


def next_is_due(current: Quarter, today: date) -> bool:
    """Whether the session for the quarter after ``current`` is what comes next: in
    ``current``'s last weeks, or after it ended."""
    return current.state == "active" and today >= current.ends_on - PLANNING_WEEKS


def members(quarter: Quarter) -> list[PlanningSeat]:
    """Every member's place in the session, in one query. A member who has not acted in
    it yet gets a new place, saved when they do (see ``_take``): looking writes nothing."""
    existing = queries.seats(quarter)
    return [
        existing.get(user.id)
        or PlanningSeat(
            partnership_id=quarter.partnership_id, quarter_id=quarter.id, user_id=user.id, user=user
        )
        for user in quarter.partnership.members
    ]


def _take(seats: list[PlanningSeat], user: User) -> PlanningSeat:
    """``user``'s place among ``seats``, kept from now on."""
    seat = next(m for m in seats if m.user_id == user.id)
    db.session.add(seat)
    return seat


def review(
    goal: Goal, decision: str, user: User, into: Quarter, reason: str = "", shift_dates=False
) -> Goal | None:
    """Decide about an open goal of last quarter: carry it over (it stays in its quarter,
    marked carried over, and goes on in ``into``; returned), mark it done, or drop it
    (with the reason in its story)."""
    if decision not in DECISIONS:
        raise SessionRefused("Choose carry over, done or drop.")
    if goal.status not in OPEN_STATUSES:
        raise SessionRefused("That goal was already decided.")
    if decision == "carry":
        return goals.carry(goal, into, user, shift_dates)
    if decision == "done":
        goals.set_status(goal, "done", user)
    else:
        goals.set_status(goal, "dropped", user, reason.strip())
    return None


def add_goal(
    quarter: Quarter,
    lane: Lane,
    stage: Stage,
    user: User,
    values: dict,
    value: SharedValue | None = None,
) -> Goal:
    """A goal drafted in the session: a personal one stays hidden from the partner until
    everyone is ready (see reveal); a shared one may serve one of the shared values."""
    if quarter.state != "planning":
        raise SessionRefused("This quarter has started; its plan is on the board.")
    return goals.create(quarter, lane, stage, user, values, value)


def reveal(quarter: Quarter) -> None:
    """Show every member's drafts to everyone at once."""
    quarter.revealed_at = utcnow()
    db.session.execute(
        update(Goal).where(Goal.quarter_id == quarter.id).values(is_draft=False),
        execution_options={"synchronize_session": False},
    )


def mark_ready(quarter: Quarter, user: User) -> None:
    """``user`` has drafted their goals; when everyone has, the drafts are revealed."""
    seats = members(quarter)
    seat = _take(seats, user)
    if seat.ready_at is None:  # the others not ready yet hear of it, once
        waiting = [other.user for other in seats if other.ready_at is None]
        notifications.notify("session_waiting", waiting, user, quarter=quarter)
    seat.ready_at = utcnow()
    if quarter.revealed_at is None and all(m.ready_at for m in seats):
        reveal(quarter)


def confirm(quarter: Quarter, user: User) -> None:
    """``user`` agrees to the plan; when everyone has, the quarter starts."""
    if quarter.state != "planning":
        raise SessionRefused("This quarter has already started.")
    seats = members(quarter)
    seat = _take(seats, user)
    if seat.confirmed_at is None:  # the others who have not agreed yet hear of it, once
        waiting = [other.user for other in seats if other.confirmed_at is None]
        notifications.notify("session_waiting", waiting, user, quarter=quarter)
    seat.confirmed_at = utcnow()
    if all(m.confirmed_at for m in seats):
        start(quarter, user)


def start(quarter: Quarter, user: User) -> None:
    """Make the quarter active; the quarter it was planned from is now reviewed, and
    keeps the hours its rituals took."""
    if quarter.revealed_at is None:
        reveal(quarter)
    quarter.state = "active"
    quarter.started_at = utcnow()
    if quarter.previous is not None and quarter.previous.state == "active":
        quarter.previous.state = "reviewed"
        rituals.keep_hours(quarter.previous, user)


@dataclass
class NoteSave:
    """One goal's row of the Resources step as sent: the note's values, and the id of the
    member's note the row showed (None: none)."""

    goal: Goal
    values: dict
    seen: int | None


@dataclass
class AvailabilitySave:
    """The Resources step's row of what the member has, and the version it showed."""

    hours: Decimal | None
    budget: Decimal | None
    seen: int


AVAILABILITY = "availability"  # the key of the availability row's outcome


def save_resources(
    quarter: Quarter, user: User, notes: list[NoteSave], available: AvailabilitySave | None
) -> dict:
    """Save rows of the Resources step: ``user``'s notes and what they have in
    ``quarter``. The outcome of each row ("kept", "saved", "cleared" or "conflict"; see
    ``resources.service.revise_note``), by goal id and AVAILABILITY. A conflict writes
    nothing for its row; the caller keeps the rest only when no row had one (the page
    without JavaScript saves all its rows or none)."""
    outcomes: dict = {}
    for row in notes:
        outcomes[row.goal.id] = resources.revise_note(row.goal, user, row.values, row.seen)
    if available is not None:
        outcomes[AVAILABILITY] = resources.revise_availability(
            quarter, user, available.seen, available.hours, available.budget
        )
    return outcomes
