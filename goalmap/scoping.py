"""The one path by which views read partnership data.

Every query for a partnership's records starts from :func:`scoped`, which
filters by the signed-in member's partnership, hides soft-deleted rows and
hides the content of the other members' private goals. Views load objects
through :func:`get_or_404` and take partnership, lane and owner from what was
loaded, never from the URL or the form.

The models' own bookkeeping reads past this path, keyed on a record loaded through
it: a cell's ids and ranks (``Goal._others``), the quarter a change
locks (``database.lock_board``). It reads no content.
"""

from functools import cache

from flask import abort
from flask_login import current_user
from sqlalchemy import Integer, Select, bindparam, case, func, literal, or_, select
from sqlalchemy.orm import aliased, with_expression

from goalmap.extensions import db
from goalmap.models import (
    MAX_INTEGER,
    Appreciation,
    Contract,
    ContractCheckIn,
    ContractTerms,
    FlexDecision,
    Goal,
    Milestone,
    Notification,
    Ritual,
    RitualException,
    RitualRule,
    User,
    WeeklyAnswer,
    Win,
    WinReaction,
    WinSeen,
    YearlyAnswer,
)


class BoundViewer:
    """The member as bound parameters, for a statement built once and run on every visit.

    ``scoped(Lane, user=VIEWER)`` filters exactly as ``scoped(Lane)`` does, with the
    member's id and partnership left as parameters that :func:`viewer` fills in. Building
    a statement costs more than running it (a board's took about 0.3 ms), and SQLAlchemy
    keeps a built statement's cache key, so the pages people open most build theirs once.
    A statement run without the parameters fails; it cannot read another partnership.
    """

    id = bindparam("viewer_id", type_=Integer)
    partnership_id = bindparam("viewer_partnership_id", type_=Integer)


VIEWER = BoundViewer()


def viewer(user: User | None = None, **params) -> dict:
    """The parameters of a statement built for :data:`VIEWER`: who looks, and ``params``."""
    user = user or current_user
    return {**params, "viewer_id": user.id, "viewer_partnership_id": user.partnership_id}


def scoped(
    model, *, user: User | BoundViewer | None = None, include_deleted: bool = False
) -> Select:
    """``SELECT model`` limited to what ``user`` (default: the signed-in member; see
    :class:`BoundViewer`) may read."""
    user = user or current_user
    stmt = select(model).where(model.partnership_id == user.partnership_id)
    if hasattr(model, "deleted_at") and not include_deleted:
        stmt = stmt.where(model.deleted_at.is_(None))
    if model is Goal:
        stmt = stmt.where(_visible(user))
    if model is Contract:
        stmt = stmt.where(_contract_visible(user))
    if model in (ContractTerms, ContractCheckIn):
        visible = select(Contract.id).where(
            Contract.partnership_id == user.partnership_id, _contract_visible(user)
        )
        stmt = stmt.where(model.contract_id.in_(visible))
    if model is WeeklyAnswer:  # a partner's answers show once the member gave theirs
        own = aliased(WeeklyAnswer)
        weeks = select(own.week_of).where(own.user_id == user.id)
        stmt = stmt.where(or_(WeeklyAnswer.user_id == user.id, WeeklyAnswer.week_of.in_(weeks)))
    if model is YearlyAnswer:  # revealed together: once the member gave theirs
        own = aliased(YearlyAnswer)
        reviews = select(own.review_id).where(own.user_id == user.id)
        stmt = stmt.where(or_(YearlyAnswer.user_id == user.id, YearlyAnswer.review_id.in_(reviews)))
    if model is Milestone:  # a goal's milestones are as visible as the goal
        stmt = stmt.where(Milestone.goal_id.in_(_visible_goal_ids(user)))
    if model is Win:
        stmt = stmt.where(_win_visible(user)).options(
            with_expression(Win.title, case((_win_readable(user), Win.what), else_=literal(None)))
        )
    if model in (Appreciation, WinReaction, WinSeen):
        visible = select(Win.id).where(
            Win.partnership_id == user.partnership_id, _win_visible(user)
        )
        stmt = stmt.where(model.win_id.in_(visible))
    if model is Ritual:  # a partner's private solo slot shows as "solo time", never what
        stmt = stmt.options(
            with_expression(
                Ritual.title, case((_ritual_readable(user), Ritual.what), else_=literal(None))
            )
        )
    if model in (RitualRule, RitualException):  # as visible as their ritual (not deleted)
        live = select(Ritual.id).where(
            Ritual.partnership_id == user.partnership_id, Ritual.deleted_at.is_(None)
        )
        stmt = stmt.where(model.ritual_id.in_(live))
    if model is Notification:  # a member only ever reads their own notifications
        stmt = stmt.where(Notification.user_id == user.id)
    if model is FlexDecision:  # a decision names its goal: only a goal the member may see
        visible = select(Goal.id).where(Goal.partnership_id == user.partnership_id, _visible(user))
        stmt = stmt.where(FlexDecision.goal_id.is_(None) | FlexDecision.goal_id.in_(visible))
    return stmt


def _visible_goal_ids(user: User | BoundViewer) -> Select:
    """The goals (not deleted) ``user`` may see."""
    return select(Goal.id).where(
        Goal.partnership_id == user.partnership_id, Goal.deleted_at.is_(None), _visible(user)
    )


