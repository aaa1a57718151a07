"""The quarter as a timeline: weeks across, a row per lane, goals as bars.

Pure computation on loaded rows, so it is tested on known dates without a request. A
goal here is anything with the columns it reads (the page passes plain rows).
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from goalmap.models import PLANNED_STATUSES, Goal, Lane, Quarter, User

# What the timeline draws: every goal the quarter planned (not the dropped ones).
SHOWN_STATUSES = PLANNED_STATUSES
# A week is marked when this many goals one partner carries (their own and the shared
# ones, still active) are due in it: deadlines that pile up, not every week where goals
# merely run side by side.
CROWDED_AT = 3


@dataclass
class Week:
    number: int  # 1-based
    starts_on: date
    # member id -> active goals they carry (own and shared) whose target falls this week
    due: dict[int, int] = field(default_factory=dict)


@dataclass
class Bar:
    goal: Goal
    first_week: int  # 1-based, inclusive
    last_week: int
    outside: bool  # some of its dates fall outside the quarter


@dataclass
class Row:
    lane: Lane
    bars: list[Bar] = field(default_factory=list)
    undated: list[Goal] = field(default_factory=list)


@dataclass
class Timeline:
    quarter: Quarter
    weeks: list[Week]
    rows: list[Row]
    members: list[User]
    beyond: list[Goal]  # dated wholly outside the quarter

    def crowded(self, week: Week) -> list[tuple[User, int]]:
        """The members with CROWDED_AT or more of their goals due this week, and how many."""
        return [(m, week.due[m.id]) for m in self.members if week.due.get(m.id, 0) >= CROWDED_AT]

    def crowded_weeks(self) -> list[tuple[Week, list[tuple[User, int]]]]:
        """The marked weeks, each with who has that many goals due in it."""
        return [(week, crowded) for week in self.weeks if (crowded := self.crowded(week))]


def _week_of(day: date, first_monday: date) -> int:
    return (day - first_monday).days // 7 + 1


def build(quarter: Quarter, lanes: list[Lane], goals: list[Goal], members: list[User]) -> Timeline:
    first_monday = quarter.starts_on - timedelta(days=quarter.starts_on.weekday())
    last_week = _week_of(quarter.ends_on, first_monday)
    weeks = [Week(n, first_monday + timedelta(weeks=n - 1)) for n in range(1, last_week + 1)]
    rows = {lane.id: Row(lane) for lane in lanes}
    beyond = []
    for goal in goals:
        row = rows.get(goal.lane_id)
        if row is None or goal.status not in SHOWN_STATUSES:
            continue
        start, end = goal.starts_on or goal.target_on, goal.target_on or goal.starts_on
        if start is None:
            row.undated.append(goal)
            continue
        if end < quarter.starts_on or start > quarter.ends_on:
            beyond.append(goal)
            continue
        outside = start < quarter.starts_on or end > quarter.ends_on
        first = _week_of(max(start, quarter.starts_on), first_monday)
        last = _week_of(min(end, quarter.ends_on), first_monday)
        row.bars.append(Bar(goal, first, last, outside))
        if goal.status == "active" and goal.target_on and goal.target_on <= quarter.ends_on:
            due = weeks[_week_of(goal.target_on, first_monday) - 1].due
            carriers = [m.id for m in members] if goal.owner_id is None else [goal.owner_id]
            for member_id in carriers:
                due[member_id] = due.get(member_id, 0) + 1
    for row in rows.values():
        row.bars.sort(key=lambda bar: (bar.first_week, bar.last_week))
    return Timeline(quarter, weeks, [rows[lane.id] for lane in lanes], members, beyond)
