"""``flask seed-demo``: a demo partnership to look around in."""

from datetime import date, time, timedelta
from decimal import Decimal

from goalmap.auth.queries import user_by_email
from goalmap.board import queries as board
from goalmap.extensions import db
from goalmap.milestones import service as milestones
from goalmap.models import (
    Allocation,
    Availability,
    Goal,
    Invite,
    Lane,
    Quarter,
    Stage,
    User,
    next_quarter,
)
from goalmap.partnership.service import found_partnership, join
from goalmap.passwords import hash_password
from goalmap.rituals import service as rituals

# A published demo login, not a secret; accepted 2026-11-22, see docs/security.md.
DEMO_PASSWORD = "goalmap-demo"  # noqa: S105  # nosec B105
DEMO_PEOPLE = (("alex@example.com", "Alex"), ("sam@example.com", "Sam"))

# (lane: 0 Alex, 1 Sam, 2 Together), stage index, title, notes, private, start week, length
DEMO_GOALS = (
    (0, 2, "Run a half marathon", "Three runs a week; long run on Saturdays.", False, 0, 12),
    (0, 1, "Finish the pottery course", "Tuesday evenings at the studio.", False, 1, 8),
    (0, 0, "Write to my sister every month", "", True, None, None),
    (1, 2, "Learn conversational Spanish", "20 minutes a day before work.", False, 0, 13),
    (1, 1, "Ship the side project", "One evening a week, protected.", False, 2, 6),
    (1, 3, "Read four novels", "", False, None, None),
    (2, 1, "Plan the summer trip to Lisbon", "Budget first, then dates.", False, 3, 5),
    (2, 2, "Sunday dinners with friends", "Alternate who hosts.", False, 0, 13),
    (2, 0, "Repaint the bedroom", "", False, None, None),
    (2, 3, "Build an emergency fund", "Three months of costs.", False, 0, 4),
)


def _demo_goals(quarter: Quarter, lanes: list[Lane], stages: list[Stage], people: list[User]):
    positions: dict = {}
    for lane_index, stage_index, title, notes, private, week, weeks in DEMO_GOALS:
        lane, stage = lanes[lane_index], stages[stage_index]
        starts = quarter.starts_on + timedelta(weeks=week) if week is not None else None
        position = positions.setdefault((lane.id, stage.id), 0)
        positions[lane.id, stage.id] += 1
        yield Goal(
            partnership_id=quarter.partnership_id,
            quarter_id=quarter.id,
            lane_id=lane.id,
            stage_id=stage.id,
            owner_id=lane.owner_id,
            created_by_id=(lane.owner or people[0]).id,
            title=title,
            notes=notes,
            is_private=private,
            starts_on=starts,
            target_on=starts + timedelta(weeks=weeks) if starts else None,
            status="done" if stage.name == "Done" else "active",
            position=(position + 1) * Goal.GAP,
        )


# (goal title, partner index, hours a week, money, per, energy, note)
DEMO_ALLOCATIONS = (
    (
        "Run a half marathon",
        0,
        "4",
        None,
        "month",
        "high",
        "Saturday long runs; Sam covers breakfast.",
    ),
    ("Finish the pottery course", 0, "2.5", "180", "quarter", "medium", ""),
    ("Learn conversational Spanish", 1, "2.5", "12.99", "month", "low", "App before work."),
    ("Ship the side project", 1, "5", None, "month", "high", "Wednesday evenings."),
    ("Plan the summer trip to Lisbon", 0, "1", None, "month", "low", ""),
    ("Plan the summer trip to Lisbon", 1, "1", "1200", "quarter", "medium", "Flights and flat."),
    ("Sunday dinners with friends", 0, "3", "60", "month", "medium", "We alternate hosting."),
    ("Sunday dinners with friends", 1, "3", "60", "month", "medium", ""),
)


def _demo_resources(quarter: Quarter, goals: list[Goal], people: list[User]) -> None:
    by_title = {goal.title: goal for goal in goals}
    for title, person, hours, amount, period, energy, note in DEMO_ALLOCATIONS:
        db.session.add(
            Allocation.on(
                by_title[title],
                people[person],
                hours_per_week=Decimal(hours),
                amount=Decimal(amount) if amount else None,
                money_period=period,
                energy=energy,
                note=note,
            )
        )
    for person, hours, budget in ((0, "12", "900"), (1, "10", "1500")):
        db.session.add(
            Availability(
                partnership_id=quarter.partnership_id,
                quarter_id=quarter.id,
                user_id=people[person].id,
                hours_per_week=Decimal(hours),
                budget=Decimal(budget),
            )
        )


# Three reviewed quarters before the current one, so the balance chart has a history.
# Each quarter: Alex's goal and hours a week, Sam's, and a shared goal taking that many
# hours from each of them.
DEMO_HISTORY = (
    (("Learn to climb", "5"), ("Evening classes", "4"), ("Weekly date night", "2")),
    (("Guitar again", "4"), ("Half-time job search", "3"), ("Move flat", "4")),
    (("Morning runs", "2"), ("Photography", "3"), ("Wedding planning", "6")),
)