def _win_visible(user: User | BoundViewer):
    """A win is seen by whoever may see its goal (never a partner's draft or private
    goal), and a private goal's win by the partner too once its owner shares it."""
    live = select(Goal.id).where(
        Goal.partnership_id == user.partnership_id,
        Goal.deleted_at.is_(None),
        _visible(user) | Goal.is_draft.is_(False),
    )
    return (
        Win.withdrawn_at.is_(None)
        & Win.goal_id.in_(live)
        & (Win.goal_id.in_(_visible_goal_ids(user)) | Win.shared_by_owner.is_(True))
    )


def _win_readable(user: User | BoundViewer):
    """Whether ``user`` may read what a win celebrates: what they may read of its goal."""
    readable = select(Goal.id).where(Goal.partnership_id == user.partnership_id, _readable(user))
    return Win.goal_id.in_(readable)


def _ritual_readable(user: User | BoundViewer):
    """Whether ``user`` may read what a ritual is: theirs, shared, or not private."""
    return or_(Ritual.owner_id == user.id, Ritual.is_private.is_(False))


def _contract_visible(user: User | BoundViewer):
    """A contract is its owner's, and the partner's too unless it is on a private goal
    the owner did not choose to show."""
    open_goals = select(Goal.id).where(Goal.is_private.is_(False))
    return or_(
        Contract.owner_id == user.id,
        Contract.shown_to_partner.is_(True),
        Contract.goal_id.in_(open_goals),
    )


def _visible(user: User | BoundViewer):
    """The goals ``user`` may see: theirs, and the others' that are neither private nor
    a draft."""
    return or_(Goal.owner_id == user.id, Goal.is_private.is_(False) & Goal.is_draft.is_(False))


def get_or_404(model, ident, *, include_deleted: bool = False):
    """One record by id through :func:`scoped`; 404 when it is not the member's to see."""
    if not isinstance(ident, int) or not 0 < ident <= MAX_INTEGER:
        abort(404)  # no such record; PostgreSQL would refuse an id beyond its integers
    record = db.session.scalar(_by_id(model, include_deleted), viewer(ident=ident))
    if record is None:
        abort(404)
    return record


@cache
def _by_id(model, include_deleted: bool) -> Select:
    # Nearly every change loads its records by id: each model's statement is built once.
    return scoped(model, user=VIEWER, include_deleted=include_deleted).where(
        model.id == bindparam("ident", type_=Integer)
    )


def hidden_goals(quarter_id: int, user: User | None = None) -> Select:
    """Where the other members' private goals sit on a board, without any of their content.

    Drafts are left out altogether: until the reveal, not even their number shows.
    """
    user = user or current_user
    return select(Goal.id, Goal.lane_id, Goal.stage_id, Goal.position).where(
        Goal.partnership_id == user.partnership_id,
        Goal.quarter_id == quarter_id,
        Goal.deleted_at.is_(None),
        Goal.is_private.is_(True),
        Goal.is_draft.is_(False),
        Goal.owner_id != user.id,
    )


def hidden_goal_count(quarter_id: int, user: User | None = None, statuses=None) -> int:
    """How many of the other members' private goals a quarter holds (see hidden_goals),
    of ``statuses`` when given."""
    stmt = hidden_goals(quarter_id, user)
    if statuses is not None:
        stmt = stmt.where(Goal.status.in_(statuses))
    hidden = stmt.subquery()
    return db.session.scalar(select(func.count()).select_from(hidden))


# What every member may know of any goal on their board: that it is there, and where.
PLACE_COLUMNS = frozenset({"id", "lane_id", "stage_id", "position"})


def board_goals(quarter_id, columns, user: User | BoundViewer | None = None) -> Select:
    """A quarter's goals as the member's board shows them, in one query: their own and
    the shared ones with ``columns``; the other members' private goals with only their
    place (every other column NULL) and ``is_hidden`` true; drafts as in
    :func:`countable_goals`. The masking happens in the database, so the content of a
    private goal never leaves it for anyone but its owner."""
    user = user or current_user
    readable = _readable(user)
    shown = [
        column
        if column.key in PLACE_COLUMNS
        else case((readable, column), else_=literal(None)).label(column.key)
        for column in columns
    ]
    hidden = case((readable, literal(False)), else_=literal(True)).label("is_hidden")
    return (
        select(*shown, hidden)
        .where(*countable_goals(user), Goal.quarter_id == quarter_id)
        .order_by(Goal.position)
    )


def countable_goals(user: User | BoundViewer | None = None) -> tuple:
    """Criteria for goals whose numbers (load, counts) the member may see.

    The other members' private goals count (so a lane's load stays honest);
    their drafts do not exist yet for anyone but their owner.
    """
    user = user or current_user
    return (
        Goal.partnership_id == user.partnership_id,
        Goal.deleted_at.is_(None),
        or_(Goal.is_draft.is_(False), Goal.owner_id == user.id),
    )


def readable_title(user: User | BoundViewer | None = None):
    """A goal's title where the member may read it, else NULL: the database never sends
    the title of someone else's private goal."""
    return case((_readable(user or current_user), Goal.title), else_=literal(None)).label("title")


def _readable(user: User | BoundViewer):
    """Whether ``user`` may read a countable goal's content: theirs, or not private."""
    return or_(Goal.owner_id == user.id, Goal.is_private.is_(False))
