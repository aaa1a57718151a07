from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from goalmap.contracts import bp, queries, service
from goalmap.contracts.forms import CheckInForm, CloseForm, EncourageForm, SignForm, TermsForm
from goalmap.database import lock_board
from goalmap.extensions import db
from goalmap.goals import service as goals
from goalmap.models import CADENCES, CONTRACT_STATES, Contract, ContractCheckIn, Goal
from goalmap.scoping import get_or_404
from goalmap.views import id_arg, writable


def _refused(refusal: service.Refused):
    db.session.rollback()
    abort(409, str(refusal))


@bp.get("/contracts")
@login_required
def index():
    """Every contract the member may see, with its progress; filter by partner and state."""
    owner = id_arg("partner")
    state = request.args.get("state") if request.args.get("state") in CONTRACT_STATES else None
    contracts = queries.contracts(current_user, owner, state)
    ids = [contract.id for contract in contracts]
    check_ins = queries.check_ins(ids, current_user)
    last = queries.last_days(ids, current_user)
    return render_template(
        "contracts/index.html",
        contracts=contracts,
        check_ins=check_ins,
        next_days={c.id: c.next_check_in(last.get(c.id)) for c in contracts},
        charts={c.id: service.chart(check_ins[c.id], c.current) for c in contracts},
        due=queries.due(current_user),
        today=current_user.partnership.today(),
        chosen={"partner": owner, "state": state},
        states=CONTRACT_STATES,
        CADENCES=CADENCES,
    )


@bp.route("/goals/<int:goal_id>/contract", methods=["GET", "POST"])
@login_required
def new(goal_id: int):
    """Draft a contract on one of your own personal goals."""
    goal = get_or_404(Goal, goal_id)
    if goal.owner_id != current_user.id:
        abort(403, "A contract is made on one of your own personal goals.")
    existing = queries.open_contract(goal, current_user)
    if existing is not None:
        return redirect(url_for(".show", contract_id=existing.id))
    form = TermsForm()
    if not form.is_submitted():
        quarter = goal.quarter
        form.starts_on.data, form.ends_on.data = quarter.starts_on, quarter.ends_on
    elif form.validate_on_submit():
        writable(goal.quarter)
        contract = service.make(goal, current_user, form.terms(), bool(form.shown_to_partner.data))
        if contract is None:
            db.session.rollback()
            flash("This goal got a contract a moment ago, in another window.", "info")
            return redirect(
                url_for(".show", contract_id=queries.open_contract(goal, current_user).id)
            )
        db.session.commit()
        flash("Drafted. It starts when your partner signs as witness.", "success")
        return redirect(url_for(".show", contract_id=contract.id))
    status = 422 if form.errors else 200
    return render_template("contracts/new.html", form=form, goal=goal), status


@bp.get("/contracts/<int:contract_id>")
@login_required
def show(contract_id: int):
    contract = get_or_404(Contract, contract_id)
    return _page(contract)


def _page(contract: Contract, status: int = 200, **forms):
    check_ins = queries.check_ins([contract.id], current_user)[contract.id]
    last = check_ins[-1].on_day if check_ins else None
    goal = queries.goal_as_seen(contract, current_user)
    return render_template(
        "contracts/show.html",
        contract=contract,
        goal=goal,
        check_ins=check_ins,
        next_day=contract.next_check_in(last),
        today=contract.partnership.today(),
        chart=service.chart(check_ins, contract.current),
        check_in_form=forms.get("check_in_form") or CheckInForm(formdata=None),
        encourage_form=EncourageForm(formdata=None),
        close_form=forms.get("close_form") or CloseForm(formdata=None, seen=contract.version),
        CADENCES=CADENCES,
    ), status


