"""Domain functions of personal development contracts.

The rules: a contract is made on one of its owner's personal goals (at most one open
contract per goal: the database keeps it so); only a member other than the owner
signs, and signing makes the newest terms the ones in force; only the owner checks
in, renegotiates, completes or releases; a draft can be discarded, a contract is never
deleted. Every step that others may take at the same moment is one guarded statement.
"""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import update

from goalmap.contracts import queries
from goalmap.database import once
from goalmap.extensions import db
from goalmap.models import Contract, ContractCheckIn, ContractTerms, Goal, User, utcnow
from goalmap.notifications import service as notifications
from goalmap.wins import service as wins


class Refused(Exception):
    """Not this member's to do, or not in this state; the message says why."""


@dataclass
class Terms:
    commitment: str
    success: str
    support: str
    cadence: str
    starts_on: date
    ends_on: date


def make(goal: Goal, user: User, terms: Terms, shown_to_partner: bool) -> Contract | None:
    """A draft contract on ``user``'s own personal goal; None when the goal has an open
    contract already (made a moment ago, perhaps in another window)."""
    if goal.owner_id != user.id:
        raise Refused("A contract is made on one of your own personal goals.")
    contract = Contract(
        partnership_id=goal.partnership_id,
        goal_id=goal.id,
        owner_id=user.id,
        shown_to_partner=shown_to_partner,
    )
    if not once(lambda: db.session.add(contract)):
        return None
    db.session.flush()
    _draft_terms(contract, 1, terms)
    return contract


def _draft_terms(contract: Contract, number: int, terms: Terms) -> ContractTerms:
    row = ContractTerms(
        partnership_id=contract.partnership_id,
        contract_id=contract.id,
        number=number,
        commitment=terms.commitment,
        success=terms.success,
        support=terms.support,
        cadence=terms.cadence,
        starts_on=terms.starts_on,
        ends_on=terms.ends_on,
    )
    if not once(lambda: db.session.add(row)):
        raise Refused("New terms were drafted a moment ago, in another window.")
    db.session.refresh(contract, ["terms"])
    return row


def sign(contract: Contract, user: User, seen: int) -> None:
    """The witness signs the terms they were shown (number ``seen``): a draft becomes
    active, renegotiated terms come into force."""
    if user.id == contract.owner_id:
        raise Refused("A contract is witnessed by your partner, not by you.")
    if not contract.is_open:
        raise Refused("This contract is closed.")
    signed = db.session.execute(
        update(ContractTerms)
        .where(
            ContractTerms.contract_id == contract.id,
            ContractTerms.number == seen,
            ContractTerms.signed_at.is_(None),
        )
        .values(signed_by_id=user.id, signed_at=utcnow()),
        execution_options={"synchronize_session": False},
    ).rowcount
    if signed != 1:
        raise Refused("These terms were signed, or changed, a moment ago.")
    _bump(contract, state="active")
    db.session.refresh(contract, ["terms"])
    notifications.notify("contract_signed", [contract.owner], user, contract=contract)


def renegotiate(contract: Contract, user: User, terms: Terms) -> ContractTerms:
    """The owner proposes new terms; the earlier ones stay in force until the witness
    signs these, and in the history for good."""
    _owner_only(contract, user)
    if contract.state != "active" or contract.pending is not None:
        raise Refused("Only an active contract without unsigned terms is renegotiated.")
    drafted = _draft_terms(contract, contract.terms[-1].number + 1, terms)
    notifications.notify(
        "contract_renegotiated", contract.partnership.members, user, contract=contract
    )
    return drafted


def check_in(contract: Contract, user: User, progress: int, note: str) -> ContractCheckIn:
    _owner_only(contract, user)
    if contract.state != "active":
        raise Refused("Check-ins are for an active contract.")
    row = ContractCheckIn(
        partnership_id=contract.partnership_id,
        contract_id=contract.id,
        user_id=user.id,
        on_day=contract.partnership.today(),
        progress=progress,
        note=note,
    )
    db.session.add(row)
    return row


def encourage(check_in_row: ContractCheckIn, contract: Contract, user: User, words: str) -> bool:
    """The witness answers a check-in, once; False when someone answered it first."""
    if user.id == contract.owner_id:
        raise Refused("Encouragement comes from your partner.")
    answered = db.session.execute(
        update(ContractCheckIn)
        .where(ContractCheckIn.id == check_in_row.id, ContractCheckIn.encouragement.is_(None))
        .values(encouragement=words, encouraged_by_id=user.id, encouraged_at=utcnow()),
        execution_options={"synchronize_session": False},
    ).rowcount
    if answered == 1:
        notifications.notify("encouraged", [contract.owner], user, contract=contract)
    return answered == 1


def complete(contract: Contract, user: User, seen: int) -> None:
    """The owner completes an active contract: a win, celebrated once."""
    _owner_only(contract, user)
    _close(contract, seen, "completed", "active")
    kept = contract.current.commitment if contract.current else contract.goal.title
    quarter = contract.goal.quarter
    if quarter.is_read_only:  # a reviewed quarter stays as it was: the win counts now
        quarter = queries.running_quarter(user) or quarter
    wins.celebrate("contract", contract.id, contract.goal, user, kept, quarter.id)


def release(contract: Contract, user: User, seen: int, reflection: str) -> None:
    """The owner lets an active contract go, with a few words of reflection."""
    _owner_only(contract, user)
    _close(contract, seen, "released", "active", reflection=reflection)


def discard(contract: Contract, user: User, seen: int) -> None:
    """The owner throws a draft away (it is kept, marked discarded, never deleted)."""
    _owner_only(contract, user)
    _close(contract, seen, "discarded", "draft")


def _owner_only(contract: Contract, user: User) -> None:
    if user.id != contract.owner_id:
        raise Refused("Only the contract's owner can do that.")


def _close(contract: Contract, seen: int, state: str, from_state: str, **values) -> None:
    closed = db.session.execute(
        update(Contract)
        .where(Contract.id == contract.id, Contract.version == seen, Contract.state == from_state)
        .values(state=state, closed_at=utcnow(), version=Contract.version + 1, **values),
        execution_options={"synchronize_session": "fetch"},
    ).rowcount
    if closed != 1:
        raise Refused("This contract changed a moment ago; look at it again.")


def _bump(contract: Contract, **values) -> None:
    db.session.execute(
        update(Contract)
        .where(Contract.id == contract.id)
        .values(version=Contract.version + 1, **values),
        execution_options={"synchronize_session": "fetch"},
    )


def chart(check_ins: list[ContractCheckIn], terms: ContractTerms | None, width=240, height=60):
    """The points of a small progress chart: days across the terms, progress up."""
    if not check_ins or terms is None:
        return []
    span = max((terms.ends_on - terms.starts_on).days, 1)

    def x(day: date) -> float:
        return round(min(max((day - terms.starts_on).days / span, 0), 1) * width, 1)

    return [(x(row.on_day), round(height - row.progress / 100 * height, 1)) for row in check_ins]
