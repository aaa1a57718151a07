"""The timeline's rows: a few columns of each goal the member may read."""

from sqlalchemy import Integer, bindparam

from goalmap.extensions import db
from goalmap.models import Goal, Quarter, User
from goalmap.scoping import VIEWER, scoped, viewer

GOALS = (
    scoped(Goal, user=VIEWER)
    .where(Goal.quarter_id == bindparam("quarter_id", type_=Integer))
    .with_only_columns(
        Goal.id,
        Goal.lane_id,
        Goal.owner_id,
        Goal.title,
        Goal.status,
        Goal.starts_on,
        Goal.target_on,
    )
)


def goals(quarter: Quarter, user: User) -> list:
    """The quarter's goals the member may read, as plain rows (see service.build)."""
    return db.session.execute(GOALS, viewer(user, quarter_id=quarter.id)).all()
