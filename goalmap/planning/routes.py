from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select

from goalmap.balance import quarter_loads
from goalmap.board import STAGES
from goalmap.database import lock_board
from goalmap.extensions import db
from goalmap.goals.forms import GoalForm
from goalmap.models import (
    Goal,
    GoalComment,
    GoalEvent,
    Lane,
    Quarter,
    SharedValue,
    Stage,
)
from goalmap.planning import service
from goalmap.planning.forms import OurGoalForm, ReviewForm
from goalmap.resources.forms import AvailabilityForm
from goalmap.resources.routes import my_availability
from goalmap.scoping import countable_goals, get_or_404, hidden_goals, scoped, viewer

bp = Blueprint("planning", __name__, url_prefix="/quarters/<int:quarter_id>/session")


def _quarter(quarter_id: int) -> Quarter:
    return get_or_404(Quarter, quarter_id)


def _planning(quarter: Quarter) -> Quarter:
    if quarter.state != "planning":
        abort(409, "This quarter has started; its plan is on the board.")
    return quarter


def _taking_a_seat(quarter_id: int) -> Quarter:
    """The quarter, still being planned, with its board locked and read afresh: members
    acting at once (or one member clicking twice) take their seats in turn."""
    quarter = _quarter(quarter_id)
    lock_board(quarter.id)
    return _planning(quarter)


def _goals(quarter: Quarter, *where) -> list[Goal]:
    stmt = scoped(Goal).where(Goal.quarter_id == quarter.id, *where)
    return db.session.scalars(stmt.order_by(Goal.owner_id, Goal.id)).all()


def _comments(goals: list[Goal]) -> dict[int, list[GoalComment]]:
    rows = db.session.scalars(
        scoped(GoalComment)
        .where(GoalComment.goal_id.in_([g.id for g in goals]))
        .order_by(GoalComment.created_at)
    )
    comments: dict[int, list[GoalComment]] = {}
    for comment in rows:
        comments.setdefault(comment.goal_id, []).append(comment)
    return comments


def _default_stage() -> Stage:
    """New session goals go to the second column ("This quarter" by default)."""
    stages = db.session.scalars(STAGES, viewer()).all()
    return stages[1] if len(stages) > 1 else stages[0]


def _step(quarter: Quarter, step: str, status: int = 200, **context):
    seats = service.members(quarter)
    return render_template(
        f"planning/{step.replace('-', '_')}.html",
        quarter=quarter,
        step=step,
        steps=service.STEPS,
        seats=seats,
        me=next(s for s in seats if s.user_id == current_user.id),
        **context,
    ), status


@bp.get("")
@login_required
def start(quarter_id: int):
    """Resume the session at its first step."""
    quarter = _quarter(quarter_id)
    first = "look-back" if quarter.previous_id else "my-goals"
    if quarter.state != "planning":
        first = "agree"
    return redirect(url_for(".step", quarter_id=quarter.id, step=first))


@bp.get("/<step>")
@login_required
def step(quarter_id: int, step: str):
    """One step of the session."""
    quarter = _quarter(quarter_id)
    if step not in STEP_PAGES:
        abort(404)
    return STEP_PAGES[step](quarter)


def _context_look_back(quarter: Quarter, review_form: ReviewForm | None = None, status=200):
    previous = quarter.previous
    if previous is None:
        return _step(quarter, "look-back", status, previous=None)
    goals = _goals(previous)
    events = db.session.scalars(
        scoped(GoalEvent).where(GoalEvent.quarter_id == previous.id).order_by(GoalEvent.created_at)
    ).all()
    carried = {e.goal_id for e in events if e.kind == "carried_over"}
    carried_goals = db.session.scalars(scoped(Goal).where(Goal.id.in_(carried))).all()
    hidden = len(db.session.execute(hidden_goals(previous.id)).all())
    return _step(
        quarter,
        "look-back",
        status,
        previous=previous,
        open_goals=[g for g in goals if g.status in ("active", "paused")],
        achieved=[g for g in goals if g.status == "done"],
        dropped=[g for g in goals if g.status == "dropped"],
        carried=carried_goals,
        reasons={e.goal_id: e.note for e in events if e.kind == "dropped"},
        hidden=hidden,
        review_form=review_form or ReviewForm(),
    )


def _context_my_goals(quarter: Quarter, form: GoalForm | None = None, status=200):
    goals = _goals(quarter, Goal.owner_id.is_not(None))
    mine = [g for g in goals if g.owner_id == current_user.id]
    theirs = [g for g in goals if g.owner_id != current_user.id]
    return _step(
        quarter,
        "my-goals",
        status,
        mine=mine,
        theirs=theirs,
        comments=_comments(goals),
        form=form or GoalForm(),
    )


def _shared_lanes() -> list[Lane]:
    return db.session.scalars(
        scoped(Lane).where(Lane.owner_id.is_(None)).order_by(Lane.position)
    ).all()


def _context_our_goals(quarter: Quarter, form: OurGoalForm | None = None, status=200):
    values = db.session.scalars(scoped(SharedValue).order_by(SharedValue.name)).all()
    if form is None:
        form = OurGoalForm()
        form.set_values(values)
    goals = _goals(quarter, Goal.owner_id.is_(None))
    return _step(
        quarter, "our-goals", status, goals=goals, form=form, lanes=_shared_lanes(), values=values
    )


