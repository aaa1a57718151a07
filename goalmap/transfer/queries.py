"""What an export reads: every record of a partnership the member may see."""

from sqlalchemy import select

from goalmap.extensions import db
from goalmap.models import Goal, Lane, Quarter, Stage, User
from goalmap.scoping import scoped


def _oldest_first(model) -> tuple:
    # Goals and notes have unguessable ids (models.base): their age is when they were made.
    made = getattr(model, "created_at", None)
    return (model.id,) if made is None else (made, model.id)


def records(user: User, sections) -> dict[str, list]:
    """The records of each section that ``user`` may see, oldest first."""
    partnership = user.partnership
    records: dict[str, list] = {"members": list(partnership.members)}
    for section, model, _fields, _refs in sections[1:5]:
        records[section] = db.session.scalars(
            scoped(model, user=user).order_by(*_oldest_first(model))
        ).all()
    visible = scoped(Goal, user=user, include_deleted=True).with_only_columns(Goal.id)
    hidden = (Goal.owner_id != user.id) & Goal.is_private & ~Goal.is_draft
    records["goals"] = db.session.scalars(
        select(Goal)
        .where(Goal.partnership_id == partnership.id, Goal.id.in_(visible) | hidden)
        .order_by(*_oldest_first(Goal))
    ).all()
    goal_ids = [goal.id for goal in records["goals"]]
    for section, model, _fields, refs in sections[6:]:
        stmt = scoped(model, user=user).order_by(*_oldest_first(model))
        if "goal" in refs:  # a goal deleted since leaves NULL (a decision of the log)
            stmt = stmt.where(model.goal_id.in_(goal_ids) | model.goal_id.is_(None))
        records[section] = db.session.scalars(stmt).all()
    return records


def goal_rows(user: User) -> list:
    """The goals the member may see with their quarter, lane, owner and column names."""
    return db.session.execute(
        select(Quarter.name, Lane.name, Lane.owner_id, User.display_name, Stage.name, Goal)
        .join(Quarter, Quarter.id == Goal.quarter_id)
        .join(Lane, Lane.id == Goal.lane_id)
        .outerjoin(User, User.id == Lane.owner_id)
        .join(Stage, Stage.id == Goal.stage_id)
        .where(Goal.id.in_(scoped(Goal, user=user).with_only_columns(Goal.id)))
        .order_by(Quarter.starts_on, Lane.position, Stage.position, Goal.position)
    ).all()


def any_account() -> bool:
    """Whether this instance has any account yet."""
    return db.session.scalar(select(User.id).limit(1)) is not None
