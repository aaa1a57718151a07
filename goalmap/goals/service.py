"""Domain functions for goals: what changes them, and the story each change leaves.

Done is one fact: a goal in the board's done column is done, and a done goal stands in
the done column. Every change that could split the two (a move, an edit of the status,
the look back's decisions) goes through here and keeps them together.
"""

from dataclasses import dataclass

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from goalmap.board import queries as board
from goalmap.extensions import db
from goalmap.goals import queries
from goalmap.models import Allocation, Goal, GoalComment, GoalEvent, Lane, Quarter, Stage, User
from goalmap.notifications import service as notifications
from goalmap.wins import service as wins

# The fields an edit can change, and how the story names them.
EDITED_FIELDS = {
    "title": "title",
    "notes": "notes",
    "starts_on": "start",
    "target_on": "target",
    "is_private": "privacy",
}


# An index past any cell's end: a move there puts the goal last.
LAST = 2**31 - 1


@dataclass
class Place:
    """Where a goal stands: its lane, stage and index in the cell (for an undo)."""

    lane_id: int
    stage_id: int
    index: int


def record(goal: Goal, kind: str, user: User, note: str = "", **trace) -> GoalEvent:
    """Add an entry to ``goal``'s story; ``trace``: what made the change (``flex_entry_id``)."""
    event = GoalEvent.about(goal, kind, user, note, quarter_id=goal.quarter_id, **trace)
    db.session.add(event)
    return event


def create(
    quarter: Quarter, lane: Lane, stage: Stage, user: User, values: dict, value=None
) -> Goal:
    """A new goal at the end of a cell; made done, it stands in the done column."""
    goal = Goal.new(quarter, lane, stage, created_by_id=user.id, value=value, **values)
    db.session.flush()
    record(goal, "created", user)
    if stage.is_done and goal.status != "done":
        goal.status = "done"
    elif goal.status == "done" and not stage.is_done:
        _to_column(goal, user)
    _follow_win(goal, user, was="active")
    return goal


def _follow_win(goal: Goal, user: User, was: str) -> None:
    """A goal made done is a win, celebrated once; reopened, its win is withdrawn (and
    done again, the same win comes back)."""
    if goal.status == "done" and was != "done":
        wins.celebrate("goal", goal.id, goal, user, goal.title)
    elif was == "done" and goal.status != "done":
        wins.withdraw("goal", goal.id, goal.partnership_id)


def place_of(goal: Goal) -> Place:
    return Place(goal.lane_id, goal.stage_id, goal.index_in_cell())


def move(
    goal: Goal, lane: Lane, stage: Stage, index: int, user: User
) -> tuple[int, str | None, Place | None]:
    """Move ``goal`` to ``index`` of the cell (lane, stage). Moving it into the done
    column marks it done; moving it out of the done column reopens it (a reorder within
    a column, or a board without a done column, leaves its status alone). Returns the
    index it took, "done" or "reopened" when its status followed the move, and then
    where it stood (for an undo)."""
    cell_before = (goal.lane_id, goal.stage_id)
    change = None
    if stage.id != goal.stage_id:
        if stage.is_done and goal.status != "done":
            change = "done"
        elif goal.status == "done" and goal.stage.is_done:
            change = "reopened"
    before = place_of(goal) if change else None
    place = goal.move_to(lane, stage, index)
    if cell_before != (lane.id, stage.id):
        record(goal, "moved", user, f"To {stage.name} in {lane.title}.")
    if change:
        _set(goal, "done" if change == "done" else "active")
        record(goal, change, user)
        _follow_win(goal, user, was="active" if change == "done" else "done")
    return place, change, before


def _set(goal: Goal, status: str) -> None:
    """A new status, and a new version: an edit form opened before it is now stale, so
    saving it is a conflict, never a silent undo of what the partner did."""
    goal.status = status
    goal.version += 1


def _to_column(goal: Goal, user: User) -> None:
    """Put a goal whose status changed where its status says: the done column for a
    done goal; for a reopened one, the column before it."""
    stages = board.stages(user)
    done = next((stage for stage in stages if stage.is_done), None)
    if done is None:
        return  # this board has no done column: the status alone says it
    if goal.status == "done" and goal.stage_id != done.id:
        goal.move_to(goal.lane, done, LAST)
        record(goal, "moved", user, f"To {done.name}.")
    elif goal.status != "done" and goal.stage_id == done.id:
        before = [stage for stage in stages if stage.position < done.position]
        others = before or [stage for stage in stages if not stage.is_done]
        if not others:
            return  # the done column is the board's only column
        target = others[-1] if before else others[0]
        goal.move_to(goal.lane, target, LAST)
        record(goal, "moved", user, f"To {target.name}.")


