"""Test data made through the domain functions, and helpers shared by the test modules."""

import re
from datetime import date, time

from flask.testing import FlaskClient
from sqlalchemy import event

from goalmap.contracts import service as contracts
from goalmap.extensions import db
from goalmap.flexibility import service as flexibility
from goalmap.models import (
    FlexDecision,
    Goal,
    Invite,
    Lane,
    Partnership,
    Quarter,
    RitualException,
    Stage,
    User,
)
from goalmap.partnership.service import found_partnership, join
from goalmap.passwords import hash_password
from goalmap.rituals import service as rituals

PASSWORD = "correct horse battery"
CSRF = re.compile(r'"X-CSRFToken": "([^"]+)"')


def make_config(database_url: str, **overrides) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-only-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "RATELIMIT_STORAGE_URI": "memory://",
        # Cheap hashing keeps the suite fast; production uses the defaults in config.py.
        "ARGON2_TIME_COST": 1,
        "ARGON2_MEMORY_COST": 1024,
        "ARGON2_PARALLELISM": 1,
        # A live stream read by a test ends on its own, at once (tests/test_live.py
        # keeps its streams open longer).
        "LIVE_KEEPALIVE_SECONDS": 0.05,
        "LIVE_STREAM_SECONDS": 0.2,
        **overrides,
    }


# Each page opens its live stream with its own id and the stamp of the partnership's
# last change: a partner can tell that something changed (as a board's ETag tells), never
# what. Tests that compare pages mask them.
LIVE_STREAM = re.compile(r'(data-live-page="|\?page=|since=)[\w-]+')


def without_live_stamps(html: str) -> str:
    return LIVE_STREAM.sub(r"\1", html)


class Client(FlaskClient):
    """A browser stand-in: sends the CSRF token the page gave it, and htmx's header on request."""

    def csrf_token(self) -> str:
        page = self.get("/__csrf__").get_data(as_text=True)  # any page carries the token
        return CSRF.search(page).group(1)

    def _htmx(self, kwargs, htmx: bool) -> None:
        if htmx:
            kwargs.setdefault("headers", {})["HX-Request"] = "true"

    def post(self, *args, csrf: bool = True, htmx: bool = False, **kwargs):
        raw = isinstance(kwargs.get("data"), bytes | str) or "json" in kwargs
        if not raw:  # a raw body, or JSON, is sent as it is
            data = kwargs["data"] = dict(kwargs.get("data") or {})
            if csrf and "csrf_token" not in data:
                data["csrf_token"] = self.csrf_token()
        self._htmx(kwargs, htmx)
        return super().post(*args, **kwargs)

    def get(self, *args, htmx: bool = False, **kwargs):
        self._htmx(kwargs, htmx)
        return super().get(*args, **kwargs)

    def login(self, email: str, password: str = PASSWORD):
        return self.post("/login", data={"email": email, "password": password})


# -- data factories ------------------------------------------------------------------
# They run inside an app context of their own and return detached rows whose columns
# are loaded, so tests can read ids and fields without holding a context open.


def wipe(app) -> None:
    """Empty every table, as a new instance has them. Goals, lanes and members go
    first, then their partnerships, whose records go with them (an agreed entry of the
    flexibility log may only leave with its partnership), then whatever is left."""
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as conn:
            for model in (Goal, Lane, User, Partnership):
                conn.execute(model.__table__.delete())
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(table.delete())


def detached(record):
    db.session.refresh(record)
    db.session.expunge(record)
    return record


def load(app, model, ident):
    """The row as the database has it now, detached."""
    with app.app_context():
        record = db.session.get(model, ident)
        return detached(record) if record is not None else None


def make_user(app, name: str, partner_of: User | None = None) -> User:
    """A member with PASSWORD; alone in a new partnership, or joined to ``partner_of``'s."""
    with app.app_context():
        user = User(
            email=f"{name.lower()}@example.com",
            display_name=name,
            password_hash=hash_password(PASSWORD),
        )
        if partner_of is None:
            found_partnership(user)
        else:
            inviter = db.session.get(User, partner_of.id)
            invite, _ = Invite.issue(inviter.partnership, inviter, 7)
            join(user, invite)
        db.session.commit()
        return detached(user)


def make_quarter(app, user: User, name: str = "2027 Q1", **fields) -> Quarter:
    with app.app_context():
        quarter = Quarter(
            partnership_id=user.partnership_id,
            name=name,
            starts_on=fields.pop("starts_on", date(2027, 1, 1)),
            ends_on=fields.pop("ends_on", date(2027, 3, 31)),
            **fields,
        )
        db.session.add(quarter)
        db.session.commit()
        return detached(quarter)


