"""Where time, money and energy go: each partner's load in a quarter, the personal and
shared shares over time, and gentle prompts where the data shows an imbalance.

Every query here selects numbers and, where the member may read it, a title; the
content of another member's private goal is never loaded.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from goalmap import filters
from goalmap.extensions import db
from goalmap.models import (
    OPEN_STATUSES,
    PLANNED_STATUSES,
    Allocation,
    Availability,
    Goal,
    GoalEvent,
    Partnership,
    Quarter,
    User,
    per_quarter,
    utcnow,
)
from goalmap.resources.queries import (
    ALLOCATED,
    AVAILABLE,
    availability_of,
    counted_notes,
    history_quarters,
    note_by_id,
)
from goalmap.rituals import service as rituals
from goalmap.scoping import countable_goals, readable_title, viewer
from goalmap.wins import queries as wins

ZERO = Decimal("0")


@dataclass
class Cause:
    """A goal that takes a partner's hours: its title, or None for a private goal."""

    title: str | None
    hours: Decimal


@dataclass
class Load:
    member: User
    personal_hours: Decimal = ZERO
    shared_hours: Decimal = ZERO
    money: Decimal = ZERO  # per quarter
    energy: dict = field(default_factory=lambda: {"low": 0, "medium": 0, "high": 0})
    available_hours: Decimal | None = None
    budget: Decimal | None = None
    causes: list[Cause] = field(default_factory=list)

    @property
    def hours(self) -> Decimal:
        return self.personal_hours + self.shared_hours

    @property
    def over_hours(self) -> bool:
        return self.available_hours is not None and self.hours > self.available_hours

    @property
    def over_budget(self) -> bool:
        return self.budget is not None and self.money > self.budget

    @property
    def personal_share(self) -> int | None:
        """Per cent of this partner's allocated hours that go to their own goals."""
        return round(100 * self.personal_hours / self.hours) if self.hours else None


def shown_loads(quarter: Quarter, user: User) -> list[Load]:
    """The loads a quarter shows: what its open goals take while it runs; once it is
    reviewed, what it planned (a record: later changes leave it as it was)."""
    return quarter_loads(quarter, user, PLANNED_STATUSES if quarter.is_read_only else OPEN_STATUSES)


def balance_loads(quarter: Quarter, user: User) -> tuple[list[Load], list[Load]]:
    """What the balance page shows: the loads (as ``shown_loads``) and what the quarter
    planned; for a reviewed quarter they are the same, read once."""
    planned = quarter_loads(quarter, user, PLANNED_STATUSES)
    return (planned if quarter.is_read_only else quarter_loads(quarter, user)), planned


def quarter_loads(quarter: Quarter, user: User, statuses=OPEN_STATUSES) -> list[Load]:
    """Each member's allocated hours and money in ``quarter`` against what they have:
    by default what the goals still open take; with PLANNED_STATUSES, what the quarter
    planned (its balance, the same numbers as its point in ``history``)."""
    loads = {m.id: Load(m) for m in user.partnership.members}
    params = viewer(user, quarter_id=quarter.id, statuses=list(statuses))
    rows = db.session.execute(ALLOCATED, params)
    for user_id, hours, amount, period, energy, owner_id, title in rows:
        load = loads.get(user_id)
        if load is None:  # a former member's note
            continue
        hours = hours or ZERO
        if owner_id is None:
            load.shared_hours += hours
        else:
            load.personal_hours += hours
        load.money += per_quarter(amount, period)
        if energy:
            load.energy[energy] += 1
        if hours:
            load.causes.append(Cause(title, hours))
    for member_id, time in rituals.hours([quarter], user)[quarter.id].items():
        _add_rituals(loads.get(member_id), time)
    for availability in db.session.scalars(AVAILABLE, viewer(user, quarter_id=quarter.id)):
        if availability.user_id in loads:
            loads[availability.user_id].available_hours = availability.hours_per_week
            loads[availability.user_id].budget = availability.budget
    return list(loads.values())


def _add_rituals(load: Load | None, time: rituals.RitualTime) -> None:
    """A member's ritual hours in their load: solo slots as their own time, joint rituals
    as shared time (see goalmap.rituals.service)."""
    if load is None:
        return
    load.personal_hours += time.personal
    load.shared_hours += time.shared
    for title, kind, hours in time.causes:
        load.causes.append(Cause(_ritual_cause(title, kind), hours))


def _ritual_cause(title: str | None, kind: str) -> str:
    if kind == "kept":
        return "rituals and solo time"
    return f"{title} (ritual)" if title else "solo time"


