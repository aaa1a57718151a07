"""The statements of the contracts area, all through ``scoped``: a contract on a private
goal the owner did not show is the owner's alone, with its terms and check-ins."""

from datetime import date
from functools import cache

from sqlalchemy import bindparam, func, select

from goalmap.extensions import db
from goalmap.models import Contract, ContractCheckIn, Goal, Quarter, User
from goalmap.scoping import VIEWER, scoped, viewer


def contracts(
    user: User, owner: int | None = None, state: str | None = None, goal_id: int | None = None
) -> list[Contract]:
    stmt = scoped(Contract, user=user)
    if goal_id:
        stmt = stmt.where(Contract.goal_id == goal_id)
    if owner:
        stmt = stmt.where(Contract.owner_id == owner)
    if state:
        stmt = stmt.where(Contract.state == state)
    return db.session.scalars(stmt.order_by(Contract.created_at.desc())).all()


def open_contract(goal: Goal, user: User) -> Contract | None:
    return db.session.scalar(
        scoped(Contract, user=user).where(
            Contract.goal_id == goal.id, Contract.state.in_(("draft", "active"))
        )
    )


def check_ins(contract_ids, user: User) -> dict[int, list[ContractCheckIn]]:
    rows = db.session.scalars(
        scoped(ContractCheckIn, user=user)
        .where(ContractCheckIn.contract_id.in_(contract_ids))
        .order_by(ContractCheckIn.on_day, ContractCheckIn.created_at)
    ).all()
    out: dict[int, list[ContractCheckIn]] = {contract_id: [] for contract_id in contract_ids}
    for row in rows:
        out[row.contract_id].append(row)
    return out


def last_days(contract_ids, user: User) -> dict[int, date]:
    """The day of each contract's last check-in, in one query."""
    if not contract_ids:
        return {}
    rows = db.session.execute(_last_days(), viewer(user, ids=list(contract_ids))).all()
    return dict(rows)


def active_of(user: User) -> list[Contract]:
    """The active contracts the member may see (for what falls due)."""
    return db.session.scalars(_active(), viewer(user)).all()


# Built once (see scoping.VIEWER): the board asks for what falls due on every visit.
@cache
def _active():
    return scoped(Contract, user=VIEWER).where(Contract.state == "active")


@cache
def _last_days():
    visible = scoped(ContractCheckIn, user=VIEWER).with_only_columns(ContractCheckIn.id)
    return (
        select(ContractCheckIn.contract_id, func.max(ContractCheckIn.on_day))
        .where(
            ContractCheckIn.contract_id.in_(bindparam("ids", expanding=True)),
            ContractCheckIn.id.in_(visible),
        )
        .group_by(ContractCheckIn.contract_id)
    )


def goal_as_seen(contract: Contract, user: User) -> Goal | None:
    """The contract's goal as the member may see it (None: another's private goal)."""
    return db.session.scalar(
        scoped(Goal, user=user, include_deleted=True).where(Goal.id == contract.goal_id)
    )


def due(user: User) -> list[tuple[Contract, date]]:
    """The active contracts the member may see whose check-in day has come (the longest
    overdue first), by the partnership's calendar."""
    active = active_of(user)
    if not active:
        return []
    last = last_days([contract.id for contract in active], user)
    today = user.partnership.today()
    days = [(contract, contract.next_check_in(last.get(contract.id))) for contract in active]
    return sorted(((c, day) for c, day in days if day and day <= today), key=lambda p: p[1])


def due_goal_ids(user: User) -> frozenset[int]:
    """The goals whose contract waits for a check-in: their cards say so."""
    return frozenset(contract.goal_id for contract, _day in due(user))


def running_quarter(user: User) -> Quarter | None:
    """The partnership's active quarter, if one runs (the newest, should two)."""
    stmt = scoped(Quarter, user=user).where(Quarter.state == "active")
    return db.session.scalars(stmt.order_by(Quarter.starts_on.desc()).limit(1)).first()
