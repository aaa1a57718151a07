from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from goalmap.board import queries as board
from goalmap.extensions import db
from goalmap.models import Allocation, Goal, Quarter, utcnow
from goalmap.resources import bp, queries, service
from goalmap.resources.forms import AllocationForm, AvailabilityForm, PromptsForm
from goalmap.scoping import get_or_404
from goalmap.views import id_arg, open_quarter, safe_next, writable


@bp.route("/goals/<int:goal_id>/allocations", methods=["GET", "POST"])
@login_required
def allocations(goal_id: int):
    """What a goal takes from each partner: time, money, energy, and a note; with history."""
    goal = get_or_404(Goal, goal_id)
    currency = current_user.partnership.currency
    mine = queries.current_note(goal, current_user)
    form = AllocationForm(obj=mine if request.method == "GET" else None, currency=currency)
    if request.method == "GET":
        form.replaces.data = mine.id if mine else 0
    status = 200
    if form.is_submitted():
        writable(goal.quarter)
        if form.validate_on_submit() and form.check_currency(currency):
            if service.save_note(goal, current_user, form.values(), form.seen_note()):
                return _saved("Saved your note.", url_for(".allocations", goal_id=goal.id))
            status = _conflict("Your note was changed meanwhile (in another window?).")
            mine = queries.current_note(goal, current_user)
            form.replaces.data = mine.id if mine else 0
        else:
            status = 422
    return render_template(
        "resources/allocations.html",
        goal=goal,
        form=form,
        notes=queries.notes(goal, current_user),
        mine=mine,
        currency=currency,
    ), status


def _saved(done: str, back: str):
    """After a guarded save that held: commit, say ``done``, go back (``next``, else
    ``back``)."""
    db.session.commit()
    flash(done, "success")
    return redirect(safe_next(back))


def _conflict(message: str) -> int:
    """After a guarded save that found something newer: nothing is written; say so. The
    view shows the form again, with what is current."""
    db.session.rollback()
    flash(message, "error")
    return 409


def _own_note(allocation_id: int) -> tuple[Allocation, Goal]:
    """One of the member's own notes, on a goal of a quarter that can still change."""
    note = get_or_404(Allocation, allocation_id)
    if note.user_id != current_user.id:
        abort(403, "Only its author can remove or restore an allocation note.")
    goal = get_or_404(Goal, note.goal_id)
    writable(goal.quarter)
    return note, goal


@bp.post("/allocations/<int:allocation_id>/remove")
@login_required
def remove(allocation_id: int):
    """Set one of your notes aside (kept in the history, and it can be undone)."""
    note, goal = _own_note(allocation_id)
    if note.replaced_at is None:
        note.replaced_at = utcnow()
        db.session.commit()
    flash({"text": "Removed the note.", "undo": url_for(".restore", allocation_id=note.id)}, "undo")
    return redirect(url_for(".allocations", goal_id=goal.id))


@bp.post("/allocations/<int:allocation_id>/restore")
@login_required
def restore(allocation_id: int):
    """Undo removing a note."""
    note, goal = _own_note(allocation_id)
    back = url_for(".allocations", goal_id=goal.id)
    if service.restore_note(note, current_user):
        return _saved("The note is back.", back)
    _conflict("Your note was changed meanwhile (in another window?); nothing was restored.")
    return redirect(back)


@bp.route("/quarters/<int:quarter_id>/availability", methods=["GET", "POST"])
@login_required
def availability(quarter_id: int):
    """What you have for goals this quarter: hours a week and a money budget."""
    quarter = get_or_404(Quarter, quarter_id)
    mine = queries.availability_of(quarter, current_user)
    currency = current_user.partnership.currency
    # Nothing said yet for this quarter: start from what the member had last quarter.
    shown = mine or queries.availability_before(quarter, current_user)
    form = AvailabilityForm(obj=shown if request.method == "GET" else None, currency=currency)
    if request.method == "GET":
        form.version.data = mine.version if mine else 0
    status = 200
    if form.is_submitted():
        writable(quarter)
        if form.validate_on_submit() and form.check_currency(currency):
            seen = form.version.data or 0
            hours, budget = form.hours_per_week.data, form.budget.data
            if service.save_availability(quarter, current_user, seen, hours, budget):
                back = url_for(".balance_page", quarter_id=quarter.id)
                return _saved("Saved what you have this quarter.", back)
            status = _conflict("You changed this in another window meanwhile; save again.")
            current = queries.availability_of(quarter, current_user)
            form.version.data = current.version if current else 0
        else:
            status = 422
    return render_template("resources/availability.html", quarter=quarter, form=form), status


@bp.get("/balance")
@login_required
def balance_now():
    """The balance of the current quarter, or of the one picked in the switcher."""
    picked = id_arg("quarter")
    if picked is not None:
        return open_quarter(get_or_404(Quarter, picked), ".balance_page")
    return open_quarter(board.current_quarter(current_user), ".balance_page")


@bp.get("/quarters/<int:quarter_id>/balance")
@login_required
def balance_page(quarter_id: int):
    """How time and goals split between each partner's own life and the shared one."""
    quarter = get_or_404(Quarter, quarter_id)
    # The quarter's balance counts every goal it planned, the same numbers as its point on
    # the chart; what is still on each partner's plate counts the open goals (for a
    # reviewed quarter, nothing is: it shows what it planned).
    loads, planned = service.balance_loads(quarter, current_user)
    quarters = board.quarters(current_user)  # newest first
    at = next(i for i, q in enumerate(quarters) if q.id == quarter.id)
    return render_template(
        "resources/balance.html",
        quarter=quarter,
        quarters=quarters,
        earlier=quarters[at + 1] if at + 1 < len(quarters) else None,
        later=quarters[at - 1] if at > 0 else None,
        loads=loads,
        planned=planned,
        shares=service.goal_shares(quarter, current_user),
        history=service.history(current_user),
        signals=service.signals(quarter, current_user, loads),
        members=current_user.partnership.members,
        currency=current_user.partnership.currency,
    )


@bp.post("/settings/prompts")
@login_required
def prompts():
    """The balance settings' former address (they live in Settings now): a form that
    carries no version, from a page shown before they moved, is saved as it was then."""
    form = PromptsForm()
    if form.validate_on_submit():
        if not service.save_settings(current_user.partnership, form.version.data, form.values()):
            _conflict("Your partner changed these settings meanwhile; see them and save again.")
            return redirect(url_for("partnership.settings", _anchor="balance-settings"))
        db.session.commit()
        flash("Saved your balance settings.", "success")
    else:
        for field, errors in form.errors.items():
            flash(f"{form[field].label.text}: {' '.join(errors)}", "error")
    return redirect(url_for("partnership.settings", _anchor="balance-settings"))