def plan_next(client, quarter) -> int:
    """Open the goal-mapping session for the quarter after ``quarter``; its id."""
    response = client.post(f"/quarters/{quarter.id}/next")
    assert response.status_code == 302
    return int(response.headers["Location"].split("/")[2])


def lane_of(app, user: User) -> Lane:
    with app.app_context():
        return detached(db.session.scalar(db.select(Lane).where(Lane.owner_id == user.id)))


def shared_lane(app, user: User) -> Lane:
    with app.app_context():
        return detached(
            db.session.scalar(
                db.select(Lane)
                .where(Lane.partnership_id == user.partnership_id, Lane.owner_id.is_(None))
                .order_by(Lane.position)
            )
        )


def stages_of(app, user: User) -> list[Stage]:
    with app.app_context():
        rows = db.session.scalars(
            db.select(Stage)
            .where(Stage.partnership_id == user.partnership_id)
            .order_by(Stage.position)
        ).all()
        return [detached(stage) for stage in rows]


def make_goal(app, quarter: Quarter, lane: Lane, stage: Stage | None = None, **fields) -> Goal:
    with app.app_context():
        stage_id = (
            stage.id
            if stage
            else db.session.scalar(
                db.select(Stage.id)
                .where(Stage.partnership_id == quarter.partnership_id)
                .order_by(Stage.position)
            )
        )
        goal = Goal(
            partnership_id=quarter.partnership_id,
            quarter_id=quarter.id,
            lane_id=lane.id,
            stage_id=stage_id,
            owner_id=lane.owner_id,
            title=fields.pop("title", "Learn to sail"),
            **fields,
        )
        db.session.add(goal)
        goal.place_last()
        db.session.commit()
        return detached(goal)


def cell_positions(app, quarter_id: int) -> dict:
    """{(lane_id, stage_id): [(place, goal_id), ...]}: the live goals of each cell in board
    order, places counted from 0. Fails when two goals of a cell share a rank."""
    with app.app_context():
        rows = db.session.execute(
            db.select(Goal.lane_id, Goal.stage_id, Goal.position, Goal.id)
            .where(Goal.quarter_id == quarter_id, Goal.deleted_at.is_(None))
            .order_by(Goal.lane_id, Goal.stage_id, Goal.position)
        ).all()
    ranks: dict = {}
    for lane_id, stage_id, position, goal_id in rows:
        ranks.setdefault((lane_id, stage_id), []).append((position, goal_id))
    for cell, entries in ranks.items():
        assert len({rank for rank, _ in entries}) == len(entries), f"shared rank in {cell}"
    return {cell: list(enumerate(g for _, g in entries)) for cell, entries in ranks.items()}


def logged_in(app, user: User) -> Client:
    client = app.test_client()
    response = client.login(user.email)
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


class QueryCounter:
    """Counts the SQL statements the app sends while it is active, and the rows its
    UPDATE statements change."""

    def __init__(self, engine):
        self.engine, self.count, self.updated_rows = engine, 0, 0

    def _count(self, *_args) -> None:
        self.count += 1

    def _rows(self, _conn, cursor, statement, *_args) -> None:
        if statement.lstrip().upper().startswith("UPDATE"):
            self.updated_rows += max(cursor.rowcount, 0)

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._count)
        event.listen(self.engine, "after_cursor_execute", self._rows)
        return self

    def __exit__(self, *_exc) -> None:
        event.remove(self.engine, "before_cursor_execute", self._count)
        event.remove(self.engine, "after_cursor_execute", self._rows)


def allocate(app, goal, user, hours=None, amount=None, period="month", **fields):
    """An allocation note, as exact decimals."""
    from decimal import Decimal

    from goalmap.models import Allocation

    with app.app_context():
        note = Allocation(
            partnership_id=goal.partnership_id,
            goal_id=goal.id,
            user_id=user.id,
            hours_per_week=Decimal(hours) if hours is not None else None,
            amount=Decimal(amount) if amount is not None else None,
            money_period=period,
            **fields,
        )
        db.session.add(note)
        db.session.commit()
        return detached(note)


def make_available(app, quarter, user, hours=None, budget=None):
    from decimal import Decimal

    from goalmap.models import Availability

    with app.app_context():
        row = Availability(
            partnership_id=quarter.partnership_id,
            quarter_id=quarter.id,
            user_id=user.id,
            hours_per_week=Decimal(hours) if hours is not None else None,
            budget=Decimal(budget) if budget is not None else None,
        )
        db.session.add(row)
        db.session.commit()
        return detached(row)


