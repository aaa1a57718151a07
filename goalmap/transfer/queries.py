"""What an export reads: every record of a partnership the member may see."""

from sqlalchemy import select
from sqlalchemy.orm import undefer

from goalmap.extensions import db
from goalmap.models import WIN_KINDS, Goal, Lane, Milestone, Quarter, Ritual, Stage, User, Win
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
        if model is Milestone:
            records[section] = _milestones(user, records["goals"])
            continue
        if model is Win:
            records[section] = _wins(user, records)
            continue
        if "win" in refs:  # notes, reactions and who saw them: of the wins in the file
            win_ids = [win.id for win in records["wins"]]
            stmt = select(model).where(
                model.partnership_id == user.partnership_id, model.win_id.in_(win_ids)
            )
            records[section] = db.session.scalars(stmt.order_by(*_oldest_first(model))).all()
            continue
        stmt = scoped(model, user=user).order_by(*_oldest_first(model))
        # A goal deleted since leaves NULL (a decision of the log). A ritual stays in the
        # file whatever goal it serves: the export leaves out a goal it may not name.
        if "goal" in refs and model is not Ritual:
            stmt = stmt.where(model.goal_id.in_(goal_ids) | model.goal_id.is_(None))
        records[section] = db.session.scalars(stmt).all()
    return records


# Milestones and wins are read past ``scoped``, which shows what a page shows: the
# export also keeps deleted milestones and withdrawn wins (an undo brings them back),
# and those of deleted goals, as it keeps the goals themselves.


def _readable(user: User, goals: list) -> list[int]:
    """The goals of the file whose content ``user`` may read (not a partner's private one)."""
    return [goal.id for goal in goals if goal.owner_id == user.id or not goal.is_private]


def _milestones(user: User, goals: list) -> list:
    """The milestones of the goals the member may read: a partner's private goal's are
    not theirs to see."""
    return db.session.scalars(
        select(Milestone)
        .where(
            Milestone.partnership_id == user.partnership_id,
            Milestone.goal_id.in_(_readable(user, goals)),
        )
        .order_by(*_oldest_first(Milestone))
    ).all()


def _wins(user: User, records: dict) -> list:
    """The wins of the goals the member may read, and of a partner's private goal those
    its owner shared, whose subject (a milestone, goal or contract) is in the file too:
    a shared private milestone's win is left out, as the milestone is."""
    readable = _readable(user, records["goals"])
    private = list({goal.id for goal in records["goals"]} - set(readable))
    mine = Win.partnership_id == user.partnership_id
    # What a shared private win celebrates stays in the database (Win.what is loaded
    # only where the member may read it; reading it elsewhere raises).
    wins = [
        *db.session.scalars(
            select(Win).options(undefer(Win.what)).where(mine, Win.goal_id.in_(readable))
        ),
        *db.session.scalars(
            select(Win).where(mine, Win.goal_id.in_(private), Win.shared_by_owner.is_(True))
        ),
    ]
    subjects = {(type(record).__name__, record.id) for rows in records.values() for record in rows}
    wins = [win for win in wins if (WIN_KINDS[win.kind], win.subject_id) in subjects]
    return sorted(wins, key=lambda win: (win.created_at, win.id))


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