@bp.post("/contracts/<int:contract_id>/sign")
@login_required
def sign(contract_id: int):
    """Witness the terms shown: a draft becomes active, new terms come into force."""
    contract = get_or_404(Contract, contract_id)
    form = SignForm()
    if not form.validate_on_submit():
        abort(422, "This form is out of date; reload the page.")
    try:
        service.sign(contract, current_user, form.seen.data)
    except service.Refused as refusal:
        _refused(refusal)
    db.session.commit()
    flash("Signed. You are its witness.", "success")
    return redirect(url_for(".show", contract_id=contract.id))


@bp.route("/contracts/<int:contract_id>/renegotiate", methods=["GET", "POST"])
@login_required
def renegotiate(contract_id: int):
    """Propose new terms; your partner signs them again, and the earlier stay on record."""
    contract = get_or_404(Contract, contract_id)
    if contract.owner_id != current_user.id:
        abort(403, "Only the contract's owner renegotiates it.")
    form = TermsForm(obj=contract.current if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            service.renegotiate(contract, current_user, form.terms())
        except service.Refused as refusal:
            _refused(refusal)
        db.session.commit()
        flash("New terms drafted. They apply when your partner signs them.", "success")
        return redirect(url_for(".show", contract_id=contract.id))
    status = 422 if form.errors else 200
    return render_template(
        "contracts/new.html", form=form, goal=contract.goal, contract=contract
    ), status


@bp.post("/contracts/<int:contract_id>/check-ins")
@login_required
def check_in(contract_id: int):
    """Record how far you are."""
    contract = get_or_404(Contract, contract_id)
    form = CheckInForm()
    if not form.validate_on_submit():
        return _page(contract, 422, check_in_form=form)
    try:
        service.check_in(contract, current_user, form.progress.data, form.note.data or "")
    except service.Refused as refusal:
        _refused(refusal)
    db.session.commit()
    flash("Checked in. Your partner can answer with encouragement.", "success")
    return redirect(url_for(".show", contract_id=contract.id))


@bp.post("/contract-check-ins/<int:check_in_id>/encourage")
@login_required
def encourage(check_in_id: int):
    row = get_or_404(ContractCheckIn, check_in_id)
    contract = get_or_404(Contract, row.contract_id)
    form = EncourageForm()
    if not form.validate_on_submit():
        abort(422, "Write a few words of encouragement.")
    try:
        answered = service.encourage(row, contract, current_user, form.words.data)
    except service.Refused as refusal:
        _refused(refusal)
    db.session.commit()
    flash("Sent." if answered else "Your encouragement was already there.", "success")
    return redirect(url_for(".show", contract_id=contract.id, _anchor=f"check-in-{row.id}"))


@bp.post("/contracts/<int:contract_id>/<any(complete, release, discard):action>")
@login_required
def close(contract_id: int, action: str):
    """Complete (and perhaps mark the goal done), release with a reflection, or discard a
    draft."""
    contract = get_or_404(Contract, contract_id)
    form = CloseForm()
    if not form.validate_on_submit():
        return _page(contract, 422, close_form=form)
    if action == "release" and not form.reflection.data:
        form.reflection.errors.append("A few words on what you learned, before letting it go.")
        return _page(contract, 422, close_form=form)
    seen = form.seen.data or 0
    try:
        if action == "complete":
            service.complete(contract, current_user, seen)
            goal = contract.goal
            if form.goal_done.data and goal.status != "done" and goal.deleted_at is None:
                lock_board(goal.quarter_id, goal)
                goals.set_status(goal, "done", current_user, "Its contract was completed.")
        elif action == "release":
            service.release(contract, current_user, seen, form.reflection.data)
        else:
            service.discard(contract, current_user, seen)
    except service.Refused as refusal:
        _refused(refusal)
    db.session.commit()
    words = {
        "complete": "Completed. Well done!",
        "release": "Released, with your reflection.",
        "discard": "Draft discarded (it stays in the history).",
    }
    flash(words[action], "win" if action == "complete" else "success")  # a win: celebrated
    return redirect(url_for(".show", contract_id=contract.id))