def _context_resources(quarter: Quarter):
    mine = my_availability(quarter)
    currency = current_user.partnership.currency
    form = AvailabilityForm(obj=mine, currency=currency)
    form.version.data = mine.version if mine else 0
    return _step(
        quarter,
        "resources",
        form=form,
        loads=quarter_loads(quarter, current_user),
        currency=currency,
        goals=_goals(quarter),
    )


def _context_agree(quarter: Quarter):
    counts = dict(
        db.session.execute(
            select(Goal.owner_id, func.count())
            .where(*countable_goals(), Goal.quarter_id == quarter.id)
            .group_by(Goal.owner_id)
        ).all()
    )
    return _step(quarter, "agree", counts=counts)


STEP_PAGES = {
    "look-back": _context_look_back,
    "my-goals": _context_my_goals,
    "our-goals": _context_our_goals,
    "resources": _context_resources,
    "agree": _context_agree,
}


@bp.post("/review/<int:goal_id>")
@login_required
def review(quarter_id: int, goal_id: int):
    """Carry over, mark done or drop one open goal of the previous quarter."""
    quarter = _planning(_quarter(quarter_id))
    goal = get_or_404(Goal, goal_id)
    if quarter.previous_id is None or goal.quarter_id != quarter.previous_id:
        abort(404)
    if not goal.editable_by(current_user):
        abort(403, "Only its owner decides about a personal goal.")
    form = ReviewForm()
    if not form.validate_on_submit():
        return _context_look_back(quarter, form, 422)
    lock_board(quarter.id)
    lock_board(goal.quarter_id, goal)
    try:
        service.review(goal, form.decision.data, current_user, quarter, form.reason.data or "")
    except service.SessionRefused as refusal:
        db.session.rollback()
        flash(str(refusal), "error")
    else:
        db.session.commit()
        flash(_decided[form.decision.data].format(title=goal.title), "success")
    return redirect(url_for(".step", quarter_id=quarter.id, step="look-back"))


_decided = {
    "carry": "“{title}” comes along into this quarter.",
    "done": "“{title}” is done. Well done!",
    "drop": "“{title}” is dropped; its reason is kept in its history.",
}


@bp.post("/my-goals")
@login_required
def add_my_goal(quarter_id: int):
    """Draft a personal goal; the partner sees it only after both are ready."""
    quarter = _planning(_quarter(quarter_id))
    form = GoalForm()
    if not form.validate_on_submit():
        return _context_my_goals(quarter, form, 422)
    lane = db.session.scalar(scoped(Lane).where(Lane.owner_id == current_user.id))
    lock_board(quarter.id)
    Goal.new(
        quarter,
        lane,
        _default_stage(),
        created_by_id=current_user.id,
        **form.values(lane_is_shared=False),
    )
    db.session.commit()
    return redirect(url_for(".step", quarter_id=quarter.id, step="my-goals"))


@bp.post("/ready")
@login_required
def ready(quarter_id: int):
    """Say "my goals are drafted"; when everyone has, all drafts are shown at once."""
    quarter = _taking_a_seat(quarter_id)
    service.mark_ready(quarter, current_user)
    db.session.commit()
    if quarter.revealed_at:
        flash("Everyone is ready: your goals are now shown to each other.", "success")
    else:
        flash("You are ready. Your goals stay hidden until your partner is ready too.", "info")
    return redirect(url_for(".step", quarter_id=quarter.id, step="my-goals"))


@bp.post("/our-goals")
@login_required
def add_our_goal(quarter_id: int):
    """Agree a shared goal, optionally tied to one of the partnership's values."""
    quarter = _planning(_quarter(quarter_id))
    values = db.session.scalars(scoped(SharedValue).order_by(SharedValue.name)).all()
    form = OurGoalForm()
    form.set_values(values)
    if not form.validate_on_submit():
        return _context_our_goals(quarter, form, 422)
    lane = get_or_404(Lane, form.lane_id.data)
    if not lane.is_shared:
        abort(422, "Shared goals go in a shared lane.")
    value = get_or_404(SharedValue, form.value_id.data) if form.value_id.data else None
    lock_board(quarter.id)
    Goal.new(
        quarter,
        lane,
        _default_stage(),
        created_by_id=current_user.id,
        value=value,
        **form.values(lane_is_shared=True),
    )
    db.session.commit()
    return redirect(url_for(".step", quarter_id=quarter.id, step="our-goals"))


@bp.post("/confirm")
@login_required
def confirm(quarter_id: int):
    """Agree to the plan; the quarter starts when every member has."""
    quarter = _taking_a_seat(quarter_id)
    service.confirm(quarter, current_user)
    db.session.commit()
    if quarter.state == "active":
        flash(f"{quarter.name} has started. Have a good quarter!", "success")
        return redirect(url_for("board.show", quarter_id=quarter.id))
    flash("You agreed. The quarter starts when your partner agrees too.", "info")
    return redirect(url_for(".step", quarter_id=quarter.id, step="agree"))
