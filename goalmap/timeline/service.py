"""The quarter as a timeline: weeks across, a row per lane, goals as bars.

Pure computation on loaded rows, so it is tested on known dates without a request. A
goal here is anything with the columns it reads (the page passes plain rows).
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from goalmap.models import PLANNED_STATUSES, Goal, Lane, Quarter, User

# What the timeline draws: every goal the quarter planned (not the dropped ones).
SHOWN_STATUSES = PLANNED_STATUSES


@dataclass
class Week:
    number: int  # 1-based
    starts_on: date
    personal: dict[int, int] = field(default_factory=dict)  # member id -> goals that week
    shared: int = 0

    @property
    def total(self) -> int:
        return sum(self.personal.values()) + self.shared


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

    def intersects(self, week: Week) -> bool:
        """Every member has a personal goal running this week, and there is a shared one too."""
        return week.shared > 0 and all(week.personal.get(m.id, 0) for m in self.members)


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
        for week in weeks[first - 1 : last]:
            if goal.owner_id is None:
                week.shared += 1
            else:
                week.personal[goal.owner_id] = week.personal.get(goal.owner_id, 0) + 1
    for row in rows.values():
        row.bars.sort(key=lambda bar: (bar.first_week, bar.last_week))
    return Timeline(quarter, weeks, [rows[lane.id] for lane in lanes], members, beyond)
