"""Domain functions of milestones.

The goal keeps how many milestones it has and how many are done, changed in the same
transaction as the milestone by one guarded statement each, so the card's "3 / 5" is
always the checklist's. Ticking a milestone is its win (``wins.service.celebrate``);
unticking or deleting it withdraws the win, and a redo brings the same win back.
"""

from datetime import date

from sqlalchemy import select, update

from goalmap.extensions import db
from goalmap.milestones import queries
from goalmap.models import Goal, Milestone, Partnership, User, utcnow
from goalmap.wins import service as wins


def _lock_goal(goal: Goal) -> None:
    """Serialise changes to one goal's checklist (PostgreSQL: a row lock; SQLite holds
    its write lock from the start)."""
    if db.engine.dialect.name != "sqlite":
        db.session.execute(select(Goal.id).where(Goal.id == goal.id).with_for_update())


def _count(goal: Goal, total: int = 0, done: int = 0) -> None:
    """Move the goal's counters on, and its partnership's clock (boards show the count)."""
    db.session.execute(
        update(Goal)
        .where(Goal.id == goal.id)
        .values(
            milestones_total=Goal.milestones_total + total,
            milestones_done=Goal.milestones_done + done,
        ),
        execution_options={"synchronize_session": False},
    )
    Partnership.touch(goal.partnership_id)


def add(goal: Goal, user: User, title: str, target_on: date | None) -> Milestone:
    """A new milestone at the end of ``goal``'s checklist."""
    _lock_goal(goal)
    milestone = Milestone(
        partnership_id=goal.partnership_id,
        goal_id=goal.id,
        title=title,
        target_on=target_on,
        position=queries.last_position(goal),
    )
    db.session.add(milestone)
    db.session.flush()
    _count(goal, total=1)
    return milestone


def rename(milestone: Milestone, seen: int, title: str, target_on: date | None) -> bool:
    """Save new words or a new date on the version the member saw; False when someone
    saved in between (nothing written)."""
    saved = db.session.execute(
        update(Milestone)
        .where(Milestone.id == milestone.id, Milestone.version == seen)
        .values(title=title, target_on=target_on, version=Milestone.version + 1),
        execution_options={"synchronize_session": "fetch"},
    ).rowcount
    return saved == 1


def tick(milestone: Milestone, user: User) -> bool:
    """Mark ``milestone`` done, once: False when it was done already (a double submit,
    or the partner a moment before), and nothing changes."""
    ticked = db.session.execute(
        update(Milestone)
        .where(
            Milestone.id == milestone.id,
            Milestone.done_at.is_(None),
            Milestone.deleted_at.is_(None),
        )
        .values(done_at=utcnow(), done_by_id=user.id, version=Milestone.version + 1),
        execution_options={"synchronize_session": "fetch"},
    ).rowcount
    if ticked != 1:
        return False
    _count(milestone.goal, done=1)
    wins.celebrate("milestone", milestone.id, milestone.goal, user, milestone.title)
    return True


def untick(milestone: Milestone) -> bool:
    """Mark a done milestone open again; its win leaves the wall."""
    opened = db.session.execute(
        update(Milestone)
        .where(
            Milestone.id == milestone.id,
            Milestone.done_at.is_not(None),
            Milestone.deleted_at.is_(None),
        )
        .values(done_at=None, done_by_id=None, version=Milestone.version + 1),
        execution_options={"synchronize_session": "fetch"},
    ).rowcount
    if opened != 1:
        return False
    _count(milestone.goal, done=-1)
    wins.withdraw("milestone", milestone.id, milestone.partnership_id)
    return True


def move(milestone: Milestone, direction: str, user: User) -> bool:
    """Swap ``milestone`` with the one above or below it; False at the list's end."""
    _lock_goal(milestone.goal)
    db.session.refresh(milestone)
    other = queries.neighbour(milestone, direction, user)
    if other is None:
        return False
    if other.position == milestone.position:  # added at the same moment: order them
        other.position += 1 if direction == "down" else -1
    milestone.position, other.position = other.position, milestone.position
    return True


def remove(milestone: Milestone) -> bool:
    """Delete softly (an undo brings it back); a done milestone's win is withdrawn."""
    removed = db.session.execute(
        update(Milestone)
        .where(Milestone.id == milestone.id, Milestone.deleted_at.is_(None))
        .values(deleted_at=utcnow(), version=Milestone.version + 1),
        execution_options={"synchronize_session": "fetch"},
    ).rowcount
    if removed != 1:
        return False
    _count(milestone.goal, total=-1, done=-1 if milestone.is_done else 0)
    if milestone.is_done:
        wins.withdraw("milestone", milestone.id, milestone.partnership_id)
    return True


def restore(milestone: Milestone, user: User) -> bool:
    """Undo a delete: the milestone comes back where it was, done if it was."""
    restored = db.session.execute(
        update(Milestone)
        .where(Milestone.id == milestone.id, Milestone.deleted_at.is_not(None))
        .values(deleted_at=None, version=Milestone.version + 1),
        execution_options={"synchronize_session": "fetch"},
    ).rowcount
    if restored != 1:
        return False
    _count(milestone.goal, total=1, done=1 if milestone.is_done else 0)
    if milestone.is_done:
        wins.celebrate("milestone", milestone.id, milestone.goal, user, milestone.title)
    return True
