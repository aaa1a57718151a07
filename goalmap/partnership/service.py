"""Domain functions for partnerships: founding one, joining one, shaping its board."""

from sqlalchemy import delete, func, select, update

from goalmap import outbox
from goalmap.board.service import renumber
from goalmap.database import lock_partnership, once
from goalmap.extensions import db
from goalmap.filters import day_text
from goalmap.models import (
    DEFAULT_SHARED_LANE,
    DEFAULT_STAGES,
    DONE_STAGE,
    Allocation,
    Appreciation,
    Availability,
    Contract,
    ContractCheckIn,
    ContractTerms,
    Goal,
    GoalComment,
    GoalEvent,
    Invite,
    Lane,
    Milestone,
    Partnership,
    PlanningSeat,
    Quarter,
    SharedValue,
    Stage,
    User,
    Win,
    WinReaction,
    WinSeen,
)
from goalmap.partnership.queries import shared_value_named


class JoinRefused(Exception):
    """Joining would lose or mix up data; the message says why."""


class EmailTaken(JoinRefused):
    """A new account's email was taken at the same moment (the form refuses a later one)."""


class InviteGone(JoinRefused):
    """The invite was used (a moment ago, by someone else), revoked or expired."""


def found_partnership(user: User) -> Partnership:
    """Give a new account a partnership of its own, with the default lanes and stages."""
    partnership = Partnership(name=f"{user.display_name}'s partnership")
    db.session.add(partnership)
    user.partnership = partnership
    db.session.add(user)
    user.colour = partnership.free_colour()
    db.session.add_all(
        Stage(partnership=partnership, name=name, position=i, is_done=name == DONE_STAGE)
        for i, name in enumerate(DEFAULT_STAGES)
    )
    db.session.add(Lane(partnership=partnership, owner=user, name=user.display_name, position=0))
    db.session.add(Lane(partnership=partnership, name=DEFAULT_SHARED_LANE, position=1))
    return partnership


def mail_invite(invite: Invite, token: str, to: str, by: User) -> bool:
    """Mail the invite's link to ``to`` as well (it stays usable by the link alone)."""
    db.session.flush()  # the invite's id names the mail
    text = INVITE_MAIL.format(
        inviter=by.display_name,
        partnership=invite.partnership.name,
        link=outbox.link("partnership.join_page", token=token),
        expires=day_text(invite.expires_at, year=True),
    )
    subject = f"{by.display_name} invites you to plan together on Goalmap"
    return outbox.queue(
        f"invite:{invite.id}", to, subject, text, user=by, send_before=invite.expires_at
    )


INVITE_MAIL = """Hello,

{inviter} invites you to join “{partnership}” on Goalmap, to plan your quarters
together on one board: a lane of your own, and shared lanes for your life together.

Open this link to join, signed in or with a new account:

{link}

It works once, and until {expires}. Not expecting this? Ignore it: nothing happens.
"""


def join(user: User, invite: Invite) -> None:
    """Move ``user`` into the invite's partnership and use the invite up.

    A member of a partnership with other members, or with plans of their own,
    is refused: leaving a partnership is its own decision, never a side effect.
    """
    target = invite.partnership
    if user.partnership_id == target.id:
        raise JoinRefused("You are already a member of this partnership.")
    if not invite.consume():  # someone else used it a moment ago (or it just expired)
        raise InviteGone()
    old = user.partnership
    if old is not None:
        lock_partnership(old)
        if len(old.members) > 1:
            raise JoinRefused("You already share a partnership with someone else.")
        has_plans = db.session.scalar(select(func.count()).where(Quarter.partnership_id == old.id))
        if has_plans:
            raise JoinRefused(
                "Your account already has quarters of its own; joining would leave them behind."
            )
    colour = target.free_colour()  # before the newcomer counts as a member
    if old is not None:
        db.session.execute(delete(Lane).where(Lane.partnership_id == old.id))
        db.session.execute(delete(Stage).where(Stage.partnership_id == old.id))
        db.session.execute(delete(Invite).where(Invite.partnership_id == old.id))
    user.partnership = target
    user.colour = colour
    invite.used_by = user
    if not once(lambda: db.session.add(user)):  # a new account, its email taken a moment ago
        raise EmailTaken()
    if old is not None:
        db.session.delete(old)
    # The new member's lane goes after the other personal lanes, before the shared ones.
    lanes = db.session.scalars(
        select(Lane).where(Lane.partnership_id == target.id).order_by(Lane.position)
    ).all()
    personal = sum(1 for lane in lanes if not lane.is_shared)
    lane = Lane(partnership=target, owner=user, name=user.display_name, position=0)
    db.session.add(lane)
    renumber([*lanes[:personal], lane, *lanes[personal:]])


