from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from goalmap.board import queries as board
from goalmap.extensions import db
from goalmap.flexibility import bp, queries, service
from goalmap.flexibility.forms import (
    DecisionForm,
    EntryForm,
    FollowUpForm,
    ProtocolForm,
    RespondForm,
)
from goalmap.models import (
    DEFAULT_PROTOCOL,
    LIFE_EVENT_KINDS,
    FlexDecision,
    FlexEntry,
    Goal,
    Quarter,
)
from goalmap.scoping import get_or_404
from goalmap.views import id_arg


def _decision_forms(goals: list[Goal]) -> list[tuple[Goal, DecisionForm]]:
    rows = [(goal, DecisionForm(prefix=f"goal-{goal.id}")) for goal in goals]
    for goal, form in rows:
        if form.version.data is None:  # shown now, or sent without: the goal as it is
            form.version.data = goal.version
    return rows


def _decisions(rows) -> list[service.Decision] | None:
    """The decisions entered in the goal rows; None when a row is invalid."""
    if not all(form.validate() for _goal, form in rows):
        return None
    return [
        service.Decision(
            goal,
            form.action.data,
            form.reason.data or "",
            form.new_target_on.data,
            form.new_hours.data,
            form.new_amount.data,
            form.version.data,
        )
        for goal, form in rows
        if form.action.data
    ]


def _all_valid(form, decisions) -> bool:
    """Validate the form even when a goal row is wrong, so every error shows at once;
    True when the form and every row are valid."""
    return form.validate_on_submit() and decisions is not None


def _decidable(quarter: Quarter) -> list[Goal]:
    return queries.goals_to_decide(quarter, current_user)


