"""A large partnership for the benchmark: eight quarters, a 500-goal current board, a
200-goal and a 5-goal board to compare against, and every other kind of record."""

import random
from datetime import date, timedelta
from decimal import Decimal

from goalmap.extensions import db
from goalmap.models import (
    Allocation,
    Availability,
    Goal,
    GoalComment,
    GoalEvent,
    Invite,
    Lane,
    PlanningSeat,
    Quarter,
    SharedValue,
    Stage,
    User,
)
from goalmap.partnership.service import found_partnership, join
from goalmap.passwords import hash_password

PASSWORD = "benchmark password"  # noqa: S105  # nosec B105 (a throwaway local account)
STATUSES = ("active", "active", "active", "paused")


def _quarter(partnership, index: int, state: str, previous=None) -> Quarter:
    year, q = 2025 + index // 4, index % 4
    starts = date(year, 3 * q + 1, 1)
    ends = (date(year + 1, 1, 1) if q == 3 else date(year, 3 * q + 4, 1)) - timedelta(days=1)
    quarter = Quarter(
        partnership=partnership,
        name=f"{year} Q{q + 1}",
        starts_on=starts,
        ends_on=ends,
        state=state,
        previous=previous,
        revealed_at=starts,
        started_at=starts,
    )
    db.session.add(quarter)
    db.session.flush()
    return quarter


def _fill(quarter, lanes, stages, people, count: int, rng: random.Random) -> list[Goal]:
    goals = []
    for i in range(count):
        lane, stage = lanes[i % len(lanes)], stages[(i // len(lanes)) % len(stages)]
        starts = quarter.starts_on + timedelta(days=rng.randint(0, 60))
        goals.append(
            Goal.new(
                quarter,
                lane,
                stage,
                title=f"Goal {i}: {rng.choice(WORDS)}",
                notes=rng.choice(("", "Saturday mornings, before the kids wake up.")),
                starts_on=starts,
                target_on=starts + timedelta(days=rng.randint(7, 28)),
                # Done is one fact: done goals stand in the done column, and only there.
                status="done" if stage.is_done else rng.choice(STATUSES),
                is_private=lane.owner_id is not None and i % 17 == 0,
                carried_over=i % 3,
            )
        )
        db.session.flush()  # the next goal of its cell is placed after this one
    for goal in goals[::2]:
        who = (
            next(p for p in people if p.id == goal.owner_id)
            if goal.owner_id
            else people[goal.id % 2]
        )
        db.session.add(
            Allocation.on(
                goal,
                who,
                hours_per_week=Decimal(rng.randint(1, 8)) / 2,
                amount=Decimal("19.99"),
                money_period="month",
                energy="medium",
                note="Tuesday evenings",
            )
        )
    return goals


WORDS = (
    "Run a half marathon",
    "Learn Spanish",
    "Plan the Lisbon trip",
    "Repaint the bedroom",
    "Sunday dinners with friends",
    "Ship the side project",
    "Read four novels",
)


def seed(board_sizes=(500, 200, 5)) -> dict:
    """Create the benchmark partnership; return the ids the benchmark needs."""
    rng = random.Random(7)
    alex = User(
        email="bench-alex@example.com", display_name="Alex", password_hash=hash_password(PASSWORD)
    )
    partnership = found_partnership(alex)
    db.session.flush()
    sam = User(email="bench-sam@example.com", display_name="Sam", password_hash=alex.password_hash)
    invite, _ = Invite.issue(partnership, alex, 7)
    join(sam, invite)
    db.session.add(Lane(partnership=partnership, name="Home", position=3))
    db.session.add(SharedValue(partnership_id=partnership.id, name="Adventure"))
    db.session.flush()
    people = [alex, sam]
    lanes = db.session.scalars(
        db.select(Lane).where(Lane.partnership_id == partnership.id).order_by(Lane.position)
    ).all()
    stages = db.session.scalars(
        db.select(Stage).where(Stage.partnership_id == partnership.id).order_by(Stage.position)
    ).all()
    previous = None
    for index in range(7):
        previous = _quarter(partnership, index, "reviewed", previous)
        for goal in _fill(previous, lanes, stages, people, 20, rng)[:3]:
            note = "Life got busy"
            db.session.add(GoalEvent.about(goal, "dropped", alex, note, quarter_id=previous.id))
    boards = {}
    for size in board_sizes:
        quarter = _quarter(partnership, 7 + len(boards), "active", previous)
        quarter.name = f"Benchmark {size}"
        goals = _fill(quarter, lanes, stages, people, size, rng)
        for person in people:
            db.session.add(
                Availability(
                    partnership_id=partnership.id,
                    quarter_id=quarter.id,
                    user_id=person.id,
                    hours_per_week=Decimal(40),
                    budget=Decimal(5000),
                )
            )
            db.session.add(
                PlanningSeat(
                    partnership_id=partnership.id, quarter_id=quarter.id, user_id=person.id
                )
            )
        db.session.add(
            GoalComment(
                partnership_id=partnership.id,
                goal_id=goals[0].id,
                author_id=sam.id,
                body="You've got this!",
            )
        )
        shared = [g for g in goals if g.owner_id is None and not g.is_private]
        boards[size] = {"quarter": quarter.id, "goals": [g.id for g in shared]}
    db.session.commit()
    return {
        "email": alex.email,
        "password": PASSWORD,
        "boards": boards,
        "lanes": [lane.id for lane in lanes if lane.owner_id is None],
        "stages": [stage.id for stage in stages],
    }


def seed_listeners(count: int) -> list[str]:
    """``count`` more partnerships of one member each, whose open pages listen while the
    benchmark loads the big one; their members' emails (same password)."""
    password_hash = hash_password(PASSWORD)
    emails = []
    for index in range(count):
        member = User(
            email=f"bench-listener-{index}@example.com",
            display_name=f"Listener {index}",
            password_hash=password_hash,
        )
        found_partnership(member)
        emails.append(member.email)
    db.session.commit()
    return emails