def leave(user: User) -> Partnership:
    """Leave the partnership (after a breakup, say) for one of your own.

    The leaving member takes their personal goals, with their history, comments
    and allocation notes, into a new partnership with the same quarters and
    columns. Shared goals and the shared history stay with those who remain.
    """
    old = user.partnership
    lock_partnership(old)
    if len(old.members) == 1:
        raise JoinRefused("You are the only member; there is no one to leave.")
    new = Partnership(name=f"{user.display_name}'s partnership", currency=old.currency)
    db.session.add(new)
    old_stages = db.session.scalars(
        select(Stage).where(Stage.partnership_id == old.id).order_by(Stage.position)
    ).all()
    stages = {
        s.id: Stage(partnership=new, name=s.name, position=s.position, is_done=s.is_done)
        for s in old_stages
    }
    lane = Lane(partnership=new, owner=user, name=user.display_name, position=0)
    db.session.add_all([*stages.values(), lane])
    db.session.add(Lane(partnership=new, name=DEFAULT_SHARED_LANE, position=1))
    goals = db.session.scalars(
        select(Goal).where(Goal.partnership_id == old.id, Goal.owner_id == user.id)
    ).all()
    quarters: dict[int, Quarter] = {}
    for goal in goals:
        if goal.quarter_id not in quarters:
            q = goal.quarter
            quarters[q.id] = Quarter(
                partnership=new,
                name=q.name,
                starts_on=q.starts_on,
                ends_on=q.ends_on,
                state=q.state,
                revealed_at=q.revealed_at,
                started_at=q.started_at,
            )
            db.session.add(quarters[q.id])
    db.session.flush()
    for goal in goals:
        # Same cell, same position: the old lane held only this member's goals.
        goal.partnership_id = new.id
        goal.quarter_id = quarters[goal.quarter_id].id
        goal.lane_id = lane.id
        goal.stage_id = stages[goal.stage_id].id
        goal.value_id = None
    moved = [goal.id for goal in goals]
    for model in (Allocation, GoalEvent, GoalComment, Milestone, Contract):
        db.session.execute(
            update(model).where(model.goal_id.in_(moved)).values(partnership_id=new.id)
        )
    contracts = select(Contract.id).where(Contract.goal_id.in_(moved))
    for model in (ContractTerms, ContractCheckIn):
        db.session.execute(
            update(model).where(model.contract_id.in_(contracts)).values(partnership_id=new.id)
        )
    for goal in goals:  # a goal's wins count in its quarter, in the new partnership
        db.session.execute(
            update(Win)
            .where(Win.goal_id == goal.id)
            .values(partnership_id=new.id, quarter_id=goal.quarter_id)
        )
    wins = select(Win.id).where(Win.goal_id.in_(moved))
    for model in (Appreciation, WinReaction, WinSeen):
        db.session.execute(
            update(model).where(model.win_id.in_(wins)).values(partnership_id=new.id)
        )
    for model in (PlanningSeat, Availability):
        db.session.execute(
            delete(model).where(model.partnership_id == old.id, model.user_id == user.id)
        )
    db.session.flush()
    db.session.execute(delete(Lane).where(Lane.partnership_id == old.id, Lane.owner_id == user.id))
    user.partnership = new
    return new


def delete_account(user: User) -> None:
    """Delete the account and everything personal to it (nothing to do when another
    window deleted it a moment ago).

    Shared goals stay with the remaining members; a partnership left with no one is
    deleted whole.
    """
    # The account's row first: a second deletion at once waits here, then finds nothing.
    if db.session.scalar(select(User.id).where(User.id == user.id).with_for_update()) is None:
        return
    partnership = user.partnership
    lock_partnership(partnership)
    alone = len(partnership.members) == 1
    where = (
        Goal.partnership_id == partnership.id
        if alone
        else (Goal.partnership_id == partnership.id) & (Goal.owner_id == user.id)
    )
    db.session.execute(delete(Goal).where(where))
    db.session.execute(delete(Lane).where(Lane.owner_id == user.id))
    db.session.delete(user)
    db.session.flush()
    if alone:
        db.session.delete(partnership)


def add_shared_value(user: User, name: str) -> SharedValue:
    """Name something the partnership cares about (once: the same name twice is one)."""
    value = shared_value_named(user, name)
    if value is None:
        value = SharedValue(partnership_id=user.partnership_id, name=name)
        if not once(lambda: db.session.add(value)):  # named at the same moment
            value = shared_value_named(user, name)
    return value


def remove_shared_value(value: SharedValue) -> bool:
    """Remove a shared value (goals that served it keep their place, without the link);
    False when another request removed it first."""
    removed = db.session.execute(delete(SharedValue).where(SharedValue.id == value.id))
    Partnership.touch(value.partnership_id)  # a statement: the flush hook does not see it
    return removed.rowcount == 1
