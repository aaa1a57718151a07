"""Domain functions of the board: quarters, and the lanes and stages of every board."""

from datetime import date

from sqlalchemy import update

from goalmap.database import lock_partnership, once
from goalmap.extensions import db
from goalmap.models import Lane, Partnership, Quarter, Stage, User
from goalmap.scoping import scoped


def create_quarter(user: User, name: str, starts_on: date, ends_on: date) -> Quarter | None:
    """A new quarter of ``user``'s partnership; its board starts empty. None when a
    quarter of that name was made at the same moment (the form refuses a sequential one)."""
    quarter = Quarter(
        partnership_id=user.partnership_id, name=name, starts_on=starts_on, ends_on=ends_on
    )
    return quarter if once(lambda: db.session.add(quarter)) else None


def renumber(records) -> None:
    """Set ``position`` to 0..n-1 in the given order."""
    for i, record in enumerate(records):
        record.position = i


def move_in_order(records: list, record, offset: int) -> None:
    """Move ``record`` up (-1) or down (+1) in ``records`` and renumber them all."""
    index = records.index(record)
    target = max(0, min(len(records) - 1, index + offset))
    records.insert(target, records.pop(index))
    renumber(records)


def reorder(record: Lane | Stage, offset: int, user: User) -> None:
    """Move a lane or stage one place up (-1) or down (+1) among its partnership's."""
    model = type(record)
    lock_partnership(user.partnership)  # two reorders at once: one after the other
    records = db.session.scalars(scoped(model, user=user).order_by(model.position)).all()
    move_in_order(records, record, offset)


def append(model: type[Lane] | type[Stage], name: str, user: User) -> Lane | Stage:
    """A new shared lane at the bottom, or a new stage at the right, of every board."""
    lock_partnership(user.partnership)  # two at once: each gets a place of its own
    count = len(db.session.scalars(scoped(model, user=user)).all())
    record = model(partnership=user.partnership, name=name, position=count)
    db.session.add(record)
    return record


def choose_done_stage(user: User, stage: Stage | None) -> None:
    """Make ``stage`` the done column of ``user``'s partnership (None: no done column).
    Goals already on the board keep their status; from now on, moves follow the rule."""
    lock_partnership(user.partnership)  # two choices at once: one after the other
    db.session.execute(
        update(Stage)
        .where(Stage.partnership_id == user.partnership_id, Stage.is_done.is_(True))
        .values(is_done=False),
        execution_options={"synchronize_session": "fetch"},
    )
    if stage is not None:
        # A statement, not the loaded object: it was read before this request waited
        # for the lock, and may still say "done" when a choice meanwhile undid it, so
        # setting it again would look like no change and write nothing.
        db.session.execute(
            update(Stage).where(Stage.id == stage.id).values(is_done=True),
            execution_options={"synchronize_session": "fetch"},
        )
    Partnership.touch(user.partnership_id)  # statements: the flush hook does not see them