def goal_shares(quarter: Quarter, user: User) -> dict[int, tuple[int, int]]:
    """Per member: (their personal goals, the shared goals) in the quarter, by count."""
    counts = dict(
        db.session.execute(
            select(Goal.owner_id, func.count())
            .where(
                *countable_goals(user),
                Goal.quarter_id == quarter.id,
                Goal.status.in_(PLANNED_STATUSES),
            )
            .group_by(Goal.owner_id)
        ).all()
    )
    shared = counts.get(None, 0)
    return {m.id: (counts.get(m.id, 0), shared) for m in user.partnership.members}


@dataclass
class QuarterShare:
    quarter: Quarter
    shared_percent: dict[int, int | None]  # member id -> % of their hours on shared goals
    partnership_percent: int | None


def history(user: User, limit: int = 8) -> list[QuarterShare]:
    """The shared share of allocated hours, per member and overall, for recent quarters.

    Every goal a quarter planned counts (done and carried-over ones took that time in
    their quarter; dropped ones did not), by ``counted_notes``: the numbers are those of
    ``quarter_loads(quarter, user, PLANNED_STATUSES)``.
    """
    quarters = history_quarters(user, limit)[::-1]
    totals: dict = defaultdict(lambda: [ZERO, ZERO])  # (quarter, member) -> [shared, all]
    rows = db.session.execute(
        select(
            Goal.quarter_id,
            Allocation.user_id,
            Goal.owner_id.is_(None),
            func.sum(Allocation.hours_per_week),
        )
        .join(Goal, Goal.id == Allocation.goal_id)
        .where(
            *counted_notes(user, PLANNED_STATUSES),
            Goal.quarter_id.in_([q.id for q in quarters]),
        )
        .group_by(Goal.quarter_id, Allocation.user_id, Goal.owner_id.is_(None))
    )
    for quarter_id, user_id, is_shared, hours in rows:
        entry = totals[quarter_id, user_id]
        entry[1] += hours or ZERO
        if is_shared:
            entry[0] += hours or ZERO
    for quarter_id, times in rituals.hours(quarters, user).items():
        for user_id, time in times.items():
            entry = totals[quarter_id, user_id]
            entry[0] += time.shared
            entry[1] += time.shared + time.personal
    result = []
    for quarter in quarters:
        per_member, shared_sum, all_sum = {}, ZERO, ZERO
        for member in user.partnership.members:
            shared, total = totals.get((quarter.id, member.id), (ZERO, ZERO))
            per_member[member.id] = round(100 * shared / total) if total else None
            shared_sum, all_sum = shared_sum + shared, all_sum + total
        overall = round(100 * shared_sum / all_sum) if all_sum else None
        result.append(QuarterShare(quarter, per_member, overall))
    return result


@dataclass
class Signal:
    """A gentle prompt: what the data shows, and an idea to talk about."""

    title: str
    evidence: str
    suggestion: str


def signals(quarter: Quarter, user: User, loads: list[Load]) -> list[Signal]:
    partnership = user.partnership
    names = {m.id: m.display_name for m in partnership.members}
    # What the loads warn about comes first: the summary never says "nothing stands
    # out" under a warning.
    found: list[Signal] = [*_over_commitments(loads, partnership.currency)]

    carried = db.session.execute(
        select(Goal.owner_id, readable_title(user), Goal.carried_over).where(
            *countable_goals(user),
            Goal.quarter_id == quarter.id,
            Goal.owner_id.is_not(None),
            Goal.carried_over >= partnership.carry_over_prompt,
        )
    ).all()
    for owner_id, title, times in carried:
        what = f"“{title}”" if title else "a private goal"
        found.append(
            Signal(
                f"{names.get(owner_id, 'A partner')}'s goal keeps waiting",
                f"{what} has been carried over {times} quarters in a row.",
                "Personal goals that are consistently postponed are a sign the balance leans "
                "away from independence. Could you protect a regular solo slot for it, "
                "or agree to let it go?",
            )
        )

    # The four quarters up to this one: a reviewed quarter's prompts never change.
    recent = [q.id for q in history_quarters(user, 4, until=quarter)]
    drops = db.session.execute(
        select(Goal.owner_id, func.count(Goal.id.distinct()))  # goals, not drops
        .join(GoalEvent, GoalEvent.goal_id == Goal.id)
        .where(
            *countable_goals(user),
            GoalEvent.kind == "dropped",
            GoalEvent.quarter_id.in_(recent),
            Goal.owner_id.is_not(None),
        )
        .group_by(Goal.owner_id)
    ).all()
    for owner_id, count in drops:
        if count >= partnership.drop_prompt:
            found.append(
                Signal(
                    f"{names.get(owner_id, 'A partner')} has dropped several personal goals",
                    f"{count} personal goals dropped in the last {len(recent)} quarters.",
                    "Is there room for their own pursuits? Supporting each other's growth "
                    "outside the relationship keeps both of you whole.",
                )
            )

    counts = goal_shares(quarter, user)
    if (
        counts
        and all(shared == 0 for _own, shared in counts.values())
        and any(own for own, _shared in counts.values())
    ):
        found.append(
            Signal(
                "No shared goal this quarter",
                "Every goal on this quarter's board is personal.",
                "Shared goals build the story of “us”. Is there one thing you would like "
                "to do together, even a small ritual?",
            )
        )

    for load in loads:
        if load.hours and not load.personal_hours:
            found.append(
                Signal(
                    f"No personal time for {load.member.display_name}",
                    f"All {load.hours:g} allocated hours a week go to shared goals.",
                    "Over-scheduling joint activities at the expense of personal downtime is "
                    "a common pitfall. A weekly solo slot, treated like a joint commitment, helps.",
                )
            )

    found += _missing_wins(quarter, user, names)

    available = sum((load.available_hours or ZERO for load in loads), ZERO)
    shared_hours = sum((load.shared_hours for load in loads), ZERO)
    if available and 100 * shared_hours / available > partnership.shared_share_prompt:
        percent = round(100 * shared_hours / available)
        found.append(
            Signal(
                "Shared goals take most of your time",
                f"Shared goals take {shared_hours:g} of your {available:g} available hours a week "
                f"({percent} %, above the {partnership.shared_share_prompt} % you set).",
                "Love means support more than presence. Keep buffer zones where each of you "
                "can act without coordinating.",
            )
        )
    return found


