from dataclasses import dataclass

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from goalmap.board import queries as board
from goalmap.database import lock_board
from goalmap.extensions import db, htmx
from goalmap.flexibility import queries as flexibility
from goalmap.goals.forms import GoalForm
from goalmap.models import (
    OPEN_STATUSES,
    RITUAL_KINDS,
    Allocation,
    Goal,
    Lane,
    Quarter,
    SharedValue,
)
from goalmap.partnership.queries import shared_values
from goalmap.planning import bp, queries, service
from goalmap.planning.forms import AvailabilityRowForm, NoteRowForm, OurGoalForm, ReviewForm
from goalmap.resources import queries as resources
from goalmap.resources.service import quarter_loads
from goalmap.rituals import service as rituals
from goalmap.scoping import get_or_404
from goalmap.views import writable
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


def _context_look_back(
    quarter: Quarter, review_form: ReviewForm | None = None, status=200, failed: int | None = None
):
    previous = quarter.previous
    if previous is None:
        return _step(quarter, "look-back", status, previous=None)
    goals = queries.goals(previous, current_user)
    events = queries.events(previous, current_user)
    open_goals = [g for g in goals if g.status in OPEN_STATUSES]
    to_decide = [g for g in open_goals if g.editable_by(current_user)]
    changes = [e for e in flexibility.entries(current_user, previous.id) if e.state == "agreed"]
    change_ids = [e.id for e in changes]
    wins_then = wins.of_quarter(previous, current_user)
    return _step(
        quarter,
        "look-back",
        status,
        previous=previous,
        **win_cards(wins_then, current_user),
        to_decide=to_decide,
        theirs=[g for g in open_goals if g not in to_decide],
        outside={g.id for g in to_decide if not g.dates_fit(quarter)},
        achieved=[g for g in goals if g.status == "done"],
        dropped=[g for g in goals if g.status == "dropped"],
        carried=[g for g in goals if g.status == "carried"],
        reasons={e.goal_id: e.note for e in events if e.kind == "dropped"},
        hidden=board.hidden_count(previous, current_user, OPEN_STATUSES),
        review_form=review_form or ReviewForm(),
        failed=failed,
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


@dataclass
class NoteRow:
    """One goal's row of the Resources step: its form, the member's current note, the
    partners' notes, and what the last save of it did (see ``service.save_resources``)."""

    goal: Goal
    form: NoteRowForm
    mine: Allocation | None
    theirs: list[Allocation]
    outcome: str | None = None

    @property
    def is_open(self) -> bool:
        """Shown open: it has something to say that the member must read."""
        return bool(self.form.errors) or self.outcome == "conflict"


def _note_form(goal: Goal, mine: Allocation | None, posted: bool) -> NoteRowForm:
    currency = current_user.partnership.currency
    prefix = f"goal-{goal.id}"
    if posted:
        return NoteRowForm(prefix=prefix, currency=currency)
    form = NoteRowForm(prefix=prefix, formdata=None, obj=mine, currency=currency)
    form.replaces.data = mine.id if mine else 0
    return form


def _note_rows(quarter: Quarter, posted: bool = False) -> list[NoteRow]:
    """A row for every goal of ``quarter`` the member may read; filled from the request
    for the rows it sent, else from the member's current notes."""
    goals = queries.goals(quarter, current_user)
    notes = queries.current_notes(goals, current_user)
    rows = []
    for goal in goals:
        mine = next((n for n in notes.get(goal.id, []) if n.user_id == current_user.id), None)
        sent = posted and f"goal-{goal.id}-replaces" in request.form
        rows.append(
            NoteRow(
                goal,
                _note_form(goal, mine, sent),
                mine,
                [n for n in notes.get(goal.id, []) if n.user_id != current_user.id],
            )
        )
    return rows


def _availability_form(quarter: Quarter, posted: bool = False) -> AvailabilityRowForm:
    currency = current_user.partnership.currency
    if posted:
        return AvailabilityRowForm(prefix="availability", currency=currency)
    mine = resources.availability_of(quarter, current_user)
    # Nothing said yet for this quarter: start from what the member had last quarter.
    shown = mine or resources.availability_before(quarter, current_user)
    form = AvailabilityRowForm(prefix="availability", formdata=None, obj=shown, currency=currency)
    form.version.data = mine.version if mine else 0
    return form


def _valid(form) -> bool:
    """Check every field (all errors at once) and the currency."""
    valid = form.validate()
    return form.check_currency(current_user.partnership.currency) and valid


def _context_resources(
    quarter: Quarter,
    rows: list[NoteRow] | None = None,
    available: AvailabilityRowForm | None = None,
    status: int = 200,
    outcome: str | None = None,
    problem: str | None = None,
):
    rows = _note_rows(quarter) if rows is None else rows
    return _step(
        quarter,
        "resources",
        status,
        rows=rows,
        noted=sum(1 for row in rows if row.mine),
        available=available or _availability_form(quarter),
        available_outcome=outcome,
        problem=problem,
        loads=quarter_loads(quarter, current_user),
        currency=current_user.partnership.currency,
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
        return _context_look_back(quarter, form, 422, failed=goal.id)
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


# The Resources step: every row of the page at once (the page's one form, without
# JavaScript), or one row (htmx), answering with that row.
VARY = {"Vary": "HX-Request"}


@bp.post("/resources")
@login_required
def save_resources(quarter_id: int):
    """Save every row of the Resources step, all or nothing (the page without JavaScript)."""
    quarter = writable(_quarter(quarter_id))
    rows = _note_rows(quarter, posted=True)
    sent = [row for row in rows if f"goal-{row.goal.id}-replaces" in request.form]
    available = _availability_form(quarter, posted="availability-version" in request.form)
    checked = [_valid(row.form) for row in sent]  # every row, so every error shows
    if not (all(checked) and _valid(available)):
        return _context_resources(
            quarter, rows, available, 422, problem="Nothing was saved: fix the rows marked below."
        )
    outcomes = service.save_resources(
        quarter,
        current_user,
        [service.NoteSave(row.goal, row.form.values(), row.form.seen_note()) for row in sent],
        _availability_save(available) if "availability-version" in request.form else None,
    )
    if "conflict" in outcomes.values():
        db.session.rollback()
        return _context_resources(
            quarter,
            _after_conflict(quarter, rows, outcomes),
            _availability_after(quarter, available, outcomes.get(service.AVAILABILITY)),
            409,
            outcome=outcomes.get(service.AVAILABILITY),
            problem="Nothing was saved: a row changed meanwhile (marked below).",
        )
    db.session.commit()
    changed = sum(1 for outcome in outcomes.values() if outcome != "kept")
    flash(
        f"Saved {changed} row{'' if changed == 1 else 's'}." if changed else "Nothing had changed.",
        "success",
    )
    return redirect(url_for(".step", quarter_id=quarter.id, step="resources"))


def _availability_save(form: AvailabilityRowForm) -> service.AvailabilitySave:
    return service.AvailabilitySave(
        form.hours_per_week.data, form.budget.data, form.version.data or 0
    )


def _after_conflict(quarter: Quarter, rows: list[NoteRow], outcomes: dict) -> list[NoteRow]:
    """The rows again after a refused save: each keeps what was typed; a row in conflict
    shows the member's note as it is now and will replace that one when saved again."""
    current = {row.goal.id: row for row in _note_rows(quarter)}
    for row in rows:
        row.outcome = outcomes.get(row.goal.id)
        row.mine = current[row.goal.id].mine
        row.theirs = current[row.goal.id].theirs
        if row.outcome == "conflict":
            row.form.replaces.data = row.mine.id if row.mine else 0
            row.form.replaces.raw_data = None  # else the field shows the id sent
    return rows


def _availability_after(quarter: Quarter, form, outcome: str | None) -> AvailabilityRowForm:
    if outcome == "conflict":
        mine = resources.availability_of(quarter, current_user)
        form.version.data = mine.version if mine else 0
    return form


@bp.post("/resources/goals/<int:goal_id>")
@login_required
def save_note(quarter_id: int, goal_id: int):
    """Save one goal's row of the Resources step; htmx gets the row back."""
    quarter = writable(_quarter(quarter_id))
    goal = get_or_404(Goal, goal_id)
    if goal.quarter_id != quarter.id:
        abort(404)
    rows = _note_rows(quarter, posted=True)
    row = next(r for r in rows if r.goal.id == goal.id)
    status = 422
    if _valid(row.form):
        saving = service.NoteSave(goal, row.form.values(), row.form.seen_note())
        row.outcome = service.save_resources(quarter, current_user, [saving], None)[goal.id]
        status = _settle(row.outcome)
        if row.outcome == "conflict":
            row = _after_conflict(quarter, [row], {goal.id: "conflict"})[0]
        else:
            row = _saved_row(quarter, row)
    if not htmx:
        page = _context_resources(quarter, [row if r.goal.id == goal.id else r for r in rows])
        return page[0], status, VARY
    return _row_answer(quarter, "planning/_note_answer.html", status, row=row, rows=rows)


def _settle(outcome: str) -> int:
    """Commit a row's save, or undo it after a conflict; the answer's status."""
    if outcome == "conflict":
        db.session.rollback()
        return 409
    db.session.commit()
    return 200


def _saved_row(quarter: Quarter, row: NoteRow) -> NoteRow:
    """The row as it is now saved: a fresh form showing the member's current note."""
    fresh = next(r for r in _note_rows(quarter) if r.goal.id == row.goal.id)
    fresh.outcome = row.outcome
    return fresh


def _row_answer(quarter: Quarter, template: str, status: int, **context):
    """A row of the Resources step, with the loads and the count of noted goals out of
    band (the server counts them; the rest of the page may hold words being typed)."""
    rows = _note_rows(quarter)
    return (
        render_template(
            template,
            quarter=quarter,
            currency=current_user.partnership.currency,
            loads=quarter_loads(quarter, current_user),
            noted=sum(1 for r in rows if r.mine),
            total=len(rows),
            **{**context, "rows": rows},
        ),
        status,
        VARY,
    )


@bp.post("/resources/availability")
@login_required
def save_availability(quarter_id: int):
    """Save the row of what you have this quarter; htmx gets the row back."""
    quarter = writable(_quarter(quarter_id))
    form = _availability_form(quarter, posted=True)
    outcome, status = None, 422
    if _valid(form):
        saves = service.save_resources(quarter, current_user, [], _availability_save(form))
        outcome = saves[service.AVAILABILITY]
        status = _settle(outcome)
        form = _availability_after(quarter, form, outcome) if status == 409 else None
    if not htmx:
        return _context_resources(quarter, None, form, outcome=outcome)[0], status, VARY
    return _row_answer(
        quarter,
        "planning/_availability_answer.html",
        status,
        available=form or _availability_form(quarter),
        available_outcome=outcome,
    )