def edit(goal: Goal, version: int, values: dict, user: User) -> bool:
    """Save an edit made on ``version``; False (nothing written) if someone saved in
    between. The story notes what changed; a done goal goes to the done column."""
    before = {name: getattr(goal, name) for name in (*EDITED_FIELDS, "status")}
    if not goal.save_edit(version, **values):
        return False
    changed = [label for name, label in EDITED_FIELDS.items() if before[name] != values[name]]
    if changed:
        record(goal, "edited", user, "Changed the " + ", ".join(changed) + ".")
    if before["status"] != goal.status:
        set_status(goal, goal.status, user, was=before["status"])
    return True


def set_status(
    goal: Goal, status: str, user: User, note: str = "", was: str | None = None, **trace
):
    """Give ``goal`` a status, with its entry in the story; a goal made done goes to the
    done column, a done goal reopened leaves it. ``was``: the status before, when the
    goal already holds the new one (an edit saved it). ``trace``: see ``record``."""
    if was is None:
        was = goal.status
        _set(goal, status)
    if status == "done":
        record(goal, "done", user, note, **trace)
    elif status == "dropped":
        record(goal, "dropped", user, note, **trace)
    elif was == "done":
        record(goal, "reopened", user, note, **trace)
    else:
        change = f"{was.capitalize()} → {status.capitalize()}."
        record(goal, "status", user, f"{change} {note}".strip(), **trace)
    if (status == "done") != (was == "done"):
        _to_column(goal, user)
    _follow_win(goal, user, was)


def carry(goal: Goal, into: Quarter, user: User, shift_dates: bool = False, **trace) -> Goal:
    """Carry an open goal into ``into``: it stays in its quarter as "carried over" and goes
    on in a new goal there, with the partners' current notes of what it takes."""
    continuation = goal.continue_in(into, shift_dates)
    record(goal, "carried_over", user, f"Carried over into {into.name}.", **trace)
    record(continuation, "carried_in", user, f"Carried over from {goal.quarter.name}.", **trace)
    for note in queries.current_notes(goal, user):
        db.session.add(
            Allocation.on(
                continuation,
                note.user,
                hours_per_week=note.hours_per_week,
                amount=note.amount,
                money_period=note.money_period,
                energy=note.energy,
                note=note.note,
            )
        )
    return continuation


def places(goal: Goal, lane_id: int, stage_id: int, others: list) -> list[tuple[int, str, bool]]:
    """Where ``goal`` can go in a cell whose other goals are ``others`` (title and
    position, top to bottom), as (index, label, chosen): at the top, or after each of
    them. Chosen: where it is now, or the bottom of another cell."""
    here = (lane_id, stage_id) == (goal.lane_id, goal.stage_id)
    chosen = sum(1 for other in others if other.position < goal.position) if here else len(others)
    labels = ["At the top", *(f"After “{other.title}”" for other in others)]
    return [
        (
            index,
            f"{label} (where it is now)" if here and index == chosen else label,
            index == chosen,
        )
        for index, label in enumerate(labels)
    ]


def comment(goal: Goal, author: User, body: str) -> GoalComment:
    """A word on ``goal`` (comments never change the goal itself)."""
    words = _add_comment(goal, author, "comment", body)
    people = notifications.concerned(goal, author.partnership.members)
    notifications.notify("commented", people, author, goal=goal)
    return words


def cheer(goal: Goal, author: User) -> bool:
    """Cheer ``goal``; False when ``author`` cheered it already (a second cheer, even one
    sent at the same moment, is refused by the database and changes nothing)."""
    try:
        with db.session.begin_nested():
            _add_comment(goal, author, "cheer", "")
    except IntegrityError:
        return False
    people = notifications.concerned(goal, author.partnership.members)
    notifications.notify("cheered", people, author, goal=goal)
    return True


def _add_comment(goal: Goal, author: User, kind: str, body: str) -> GoalComment:
    # The goal's row first, then the comment (whose flush touches the partnership's row):
    # the order in which moves and edits lock them, so they cannot deadlock.
    db.session.execute(
        update(Goal).where(Goal.id == goal.id).values(comment_count=Goal.comment_count + 1),
        execution_options={"synchronize_session": False},
    )
    comment = GoalComment(
        partnership_id=goal.partnership_id,
        goal_id=goal.id,
        author_id=author.id,
        kind=kind,
        body=body,
    )
    db.session.add(comment)
    db.session.flush()
    return comment
