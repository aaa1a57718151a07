"""The statements of wins: the wall, a quarter's or a year's wins, the celebrations a
member has not had yet, and counts. Every read goes through ``scoping.scoped``."""

from collections import defaultdict
from datetime import date, datetime, time, timedelta

from sqlalchemy import bindparam, func, select

from goalmap.extensions import db
from goalmap.models import Appreciation, Goal, Quarter, User, Win, WinReaction, WinSeen
from goalmap.scoping import VIEWER, countable_goals, scoped, viewer

# How long a partner's win waits to be celebrated on their board.
UNSEEN_FOR = timedelta(days=30)

UNSEEN = (
    scoped(Win, user=VIEWER)
    .where(
        Win.user_id.is_distinct_from(VIEWER.id),
        Win.created_at >= bindparam("since"),
        Win.id.not_in(select(WinSeen.win_id).where(WinSeen.user_id == VIEWER.id)),
    )
    .order_by(Win.created_at, Win.id)
)


def quarters(user: User) -> list[Quarter]:
    """The partnership's quarters, newest first (the wall filters and counts by them)."""
    return db.session.scalars(scoped(Quarter, user=user).order_by(Quarter.starts_on.desc())).all()


def wall(user: User, quarter_id=None, partner=None, kind=None) -> list[Win]:
    """The wins ``user`` may see, newest first; ``partner``: a member's id, or "shared"."""
    stmt = scoped(Win, user=user).order_by(Win.created_at.desc(), Win.id.desc())
    if quarter_id is not None:
        stmt = stmt.where(Win.quarter_id == quarter_id)
    if partner == "shared":
        stmt = stmt.where(Win.owner_id.is_(None))
    elif partner is not None:
        stmt = stmt.where(Win.owner_id == partner)
    if kind is not None:
        stmt = stmt.where(Win.kind == kind)
    return db.session.scalars(stmt).all()


def of_quarter(quarter: Quarter, user: User) -> list[Win]:
    """A quarter's wins, in the order they were won (the look back celebrates them)."""
    stmt = scoped(Win, user=user).where(Win.quarter_id == quarter.id)
    return db.session.scalars(stmt.order_by(Win.created_at, Win.id)).all()


def between(user: User, starts_on: date, ends_on: date) -> list[Win]:
    """The wins ``user`` may see that were won from ``starts_on`` to ``ends_on`` (both
    days included), in the order they were won."""
    start = datetime.combine(starts_on, time.min)
    end = datetime.combine(ends_on + timedelta(days=1), time.min)
    stmt = scoped(Win, user=user).where(Win.created_at >= start, Win.created_at < end)
    return db.session.scalars(stmt.order_by(Win.created_at, Win.id)).all()


def unseen(user: User, now: datetime) -> list[Win]:
    """The partner's wins of the last days whose celebration ``user`` has not had yet."""
    return db.session.scalars(UNSEEN, viewer(user, since=now - UNSEEN_FOR)).all()


def by_ids(user: User, ids: list[int]) -> list[Win]:
    return db.session.scalars(scoped(Win, user=user).where(Win.id.in_(ids))).all()


def counts(user: User) -> dict:
    """Wins per quarter and per owner (None: shared), of the wins ``user`` may see:
    {quarter_id: {owner_id: count}}."""
    visible = scoped(Win, user=user).subquery()
    rows = db.session.execute(
        select(visible.c.quarter_id, visible.c.owner_id, func.count()).group_by(
            visible.c.quarter_id, visible.c.owner_id
        )
    )
    return _per_quarter(rows)


def counted(user: User, quarter_ids: list[int]) -> dict:
    """How many wins each owner (None: shared) had in each of ``quarter_ids``, private
    ones included as numbers, as a board counts private goals: {quarter_id: {owner: n}}."""
    rows = db.session.execute(
        select(Win.quarter_id, Win.owner_id, func.count())
        .join(Goal, Goal.id == Win.goal_id)
        .where(
            *countable_goals(user),
            Win.withdrawn_at.is_(None),
            Win.quarter_id.in_(quarter_ids),
        )
        .group_by(Win.quarter_id, Win.owner_id)
    )
    return _per_quarter(rows)


def _per_quarter(rows) -> dict:
    """(quarter id, owner id, count) rows as {quarter_id: {owner_id: count}}."""
    result: dict = defaultdict(dict)
    for quarter_id, owner_id, count in rows:
        result[quarter_id][owner_id] = count
    return result


def appreciations(user: User, win_ids: list[int]) -> dict[int, list[Appreciation]]:
    stmt = scoped(Appreciation, user=user).where(Appreciation.win_id.in_(win_ids))
    result: dict = defaultdict(list)
    for note in db.session.scalars(stmt.order_by(Appreciation.created_at, Appreciation.id)):
        result[note.win_id].append(note)
    return result


def reactions(user: User, win_ids: list[int]) -> dict[int, dict[str, list[int]]]:
    """Who reacted how to each win: {win_id: {reaction: [member ids]}}."""
    stmt = scoped(WinReaction, user=user).where(WinReaction.win_id.in_(win_ids))
    result: dict = defaultdict(lambda: defaultdict(list))
    for row in db.session.scalars(stmt.order_by(WinReaction.id)):
        result[row.win_id][row.reaction].append(row.user_id)
    return result


def private_goal_ids(user: User, goal_ids: list[int]) -> set[int]:
    """Which of ``goal_ids`` are ``user``'s own private goals (their wins can be shared)."""
    stmt = select(Goal.id).where(
        Goal.partnership_id == user.partnership_id,
        Goal.owner_id == user.id,
        Goal.is_private.is_(True),
        Goal.id.in_(goal_ids),
    )
    return set(db.session.scalars(stmt))