def raise_entry(app, user, quarter, decisions=(), **values):
    """An entry of the flexibility log raised by ``user`` in ``quarter``, with
    ``decisions`` as (goal, action) pairs; the entry and its decisions' ids."""
    with app.app_context():
        member = db.session.get(User, user.id)
        drafts = [
            flexibility.Decision(db.session.get(Goal, g.id), action) for g, action in decisions
        ]
        entry = flexibility.raise_entry(
            member,
            db.session.get(Quarter, quarter.id),
            {
                "event": values.pop("event", "A new job"),
                "kind": values.pop("kind", "work"),
                "happened_on": values.pop("happened_on", date.today()),
                "look_again_on": values.pop("look_again_on", date.today()),
            },
            values.pop("impact", "Less time."),
            drafts,
        )
        db.session.commit()
        ids = db.session.scalars(
            db.select(FlexDecision.id)
            .where(FlexDecision.entry_id == entry.id)
            .order_by(FlexDecision.created_at)
        ).all()
        return entry.id, ids


def make_contract(app, goal, witness=None, check_in: bool = False, **choices):
    """A contract on ``goal`` (its owner's), signed by ``witness`` when given, with one
    check-in when asked; the contract's and the check-in's ids."""
    from datetime import timedelta

    with app.app_context():
        goal_row = db.session.get(Goal, goal.id)
        owner = db.session.get(User, goal_row.owner_id)
        today = date.today()
        terms = contracts.Terms(
            "Two modules a month",
            "The certificate",
            "Cover two evenings",
            "weekly",
            today - timedelta(days=1),
            today + timedelta(days=60),
        )
        contract = contracts.make(goal_row, owner, terms, choices.get("shown", False))
        if witness is not None:
            contracts.sign(contract, db.session.get(User, witness.id), 1)
        row = contracts.check_in(contract, owner, 40, "Going well") if check_in else None
        db.session.commit()
        return contract.id, row.id if row else None


def make_review(app, user: User, starts_on=date(2027, 1, 1), ends_on=date(2028, 1, 1)):
    """An open yearly review of ``user``'s partnership, with the seeds' questions."""
    import json

    from goalmap.models import REVIEW_QUESTIONS, YearlyReview

    with app.app_context():
        review = YearlyReview(
            partnership_id=user.partnership_id,
            starts_on=starts_on,
            ends_on=ends_on,
            questions_json=json.dumps(list(REVIEW_QUESTIONS)),
            created_by_id=user.id,
        )
        db.session.add(review)
        db.session.commit()
        return detached(review)


def make_milestones(app, goal: Goal, user: User, titles=("Open",), ticked=(), deleted=()):
    """Milestones on ``goal`` through the domain functions (counters and wins as the app
    keeps them): {title: id}; those in ``ticked`` done by ``user``, ``deleted`` deleted."""
    from goalmap.milestones import service as milestones
    from goalmap.models import Milestone

    with app.app_context():
        goal_row, member = db.session.get(Goal, goal.id), db.session.get(User, user.id)
        made = {title: milestones.add(goal_row, member, title, None) for title in titles}
        for title in ticked:
            milestones.tick(made[title], member)
        for title in deleted:
            milestones.remove(db.session.get(Milestone, made[title].id))
        db.session.commit()
        return {title: row.id for title, row in made.items()}


def win_of(app, subject_id: int) -> int:
    """The id of the win that celebrates the milestone, goal or contract ``subject_id``."""
    from goalmap.models import Win

    with app.app_context():
        return db.session.scalar(db.select(Win.id).where(Win.subject_id == subject_id))


def make_ritual(app, user: User, title: str, kind: str = "joint", skip: bool = False, **rule):
    """A ritual of ``user``'s, Mondays at 19:00 for an hour from 2027 unless ``rule``
    says otherwise; with ``skip``, its first evening skipped."""
    when = {
        "frequency": "weekly",
        "weekdays": "MO",
        "at": time(19),
        "minutes": 60,
        "time_zone": "UTC",
        "starts_on": date(2027, 1, 4),
        **rule,
    }
    with app.app_context():
        member = db.session.get(User, user.id)
        ritual = rituals.create(
            member, kind=kind, title=title, is_private=False, goal_id=None, rule=when
        )
        db.session.flush()
        if skip:
            db.session.add(
                RitualException(
                    partnership_id=member.partnership_id,
                    ritual_id=ritual.id,
                    day=when["starts_on"],
                )
            )
        db.session.commit()
        return detached(ritual)


def words(html: str) -> str:
    """What a page says, without its markup: "due <time …>8 Oct</time>" is "due 8 Oct"."""
    return " ".join(re.sub(r"<[^>]+>", "", html).split())