def _over_commitments(loads: list[Load], currency: str) -> list[Signal]:
    """A partner with more hours allocated than they have, or more money than their
    budget: the same facts as the loads' warnings, as something to talk about."""
    found = []
    for load in loads:
        name = load.member.display_name
        if load.over_hours:
            found.append(
                Signal(
                    f"More hours than {name} has",
                    f"{filters.hours(load.hours)} hours a week allocated, "
                    f"{filters.hours(load.available_hours)} available.",
                    "Which goal could pause, shrink or move to next quarter? The flexibility "
                    "protocol is there for exactly this.",
                )
            )
        if load.over_budget:
            found.append(
                Signal(
                    f"More money than {name}'s budget",
                    f"{filters.money(load.money, currency)} this quarter, the budget is "
                    f"{filters.money(load.budget, currency)}.",
                    "Is there a goal that could cost less, or wait?",
                )
            )
    return found


def _missing_wins(quarter: Quarter, user: User, names: dict) -> list[Signal]:
    """One side's wins missing two quarters running while the other side's happen: no
    personal win for a partner while shared ones come, or no shared win while personal
    ones do. The seeds ask that both be celebrated equally."""
    two = history_quarters(user, 2, until=quarter)
    if len(two) < 2:
        return []
    counted = wins.counted(user, [q.id for q in two])
    each = [counted.get(q.id, {}) for q in two]
    period = " and ".join(q.name for q in reversed(two))
    shared = [counts.get(None, 0) for counts in each]
    found = []
    if all(shared):
        for member_id, name in names.items():
            if not any(counts.get(member_id, 0) for counts in each):
                found.append(
                    Signal(
                        f"No personal win for {name} in two quarters",
                        f"{sum(shared)} shared wins in {period}, and none of {name}'s own.",
                        "Personal breakthroughs deserve the same celebration as joint "
                        "achievements. Is there a personal goal of theirs that needs room, "
                        "or a milestone worth marking?",
                    )
                )
    personal = [sum(n for owner, n in counts.items() if owner is not None) for counts in each]
    if all(personal) and not any(shared):
        found.append(
            Signal(
                "No shared win in two quarters",
                f"{sum(personal)} personal wins in {period}, and none you share.",
                "Shared achievements build the story of “us”. A small joint goal with a "
                "milestone or two gives you something to celebrate together.",
            )
        )
    return found


def _set_aside(goal: Goal, user: User, seen: int) -> bool:
    """Move ``user``'s note ``seen`` on ``goal`` into the history, only if it is still the
    current one (guarded in the database: of two saves over one note, one wins)."""
    result = db.session.execute(
        update(Allocation)
        .where(
            Allocation.id == seen,
            Allocation.goal_id == goal.id,
            Allocation.user_id == user.id,
            Allocation.replaced_at.is_(None),
        )
        .values(replaced_at=utcnow()),
        execution_options={"synchronize_session": False},
    )
    return result.rowcount == 1


def save_note(goal: Goal, user: User, values: dict, seen: int | None) -> bool:
    """Make ``values`` ``user``'s current note of what ``goal`` takes. ``seen`` is the
    current note the form showed (None: none); if another one is current by now, nothing
    is written and the answer is False. The note it replaces stays in the history."""
    if seen is not None and not _set_aside(goal, user, seen):
        return False
    try:  # one current note per partner and goal: the database refuses a second
        with db.session.begin_nested():
            db.session.add(Allocation.on(goal, user, **values))
    except IntegrityError:
        return False
    return True