@bp.get("")
@login_required
def log():
    """The log, newest first; filter by quarter, by who raised it and by kind."""
    quarter_id, raised_by = id_arg("quarter"), id_arg("partner")
    kind = request.args.get("kind") if request.args.get("kind") in LIFE_EVENT_KINDS else None
    entries = queries.entries(current_user, quarter_id, raised_by, kind)
    ids = [entry.id for entry in entries]
    return render_template(
        "flexibility/log.html",
        entries=entries,
        decisions=queries.decisions(ids, current_user),
        hidden=queries.hidden_decisions(ids, current_user),
        due=queries.due(current_user, current_user.partnership.today()),
        quarters=queries.quarters(current_user),
        kinds=LIFE_EVENT_KINDS,
        chosen={"quarter": quarter_id, "partner": raised_by, "kind": kind},
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    """Record a life event, guided by the protocol's steps, and re-plan around it."""
    quarter = board.current_quarter(current_user)
    if quarter is None or quarter.state != "active":
        flash("Re-planning bends the current quarter's plan; start a quarter first.", "info")
        return redirect(url_for(".log"))
    corrects = id_arg("corrects")  # a correction is a new entry that refers to the old one
    corrected = get_or_404(FlexEntry, corrects) if corrects else None
    form = EntryForm()
    rows, rows_status = _decision_forms(_decidable(quarter)), None
    if not form.is_submitted():
        form.happened_on.data = current_user.partnership.today()
    elif _all_valid(form, decisions := _decisions(rows)):
        try:
            values = {**form.values(), "refers_to_id": corrected.id if corrected else None}
            entry = service.raise_entry(
                current_user, quarter, values, form.impact.data or "", decisions
            )
        except service.Stale as stale:
            db.session.rollback()
            flash(str(stale), "error")
            rows = _decision_forms(_decidable(quarter))  # the goals as they are now
            rows_status = 409
        else:
            db.session.commit()
            flash("Recorded. Your partner sees it in the log and can add their part.", "success")
            return redirect(url_for(".show", entry_id=entry.id))
    number, steps = service.protocol_steps(current_user)
    status = rows_status or (422 if form.is_submitted() else 200)
    return render_template(
        "flexibility/new.html",
        form=form,
        rows=rows,
        quarter=quarter,
        steps=steps,
        number=number,
        corrected=corrected,
    ), status


@bp.get("/<int:entry_id>")
@login_required
def show(entry_id: int):
    entry = get_or_404(FlexEntry, entry_id)
    return _entry_page(entry)


def _entry_page(entry: FlexEntry, status: int = 200, respond_form=None, rows=None):
    acknowledged = queries.acknowledged_by(entry)
    if rows is None:
        rows = _decision_forms(_decidable(entry.quarter)) if entry.is_open else []
    follow_ups = queries.follow_ups([entry.id], current_user)
    return render_template(
        "flexibility/show.html",
        entry=entry,
        decisions=queries.decisions([entry.id], current_user)[entry.id],
        hidden=queries.hidden_decisions([entry.id], current_user).get(entry.id, {}),
        impacts=queries.impacts([entry.id], current_user)[entry.id],
        mine=queries.impact_of(entry, current_user),
        acknowledged=acknowledged,
        members=entry.partnership.members,
        respond_form=respond_form or RespondForm(formdata=None),
        rows=rows,
        follow_up=follow_ups.get(entry.id),
        follow_up_form=FollowUpForm(formdata=None),
        due=entry.is_agreed and entry.look_again_on <= current_user.partnership.today(),
        paused=queries.still_paused(entry, current_user) if entry.is_agreed else [],
    ), status


@bp.post("/<int:entry_id>/respond")
@login_required
def respond(entry_id: int):
    """Add your words and decisions, and acknowledge the entry as it stands."""
    entry = get_or_404(FlexEntry, entry_id)
    form = RespondForm()
    rows = _decision_forms(_decidable(entry.quarter))
    if not _all_valid(form, decisions := _decisions(rows)):
        return _entry_page(entry, 422, form, rows)
    try:
        agreed = service.respond(entry, current_user, form.impact.data or "", decisions)
    except (service.Stale, service.Refused) as refusal:
        db.session.rollback()
        flash(str(refusal), "error")
        return redirect(url_for(".show", entry_id=entry.id))
    db.session.commit()
    if agreed:
        flash("Agreed by both of you: the plan has changed together.", "success")
    else:
        flash("Acknowledged. It takes effect when your partner acknowledges too.", "info")
    return redirect(url_for(".show", entry_id=entry.id))


@bp.post("/<int:entry_id>/withdraw")
@login_required
def withdraw(entry_id: int):
    entry = get_or_404(FlexEntry, entry_id)
    try:
        service.withdraw_entry(entry, current_user)
    except service.Refused as refusal:
        abort(409, str(refusal))
    db.session.commit()
    flash("Withdrawn. The entry stays in the log, marked withdrawn.", "info")
    return redirect(url_for(".show", entry_id=entry.id))


@bp.post("/decisions/<int:decision_id>/withdraw")
@login_required
def withdraw_decision(decision_id: int):
    decision = get_or_404(FlexDecision, decision_id)
    entry = get_or_404(FlexEntry, decision.entry_id)
    try:
        service.withdraw_decision(decision, entry, current_user)
    except service.Refused as refusal:
        abort(409, str(refusal))
    db.session.commit()
    flash("Decision withdrawn.", "info")
    return redirect(url_for(".show", entry_id=entry.id))


@bp.post("/<int:entry_id>/follow-up")
@login_required
def follow_up(entry_id: int):
    """Look again: what happened since, and resume what the entry paused."""
    entry = get_or_404(FlexEntry, entry_id)
    if not entry.is_agreed:
        abort(409, "Only an agreed entry is looked at again.")
    form = FollowUpForm()
    if not form.validate_on_submit():
        return _entry_page(entry, 422)
    if not service.follow_up(entry, current_user, form.note.data or "", bool(form.resume.data)):
        db.session.rollback()
        flash("Your partner looked again at this a moment ago.", "info")
        return redirect(url_for(".show", entry_id=entry.id))
    db.session.commit()
    flash("Looked again. The board no longer reminds you of it.", "success")
    return redirect(url_for(".show", entry_id=entry.id))


@bp.route("/protocol", methods=["GET", "POST"])
@login_required
def protocol():
    """The partnership's protocol, its earlier versions, and a form for the next one."""
    number, steps = service.protocol_steps(current_user)
    form = ProtocolForm()
    status = 200
    if form.validate_on_submit():
        if service.save_protocol(current_user, form.step_list(), form.seen.data):
            db.session.commit()
            flash("Protocol saved; its earlier version is kept below.", "success")
            return redirect(url_for(".protocol"))
        status = 409
        flash("Your partner saved the protocol meanwhile; here it is as it is now.", "error")
    elif form.is_submitted():
        status = 422
    if status != 422:
        form.steps.data, form.seen.data = "\n".join(steps), number
    return render_template(
        "flexibility/protocol.html",
        form=form,
        steps=steps,
        number=number,
        versions=queries.protocol_versions(current_user),
        default_steps=DEFAULT_PROTOCOL,
    ), status
