from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from goalmap.board import queries as board
from goalmap.database import lock_board
from goalmap.extensions import db
from goalmap.flexibility import queries as flexibility
from goalmap.goals.forms import GoalForm
from goalmap.models import OPEN_STATUSES, RITUAL_KINDS, Goal, Lane, Quarter, SharedValue
from goalmap.partnership.queries import shared_values
from goalmap.planning import bp, queries, service
from goalmap.planning.forms import OurGoalForm, ReviewForm
from goalmap.resources import queries as resources
from goalmap.resources.forms import AvailabilityForm
from goalmap.resources.service import quarter_loads
from goalmap.rituals import service as rituals
from goalmap.scoping import get_or_404
from goalmap.wins import queries as wins
from goalmap.wins.forms import cards as win_cards


def _quarter(quarter_id: int) -> Quarter:
    return get_or_404(Quarter, quarter_id)


def _planning(quarter: Quarter) -> Quarter:
    if quarter.state != "planning":
        abort(409, "This quarter has started; its plan is on the board.")
    return quarter


def _act(quarter_id: int, act) -> Quarter:
    """Do ``act`` (ready, agree) for the signed-in member in the quarter still being
    planned, with its board locked and read afresh: members acting at once (or one member
    clicking twice) take their seats in turn."""
    quarter = _quarter(quarter_id)
    lock_board(quarter.id)
    act(_planning(quarter), current_user)
    db.session.commit()
    return quarter


def _default_stage():
    """New session goals go to the second column ("This quarter" by default)."""
    stages = board.stages(current_user)
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
    goals = queries.goals(previous, current_user)
    events = queries.events(previous, current_user)
    open_goals = [g for g in goals if g.status in OPEN_STATUSES]
    changes = [e for e in flexibility.entries(current_user, previous.id) if e.state == "agreed"]
    change_ids = [e.id for e in changes]
    wins_then = wins.of_quarter(previous, current_user)
    return _step(
        quarter,
        "look-back",
        status,
        previous=previous,
        **win_cards(wins_then, current_user),
        open_goals=open_goals,
        outside={g.id for g in open_goals if not g.dates_fit(quarter)},
        achieved=[g for g in goals if g.status == "done"],
        dropped=[g for g in goals if g.status == "dropped"],
        carried=[g for g in goals if g.status == "carried"],
        reasons={e.goal_id: e.note for e in events if e.kind == "dropped"},
        hidden=board.hidden_count(previous, current_user, OPEN_STATUSES),
        review_form=review_form or ReviewForm(),
        changes=changes,
        change_decisions=flexibility.decisions(change_ids, current_user),
        change_hidden=flexibility.hidden_decisions(change_ids, current_user),
    )


def _context_my_goals(quarter: Quarter, form: GoalForm | None = None, status=200):
    goals = queries.goals(quarter, current_user, Goal.owner_id.is_not(None))
    mine = [g for g in goals if g.owner_id == current_user.id]
    theirs = [g for g in goals if g.owner_id != current_user.id]
    return _step(
        quarter,
        "my-goals",
        status,
        mine=mine,
        theirs=theirs,
        comments=queries.comments(goals, current_user),
        form=form or GoalForm(),
    )


def _context_our_goals(quarter: Quarter, form: OurGoalForm | None = None, status=200):
    values = shared_values(current_user)
    if form is None:
        form = OurGoalForm()
        form.set_values(values)
    goals = queries.goals(quarter, current_user, Goal.owner_id.is_(None))
    lanes = board.shared_lanes(current_user)
    return _step(quarter, "our-goals", status, goals=goals, form=form, lanes=lanes, values=values)


def _context_resources(quarter: Quarter):
    mine = resources.availability_of(quarter, current_user)
    currency = current_user.partnership.currency
    # Nothing said yet for this quarter: start from what the member had last quarter.
    shown = mine or resources.availability_before(quarter, current_user)
    form = AvailabilityForm(obj=shown, currency=currency)
    form.version.data = mine.version if mine else 0
    return _step(
        quarter,
        "resources",
        form=form,
        loads=quarter_loads(quarter, current_user),
        currency=currency,
        goals=queries.goals(quarter, current_user),
        # A reviewed quarter's session is a look back: its ritual hours are the kept ones
        # in the loads above, not the rituals as they stand now.
        rituals=[] if quarter.is_read_only else rituals.in_quarter(quarter, current_user),
        kinds=RITUAL_KINDS,
    )


def _context_agree(quarter: Quarter):
    return _step(quarter, "agree", counts=queries.goal_counts(quarter, current_user))


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
        service.review(
            goal,
            form.decision.data,
            current_user,
            quarter,
            form.reason.data or "",
            shift_dates=form.dates.data == "move",
        )
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
    "drop": "“{title}” is dropped; its reason is kept in its story.",
}


def _add_goal(quarter: Quarter, lane: Lane, form: GoalForm, value: SharedValue | None = None):
    """Draft ``form``'s goal in ``lane`` and go back to the step it was drafted in."""
    lock_board(quarter.id)
    values = form.values(lane_is_shared=lane.is_shared)
    service.add_goal(quarter, lane, _default_stage(), current_user, values, value)
    db.session.commit()
    step = "our-goals" if lane.is_shared else "my-goals"
    return redirect(url_for(".step", quarter_id=quarter.id, step=step))


@bp.post("/my-goals")
@login_required
def add_my_goal(quarter_id: int):
    """Draft a personal goal; the partner sees it only after both are ready."""
    quarter = _planning(_quarter(quarter_id))
    form = GoalForm()
    if not form.validate_on_submit():
        return _context_my_goals(quarter, form, 422)
    return _add_goal(quarter, board.own_lane(current_user), form)


@bp.post("/ready")
@login_required
def ready(quarter_id: int):
    """Say "my goals are drafted"; when everyone has, all drafts are shown at once."""
    quarter = _act(quarter_id, service.mark_ready)
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
    form = OurGoalForm()
    form.set_values(shared_values(current_user))
    if not form.validate_on_submit():
        return _context_our_goals(quarter, form, 422)
    lane = get_or_404(Lane, form.lane_id.data)
    if not lane.is_shared:
        abort(422, "Shared goals go in a shared lane.")
    value = get_or_404(SharedValue, form.value_id.data) if form.value_id.data else None
    return _add_goal(quarter, lane, form, value)


@bp.post("/confirm")
@login_required
def confirm(quarter_id: int):
    """Agree to the plan; the quarter starts when every member has."""
    quarter = _act(quarter_id, service.confirm)
    if quarter.state == "active":
        flash(f"{quarter.name} has started. Have a good quarter!", "success")
        return redirect(url_for("board.show", quarter_id=quarter.id))
    flash("You agreed. The quarter starts when your partner agrees too.", "info")
    return redirect(url_for(".step", quarter_id=quarter.id, step="agree"))