NOTE_FIELDS = ("hours_per_week", "amount", "money_period", "energy", "note")


def says_the_same(note: Allocation | None, values: dict) -> bool:
    """Whether ``values`` (as ``AllocationForm.values`` gives them) say what ``note``
    says; no note says nothing, as a row left empty does. 2 and 2.0 hours are the same."""
    if note is None:
        return is_empty(values)
    return all(getattr(note, name) == values.get(name) for name in NOTE_FIELDS)


def is_empty(values: dict) -> bool:
    """A note that says nothing: no hours, no money, no energy, no words (the money's
    period alone says nothing)."""
    return all(values.get(name) in (None, "") for name in NOTE_FIELDS if name != "money_period")


def revise_note(goal: Goal, user: User, values: dict, seen: int | None) -> str:
    """Save one row of the session's Resources step: ``user``'s note on ``goal`` as
    ``values``, over the note the row showed (``seen``, None: none).

    "kept": nothing to write, the row says what the note it showed says (a row left
    alone is no save, even when that note changed meanwhile in another window);
    "saved": a new current note, the one before in the history; "cleared": the row was
    emptied, so the current note is set aside (kept in the history); "conflict": another
    note is current by now, and nothing was written."""
    shown = note_by_id(goal, user, seen) if seen is not None else None
    if seen is not None and shown is None:
        return "conflict"  # not a note of this member on this goal: a stale or forged row
    if says_the_same(shown, values):
        return "kept"
    if is_empty(values):
        return "cleared" if _set_aside(goal, user, seen) else "conflict"
    return "saved" if save_note(goal, user, values, seen) else "conflict"


def revise_availability(quarter: Quarter, user: User, seen: int, hours, budget) -> str:
    """The availability row of the session's Resources step, like ``revise_note``:
    "kept" when it says what is stored at the version it showed, "saved", or
    "conflict" (it changed meanwhile; nothing written)."""
    current = availability_of(quarter, user)
    if current is None and seen == 0 and hours is None and budget is None:
        return "kept"
    if (
        current is not None
        and current.version == seen
        and (current.hours_per_week, current.budget) == (hours, budget)
    ):
        return "kept"
    return "saved" if save_availability(quarter, user, seen, hours, budget) else "conflict"


def restore_note(note: Allocation, user: User) -> bool:
    """Make a note of ``user``'s current again; the one current now joins the history.
    False (nothing written) when another save made a note current at the same moment."""
    try:
        with db.session.begin_nested():
            db.session.execute(
                update(Allocation)
                .where(
                    Allocation.goal_id == note.goal_id,
                    Allocation.user_id == user.id,
                    Allocation.replaced_at.is_(None),
                    Allocation.id != note.id,
                )
                .values(replaced_at=utcnow()),
                execution_options={"synchronize_session": False},
            )
            note.replaced_at = None
            db.session.flush()
    except IntegrityError:
        return False
    return True


def save_availability(quarter: Quarter, user: User, seen: int, hours, budget) -> bool:
    """Say what ``user`` has in ``quarter``, if what they saw (``seen``, 0 for nothing yet)
    is still what is stored; False, and nothing written, when it changed meanwhile."""
    if seen == 0:
        if availability_of(quarter, user) is not None:
            return False
        try:  # two first saves at once: the unique (quarter, member) keeps one
            with db.session.begin_nested():
                db.session.add(
                    Availability(
                        partnership_id=quarter.partnership_id,
                        quarter_id=quarter.id,
                        user_id=user.id,
                        hours_per_week=hours,
                        budget=budget,
                        version=1,
                    )
                )
        except IntegrityError:
            return False
        return True
    result = db.session.execute(
        update(Availability)
        .where(
            Availability.partnership_id == quarter.partnership_id,
            Availability.quarter_id == quarter.id,
            Availability.user_id == user.id,
            Availability.version == seen,
        )
        .values(hours_per_week=hours, budget=budget, version=Availability.version + 1),
        execution_options={"synchronize_session": False},
    )
    return result.rowcount == 1


def save_settings(partnership: Partnership, seen: int | None, values: dict) -> bool:
    """Store the partnership's currency and prompt thresholds (``values``), if the version
    the member saw (``seen``) is still the stored one; False, and nothing written, when the
    partner saved meanwhile. ``seen`` None: a form that carried no version (the balance
    page's form before these settings moved to Settings), saved as it always was."""
    statement = update(Partnership).where(Partnership.id == partnership.id)
    if seen is not None:
        statement = statement.where(Partnership.balance_version == seen)
    result = db.session.execute(
        statement.values(**values, balance_version=Partnership.balance_version + 1),
        execution_options={"synchronize_session": False},
    )
    if result.rowcount != 1:
        return False
    Partnership.touch(partnership.id)  # a statement: the flush hook does not see it
    db.session.expire(partnership)
    return True
