"""Domain functions of the flexibility protocol and its log.

Consent: a decision about the decider's own personal goal takes effect when it is
made; any other (a shared goal, the partner's goal) is a proposal until every member
has acknowledged the entry, and a new such proposal takes back the others' earlier
acknowledgements (they agreed to less). When the last member acknowledges, every
proposal applies in that request's one transaction: if a goal changed since it was
decided on (its version moved), :class:`Stale` stops them all and the caller rolls the
whole request back.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import delete, select, update

from goalmap.database import lock_board, once
from goalmap.extensions import db
from goalmap.flexibility import queries
from goalmap.goals import service as goals
from goalmap.models import (
    DEFAULT_PROTOCOL,
    FlexAcknowledgement,
    FlexDecision,
    FlexEntry,
    FlexFollowUp,
    FlexImpact,
    Goal,
    ProtocolVersion,
    Quarter,
    User,
    utcnow,
)
from goalmap.notifications import service as notifications
from goalmap.resources import queries as resources
from goalmap.resources import service as notes


class Stale(Exception):
    """A goal changed after a decision about it was made; nothing of the entry applies."""

    def __init__(self, title: str):
        super().__init__(
            f"“{title}” changed after this was decided, so nothing was changed. "
            "Withdraw that decision and decide again on the goal as it is now."
        )


class Refused(Exception):
    """The entry cannot take this (withdrawn, agreed, not yours); the message says why."""


@dataclass
class Decision:
    """A decision as entered, before it is kept."""

    goal: Goal
    action: str
    reason: str = ""
    new_target_on: date | None = None
    new_hours: Decimal | None = None
    new_amount: Decimal | None = None
    seen_version: int | None = None  # the goal's version when it was decided on


# -- the protocol ----------------------------------------------------------------------


def protocol_steps(user: User) -> tuple[int, list[str]]:
    """The partnership's protocol: its version number (0: the default) and its steps."""
    current = queries.current_protocol(user)
    return (current.number, current.steps) if current else (0, list(DEFAULT_PROTOCOL))


def save_protocol(user: User, steps: list[str], seen: int) -> bool:
    """Keep ``steps`` as the protocol's next version after ``seen``; False, nothing
    written, when someone saved a version after ``seen`` meanwhile (the number is unique)."""
    version = ProtocolVersion(
        partnership_id=user.partnership_id,
        number=seen + 1,
        steps_text="\n".join(steps),
        created_by_id=user.id,
    )
    return once(lambda: db.session.add(version))


# -- the log ---------------------------------------------------------------------------


def raise_entry(user: User, quarter: Quarter, values: dict, impact: str, decisions) -> FlexEntry:
    """Open an entry in ``quarter``: the raiser's words, their decisions, and their
    acknowledgement of the entry as it stands."""
    number, _steps = protocol_steps(user)
    entry = FlexEntry(
        partnership_id=quarter.partnership_id,
        quarter_id=quarter.id,
        raised_by_id=user.id,
        protocol_number=number,
        **values,
    )
    db.session.add(entry)
    db.session.flush()
    db.session.add(
        FlexAcknowledgement(partnership_id=entry.partnership_id, entry_id=entry.id, user_id=user.id)
    )
    respond(entry, user, impact, decisions, acknowledge=False)
    return entry


def respond(entry: FlexEntry, user: User, impact: str, decisions, acknowledge: bool = True):
    """``user``'s part in an open entry: their words (once), their decisions, and, unless
    told otherwise, their acknowledgement. Returns True when it made the entry agreed."""
    if not entry.is_open:
        raise Refused("This entry is closed: an agreed or withdrawn entry is kept as it is.")
    if impact and queries.impact_of(entry, user) is None:
        words = FlexImpact(
            partnership_id=entry.partnership_id, entry_id=entry.id, user_id=user.id, words=impact
        )
        once(lambda: db.session.add(words))  # a second at once: the first words stay
    for decision in decisions:
        decide(entry, user, decision)
    if any(decision.goal.owner_id != user.id for decision in decisions):  # proposed: see decide
        notifications.notify("flex_proposed", entry.partnership.members, user, entry=entry)
    if acknowledge:
        return acknowledge_entry(entry, user)
    return False


def decide(entry: FlexEntry, user: User, decision: Decision) -> FlexDecision:
    """Add a decision to an open entry: applied now when the goal is ``user``'s own
    personal goal, otherwise proposed (and the other members' yes is taken back)."""
    goal = decision.goal
    row = FlexDecision(
        partnership_id=entry.partnership_id,
        entry_id=entry.id,
        goal_id=goal.id,
        decided_by_id=user.id,
        action=decision.action,
        reason=decision.reason,
        new_target_on=decision.new_target_on,
        new_hours=decision.new_hours,
        new_amount=decision.new_amount,
        goal_version=decision.seen_version or goal.version,
        state="proposed",
    )
    row.goal = goal
    db.session.add(row)
    db.session.flush()
    if goal.owner_id == user.id:
        _apply(row, entry, user)
    else:
        db.session.execute(
            delete(FlexAcknowledgement).where(
                FlexAcknowledgement.entry_id == entry.id, FlexAcknowledgement.user_id != user.id
            )
        )
    return row


