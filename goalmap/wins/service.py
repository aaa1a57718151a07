"""Domain functions of wins.

A win is unique by what it celebrates, in the database: celebrating the same thing twice
(a double submit, a retry, both partners at once) leaves one win, and undoing a
completion withdraws the win that redoing it brings back.
"""

from sqlalchemy import delete, select, update

from goalmap.database import once
from goalmap.extensions import db
from goalmap.models import Appreciation, Goal, Partnership, User, Win, WinReaction, WinSeen, utcnow


def celebrate(
    kind: str, subject_id: int, goal: Goal, user: User, what: str, quarter_id: int | None = None
) -> bool:
    """``user`` completed ``what`` (a milestone, a goal or a contract, ``kind``, of id
    ``subject_id``, on ``goal``): its win, made once or brought back if it was withdrawn.
    True when this call made or brought it back: the member who did it has had its
    celebration then; their partners have it the next time they open the board.
    ``quarter_id``: the quarter the win counts in, when not its goal's (a contract kept
    after its goal's quarter was reviewed counts in the quarter that runs)."""
    win = Win(
        partnership_id=goal.partnership_id,
        kind=kind,
        subject_id=subject_id,
        goal_id=goal.id,
        quarter_id=quarter_id or goal.quarter_id,
        owner_id=goal.owner_id,
        user_id=user.id,
        what=what[:300],
    )
    if once(lambda: db.session.add(win)):
        mark_seen([win.id], user)
        return True
    back = db.session.execute(
        update(Win)
        .where(Win.kind == kind, Win.subject_id == subject_id, Win.withdrawn_at.is_not(None))
        .values(withdrawn_at=None, user_id=user.id),
        execution_options={"synchronize_session": False},
    ).rowcount
    if back:
        Partnership.touch(goal.partnership_id)
    return back == 1


def withdraw(kind: str, subject_id: int, partnership_id: int) -> bool:
    """The completion was undone: its win leaves the wall (and comes back on a redo)."""
    gone = db.session.execute(
        update(Win)
        .where(Win.kind == kind, Win.subject_id == subject_id, Win.withdrawn_at.is_(None))
        .values(withdrawn_at=utcnow()),
        execution_options={"synchronize_session": False},
    ).rowcount
    if gone:
        Partnership.touch(partnership_id)
    return gone == 1


def mark_seen(win_ids: list[int], user: User) -> int:
    """``user`` has had these wins' celebrations; how many were new to them."""
    seen = set(
        db.session.scalars(
            select(WinSeen.win_id).where(WinSeen.user_id == user.id, WinSeen.win_id.in_(win_ids))
        )
    )
    added = 0
    for win_id in win_ids:
        if win_id in seen:
            continue
        row = WinSeen(partnership_id=user.partnership_id, win_id=win_id, user_id=user.id)
        added += once(lambda row=row: db.session.add(row))
    return added


class Refused(Exception):
    """Not this member's to do; the message says why."""


def appreciate(win: Win, author: User, body: str) -> Appreciation:
    """A note of appreciation on a win someone else completed."""
    if win.user_id == author.id:
        raise Refused("Appreciation is for your partner's wins and your shared ones.")
    note = Appreciation(
        partnership_id=win.partnership_id, win_id=win.id, author_id=author.id, body=body
    )
    db.session.add(note)
    return note


def react(win: Win, user: User, reaction: str, on: bool) -> None:
    """Turn ``user``'s ``reaction`` to ``win`` on or off (a form says which, so the same
    request sent twice changes nothing the second time)."""
    if not on:
        removed = db.session.execute(
            delete(WinReaction).where(
                WinReaction.win_id == win.id,
                WinReaction.user_id == user.id,
                WinReaction.reaction == reaction,
            )
        ).rowcount
        if removed:
            Partnership.touch(win.partnership_id)
        return
    row = WinReaction(
        partnership_id=win.partnership_id, win_id=win.id, user_id=user.id, reaction=reaction
    )
    once(lambda: db.session.add(row))  # a twin sent at the same moment turned it on already


def share(win: Win, user: User, shared: bool) -> None:
    """The owner of a private goal's win shows it to the partner as "a private win", or
    stops showing it."""
    if win.owner_id != user.id:
        raise Refused("Only the win's owner can choose whether their partner sees it.")
    db.session.execute(
        update(Win).where(Win.id == win.id).values(shared_by_owner=shared),
        execution_options={"synchronize_session": False},
    )
    Partnership.touch(win.partnership_id)