def _history_entries(goals):
    """(title, lane index, partner whose hours, hours a week) of one DEMO_HISTORY quarter."""
    (alex, alex_hours), (sam, sam_hours), (shared, shared_hours) = goals
    yield alex, 0, 0, alex_hours
    yield sam, 1, 1, sam_hours
    yield shared, 2, 0, shared_hours
    yield shared, 2, 1, shared_hours


def _demo_history(current: Quarter, lanes, stages, people) -> Quarter:
    previous = None
    for back, entries in zip((3, 2, 1), DEMO_HISTORY, strict=True):
        # The quarter ``back`` quarters ago holds the day 45 + 91 * (back - 1) before ours.
        middle = current.starts_on - timedelta(days=45 + 91 * (back - 1))
        name, starts, ends = next_quarter(middle - timedelta(days=92))
        quarter = Quarter(
            partnership_id=current.partnership_id,
            name=name,
            starts_on=starts,
            ends_on=ends,
            state="reviewed",
            previous=previous,
            revealed_at=current.created_at,
            started_at=current.created_at,
        )
        db.session.add(quarter)
        db.session.flush()
        made: dict[str, Goal] = {}
        for title, lane_index, person, hours in _history_entries(entries):
            if title not in made:
                lane = lanes[lane_index]
                made[title] = Goal.new(
                    quarter,
                    lane,
                    stages[3],
                    title=title,
                    status="done",
                    created_by_id=people[person].id,
                )
                db.session.flush()
            db.session.add(
                Allocation.on(made[title], people[person], hours_per_week=Decimal(hours))
            )
        previous = quarter
    return previous


def seed(today: date) -> bool:
    """Create the demo partnership (Alex and Sam) with a running quarter and three reviewed
    ones before it; False when it exists already."""
    if user_by_email(DEMO_PEOPLE[0][0]) is not None:
        return False
    people = [
        User(email=email, display_name=name, password_hash=hash_password(DEMO_PASSWORD))
        for email, name in DEMO_PEOPLE
    ]
    partnership = found_partnership(people[0])
    partnership.name = "Alex & Sam"
    db.session.flush()
    invite, _token = Invite.issue(partnership, people[0], lifetime_days=7)
    join(people[1], invite)
    db.session.flush()
    name, starts, ends = next_quarter(today - timedelta(days=92))
    quarter = Quarter(
        partnership=partnership, name=name, starts_on=starts, ends_on=ends, state="active"
    )
    db.session.add(quarter)
    db.session.flush()
    lanes = sorted(
        board.lanes(people[0]), key=lambda lane: (lane.owner_id is None, lane.owner_id or 0)
    )
    stages = board.stages(people[0])
    quarter.previous = _demo_history(quarter, lanes, stages, people)
    goals = list(_demo_goals(quarter, lanes, stages, people))
    db.session.add_all(goals)
    db.session.flush()
    _demo_resources(quarter, goals, people)
    _demo_milestones(goals, people)
    _demo_rituals(quarter, goals, people)
    return True


# (whose: None for both, kind, title, private, days, at, minutes)
DEMO_RITUALS = (
    (None, "joint", "Date night", False, "FR", time(19), 180),
    (None, "joint", "Sunday coffee and the week ahead", False, "SU", time(9, 30), 60),
    (0, "solo", "Long run", False, "SA", time(8), 120),
    (1, "solo", "Pottery class", True, "TH", time(18, 30), 150),
    (None, "flexible", "Open evening", False, "WE", time(19), 120),
)


def _demo_rituals(quarter: Quarter, goals: list[Goal], people: list[User]) -> None:
    """The couple's rituals and solo time, weekly since the quarter began; the long run
    serves the half marathon."""
    by_title = {goal.title: goal.id for goal in goals}
    for whose, kind, title, private, days, at, minutes in DEMO_RITUALS:
        rituals.create(
            people[0] if whose is None else people[whose],
            kind=kind,
            title=title,
            is_private=private,
            goal_id=by_title.get("Run a half marathon") if title == "Long run" else None,
            rule={
                "frequency": "weekly",
                "weekdays": days,
                "at": at,
                "minutes": minutes,
                "time_zone": quarter.partnership.time_zone,
                "starts_on": quarter.starts_on,
            },
        )


# (goal title, who ticks, milestones: (title, done))
DEMO_MILESTONES = (
    (
        "Run a half marathon",
        0,
        (("Run 10 km", True), ("Run 15 km", True), ("Run 18 km", False), ("Race day", False)),
    ),
    ("Plan the summer trip to Lisbon", 1, (("Book flights", True), ("Find a flat", False))),
)


def _demo_milestones(goals: list[Goal], people: list[User]) -> None:
    """Checklists on two goals, partly ticked: their wins are on the wall."""
    by_title = {goal.title: goal for goal in goals}
    for title, who, steps in DEMO_MILESTONES:
        goal = by_title[title]
        for step, done in steps:
            milestone = milestones.add(goal, people[who], step, None)
            if done:
                milestones.tick(milestone, people[who])