def acknowledge_entry(entry: FlexEntry, user: User) -> bool:
    """``user`` says yes to the entry as it stands (twice is once). When every member
    has, its proposals apply together and it becomes a record; True then."""
    ack = FlexAcknowledgement(
        partnership_id=entry.partnership_id, entry_id=entry.id, user_id=user.id
    )
    if once(lambda: db.session.add(ack)):
        notifications.notify("flex_acknowledged", [entry.raised_by], user, entry=entry)
    _lock(entry)
    if not entry.is_open:
        return False  # agreed a moment ago, by the other acknowledgement
    if queries.acknowledged_by(entry) != {member.id for member in entry.partnership.members}:
        return False
    for decision in queries.proposals(entry):
        _apply(decision, entry, user)
    db.session.flush()  # the decisions first: once the entry is agreed, they are a record
    entry.state, entry.agreed_at = "agreed", utcnow()
    return True


def _lock(entry: FlexEntry) -> None:
    """Acknowledgements at once take turns on the entry's row, each reading it afresh."""
    db.session.scalars(
        select(FlexEntry)
        .where(FlexEntry.id == entry.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def _apply(decision: FlexDecision, entry: FlexEntry, user: User) -> None:
    goal = decision.goal
    if goal is None or goal.deleted_at is not None:
        raise Stale("A goal of this entry was deleted")
    lock_board(goal.quarter_id, goal)
    if goal.version != decision.goal_version:
        raise Stale(goal.title)
    trace = {"flex_entry_id": entry.id}
    because = f"({entry.event})"
    if decision.action == "pause":
        goals.set_status(goal, "paused", user, because, **trace)
    elif decision.action == "resume":
        goals.set_status(goal, "active", user, because, **trace)
    elif decision.action == "drop":
        goals.set_status(goal, "dropped", user, decision.reason or because, **trace)
    elif decision.action == "defer":
        _defer(goal, entry, user, trace)
    else:
        _shrink(goal, decision, entry, user, trace)
    decision.state, decision.applied_at = "applied", utcnow()


def _defer(goal: Goal, entry: FlexEntry, user: User, trace: dict) -> None:
    """To the next quarter: carried into it when it is planned already; otherwise paused,
    and the next look back offers to carry it."""
    later = queries.quarter_after(entry.quarter)
    if later is not None and later.state != "reviewed":
        goals.carry(goal, later, user, **trace)
    else:
        goals.set_status(goal, "paused", user, "Deferred to next quarter.", **trace)


def _shrink(goal: Goal, decision: FlexDecision, entry: FlexEntry, user: User, trace: dict):
    """Less of it: a new target date, and fewer hours or less money in the decider's note."""
    changed = []
    if decision.new_target_on is not None and decision.new_target_on != goal.target_on:
        goal.target_on = decision.new_target_on
        goal.version += 1
        changed.append(f"target {decision.new_target_on:%-d %b}")
    if decision.new_hours is not None or decision.new_amount is not None:
        current = resources.current_note(goal, user)
        values = {
            "hours_per_week": current.hours_per_week if current else None,
            "amount": current.amount if current else None,
            "money_period": current.money_period if current else "month",
            "energy": current.energy if current else None,
            "note": current.note if current else "",
        }
        if decision.new_hours is not None:
            values["hours_per_week"] = decision.new_hours
            changed.append(f"{decision.new_hours} h a week")
        if decision.new_amount is not None:
            values["amount"] = decision.new_amount
            changed.append(f"{decision.new_amount} {entry.partnership.currency}")
        if not notes.save_note(goal, user, values, current.id if current else None):
            raise Stale(goal.title)
    goals.record(
        goal, "edited", user, "Shrunk: " + ", ".join(changed or ["as agreed"]) + ".", **trace
    )


def withdraw_entry(entry: FlexEntry, user: User) -> None:
    """Whoever raised an entry not yet agreed may withdraw it: it is kept, marked so; its
    proposals never apply (decisions already applied to the raiser's own goals stay)."""
    if entry.raised_by_id != user.id:
        raise Refused("Only whoever raised an entry can withdraw it.")
    changed = db.session.execute(
        update(FlexEntry)
        .where(FlexEntry.id == entry.id, FlexEntry.state == "open")
        .values(state="withdrawn", withdrawn_at=utcnow())
    ).rowcount
    if changed != 1:
        raise Refused("This entry was agreed or withdrawn a moment ago.")
    db.session.execute(
        update(FlexDecision)
        .where(FlexDecision.entry_id == entry.id, FlexDecision.state == "proposed")
        .values(state="withdrawn")
    )


def withdraw_decision(decision: FlexDecision, entry: FlexEntry, user: User) -> None:
    """The decider takes back a proposal of an entry still open."""
    if decision.decided_by_id != user.id:
        raise Refused("Only whoever made a decision can withdraw it.")
    changed = db.session.execute(
        update(FlexDecision)
        .where(FlexDecision.id == decision.id, FlexDecision.state == "proposed")
        .where(
            FlexDecision.entry_id.in_(
                select(FlexEntry.id).where(FlexEntry.id == entry.id, FlexEntry.state == "open")
            )
        )
        .values(state="withdrawn")
    ).rowcount
    if changed != 1:
        raise Refused("That decision applied, or was withdrawn, a moment ago.")


def follow_up(entry: FlexEntry, user: User, note: str, resume: bool) -> bool:
    """Look again at an agreed entry: what happened since, and (``resume``) the goals it
    paused made active again. False when someone looked again at it first."""
    paused = queries.still_paused(entry, user) if resume else []
    record = FlexFollowUp(
        partnership_id=entry.partnership_id,
        entry_id=entry.id,
        user_id=user.id,
        note=note,
        resumed=len(paused),
    )
    if not once(lambda: db.session.add(record)):
        return False
    for goal in paused:
        lock_board(goal.quarter_id, goal)
        goals.set_status(
            goal, "active", user, f"(looked again at {entry.event})", flex_entry_id=entry.id
        )
    return True
