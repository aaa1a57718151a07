"""The statements of the flexibility area. Decisions are read through ``scoped``, which
leaves out those about another member's private goal; ``hidden_decisions`` counts them."""

from datetime import date
from functools import cache

from sqlalchemy import Date, bindparam, func, select

from goalmap.extensions import db
from goalmap.models import (
    OPEN_STATUSES,
    FlexAcknowledgement,
    FlexDecision,
    FlexEntry,
    FlexFollowUp,
    FlexImpact,
    Goal,
    ProtocolVersion,
    Quarter,
    User,
)
from goalmap.scoping import VIEWER, scoped, viewer


def current_protocol(user: User) -> ProtocolVersion | None:
    return db.session.scalar(
        scoped(ProtocolVersion, user=user).order_by(ProtocolVersion.number.desc()).limit(1)
    )


def protocol_versions(user: User) -> list[ProtocolVersion]:
    return db.session.scalars(
        scoped(ProtocolVersion, user=user).order_by(ProtocolVersion.number.desc())
    ).all()


def entries(
    user: User, quarter_id: int | None = None, raised_by: int | None = None, kind: str | None = None
) -> list[FlexEntry]:
    """The log, newest first, filtered as asked."""
    stmt = scoped(FlexEntry, user=user)
    if quarter_id:
        stmt = stmt.where(FlexEntry.quarter_id == quarter_id)
    if raised_by:
        stmt = stmt.where(FlexEntry.raised_by_id == raised_by)
    if kind:
        stmt = stmt.where(FlexEntry.kind == kind)
    return db.session.scalars(
        stmt.order_by(FlexEntry.happened_on.desc(), FlexEntry.created_at.desc())
    ).all()


def decisions(entry_ids, user: User) -> dict[int, list[FlexDecision]]:
    """The decisions of each entry that ``user`` may see, oldest first."""
    rows = db.session.scalars(
        scoped(FlexDecision, user=user)
        .where(FlexDecision.entry_id.in_(entry_ids))
        .order_by(FlexDecision.created_at)
    ).all()
    out: dict[int, list[FlexDecision]] = {entry_id: [] for entry_id in entry_ids}
    for row in rows:
        out[row.entry_id].append(row)
    return out


def hidden_decisions(entry_ids, user: User) -> dict[int, dict[str, int]]:
    """How many decisions of each entry were about another member's private goal, by
    owner: what the partner learns of them (that there were some, never which)."""
    rows = db.session.execute(
        select(FlexDecision.entry_id, User.display_name, func.count())
        .join(Goal, Goal.id == FlexDecision.goal_id)
        .join(User, User.id == Goal.owner_id)
        .where(
            FlexDecision.partnership_id == user.partnership_id,
            FlexDecision.entry_id.in_(entry_ids),
            Goal.is_private.is_(True),
            Goal.owner_id != user.id,
        )
        .group_by(FlexDecision.entry_id, User.display_name)
    ).all()
    out: dict[int, dict[str, int]] = {}
    for entry_id, name, number in rows:
        out.setdefault(entry_id, {})[name] = number
    return out


def impacts(entry_ids, user: User) -> dict[int, list[FlexImpact]]:
    rows = db.session.scalars(
        scoped(FlexImpact, user=user)
        .where(FlexImpact.entry_id.in_(entry_ids))
        .order_by(FlexImpact.created_at)
    ).all()
    out: dict[int, list[FlexImpact]] = {entry_id: [] for entry_id in entry_ids}
    for row in rows:
        out[row.entry_id].append(row)
    return out


def impact_of(entry: FlexEntry, user: User) -> FlexImpact | None:
    return db.session.scalar(
        scoped(FlexImpact, user=user).where(
            FlexImpact.entry_id == entry.id, FlexImpact.user_id == user.id
        )
    )


def acknowledged_by(entry: FlexEntry) -> set[int]:
    return set(
        db.session.scalars(
            select(FlexAcknowledgement.user_id).where(FlexAcknowledgement.entry_id == entry.id)
        )
    )


def proposals(entry: FlexEntry) -> list[FlexDecision]:
    """Every proposal of the entry, whoever may see its goal: they apply together."""
    return db.session.scalars(
        select(FlexDecision)
        .where(FlexDecision.entry_id == entry.id, FlexDecision.state == "proposed")
        .order_by(FlexDecision.created_at)
    ).all()


def follow_ups(entry_ids, user: User) -> dict[int, FlexFollowUp]:
    rows = db.session.scalars(
        scoped(FlexFollowUp, user=user).where(FlexFollowUp.entry_id.in_(entry_ids))
    ).all()
    return {row.entry_id: row for row in rows}


def due(user: User, today: date) -> list[FlexEntry]:
    """Agreed entries whose look-again date has come, with no follow-up yet."""
    return db.session.scalars(_due(), viewer(user, today=today)).all()


@cache  # built once (see scoping.VIEWER): the board asks on every visit
def _due():
    answered = select(FlexFollowUp.entry_id)
    return (
        scoped(FlexEntry, user=VIEWER)
        .where(
            FlexEntry.state == "agreed",
            FlexEntry.look_again_on <= bindparam("today", type_=Date),
            FlexEntry.id.not_in(answered),
        )
        .order_by(FlexEntry.look_again_on)
    )


def still_paused(entry: FlexEntry, user: User) -> list[Goal]:
    """The goals the entry paused that are paused still, of those ``user`` may see (the
    partner's private goal is theirs to resume)."""
    return db.session.scalars(
        scoped(Goal, user=user)
        .join(FlexDecision, FlexDecision.goal_id == Goal.id)
        .where(
            FlexDecision.entry_id == entry.id,
            FlexDecision.action == "pause",
            FlexDecision.state == "applied",
            Goal.status == "paused",
            Goal.deleted_at.is_(None),
        )
    ).all()


def quarter_after(quarter: Quarter) -> Quarter | None:
    return db.session.scalar(
        select(Quarter).where(
            Quarter.partnership_id == quarter.partnership_id, Quarter.previous_id == quarter.id
        )
    )


def goals_to_decide(quarter: Quarter, user: User) -> list[Goal]:
    """The quarter's goals the member may see and decide on: live, not done, not a
    draft (drafts belong to a quarter being planned, never to the current one)."""
    return db.session.scalars(
        scoped(Goal, user=user)
        .where(Goal.quarter_id == quarter.id, Goal.status.in_(OPEN_STATUSES))
        .order_by(Goal.lane_id, Goal.position)
    ).all()


def quarters(user: User) -> list[Quarter]:
    return db.session.scalars(scoped(Quarter, user=user).order_by(Quarter.starts_on.desc())).all()
