from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from goalmap.extensions import db, htmx
from goalmap.models import YearlyReview
from goalmap.scoping import get_or_404
from goalmap.yearly import bp, queries, service
from goalmap.yearly.forms import KeepChangeForm, KeepForm, StartForm, YearlyAnswersForm


def _refused(refusal: service.Refused):
    db.session.rollback()
    abort(409, str(refusal))


def _open(review: YearlyReview) -> YearlyReview:
    """Refuse any change to a kept review: it stays as it was."""
    if review.is_kept:
        abort(409, service.KEPT)
    return review


def _answers_form(review: YearlyReview, **kwargs) -> YearlyAnswersForm:
    form = YearlyAnswersForm(**kwargs)
    while len(form.answers) < len(review.questions):
        form.answers.append_entry()
    return form


@bp.get("")
@login_required
def index():
    """When the next yearly review falls, a start button once it is due, and the reviews."""
    plan = service.schedule(current_user)
    return render_template(
        "yearly/index.html",
        plan=plan,
        start_form=StartForm(formdata=None, day=plan.due),
        reviews=queries.reviews(current_user),
    )


@bp.post("/start")
@login_required
def start():
    """Start the review that is due; partners pressing at once get the same one."""
    form = StartForm()
    if not form.validate_on_submit():
        abort(422, "This form is out of date; reload the page.")
    try:
        review = service.start(current_user, form.day.data)
    except service.Refused as refusal:
        _refused(refusal)
    db.session.commit()
    return redirect(url_for(".show", review_id=review.id))


@bp.get("/<int:review_id>")
@login_required
def show(review_id: int):
    """The review: the year, each partner's answers, what you keep and what you change."""
    return _page(get_or_404(YearlyReview, review_id))


def _page(review: YearlyReview, status: int = 200, **forms):
    return render_template(
        "yearly/show.html",
        review=review,
        year=service.year(review, current_user),
        answers=queries.answers(review, current_user),
        answered=queries.answered(review),
        members=current_user.partnership.members,
        missing=[] if review.is_kept else service.missing(review, current_user),
        answers_form=forms.get("answers_form") or _answers_form(review, formdata=None),
        decisions_form=forms.get("decisions_form") or _decisions_form(review),
        keep_form=KeepForm(formdata=None, seen=review.version),
        conflict=forms.get("conflict", False),
    ), status


def _decisions_form(review: YearlyReview) -> KeepChangeForm:
    return KeepChangeForm(
        formdata=None, keep=review.keep, change=review.change, version=review.version
    )


@bp.post("/<int:review_id>/answers")
@login_required
def answer(review_id: int):
    """Give your answers, once; your partner reads them when they have given theirs."""
    review = _open(get_or_404(YearlyReview, review_id))
    form = _answers_form(review)
    if not form.validate_on_submit():
        return _page(review, 422, answers_form=form)
    replies = [entry.data or "" for entry in form.answers][: len(review.questions)]
    try:
        given = service.answer(review, current_user, replies)
    except service.Refused as refusal:
        _refused(refusal)
    if not given:
        db.session.rollback()
        flash("You had answered already (in another window?); your first answers stand.", "info")
    else:
        db.session.commit()
        both = queries.answered(review) >= {m.id for m in current_user.partnership.members}
        flash(
            "Thank you. Here are both your answers."
            if both
            else "Thank you. Your partner reads your answers once they have given theirs.",
            "success",
        )
    return redirect(url_for(".show", review_id=review.id, _anchor="answers"))


@bp.post("/<int:review_id>/decisions")
@login_required
def decide(review_id: int):
    """Write down what you keep and what you change; a save over a stale version shows
    both versions and keeps your words in the form."""
    review = _open(get_or_404(YearlyReview, review_id))
    form = KeepChangeForm()
    if not form.validate_on_submit():
        return _decisions(review, 422, form)
    try:
        saved = service.decide(
            review,
            current_user,
            form.keep.data or "",
            form.change.data or "",
            form.version.data or 0,
        )
    except service.Refused as refusal:
        _refused(refusal)
    if not saved:
        db.session.rollback()  # nothing was written; let go of the write lock
        form.version.data = review.version  # saving again keeps the member's words
        return _decisions(review, 409, form, conflict=True)
    db.session.commit()
    if htmx:
        return _decisions(review, 200, _decisions_form(review), saved=True)
    flash("Saved what you keep and what you change.", "success")
    return redirect(url_for(".show", review_id=review.id, _anchor="decisions"))


def _decisions(review: YearlyReview, status: int, form: KeepChangeForm, **context):
    if not htmx:
        return _page(review, status, decisions_form=form, **context)
    html = render_template("yearly/_decisions.html", review=review, form=form, **context)
    return html, status, {"Vary": "HX-Request"}


@bp.post("/<int:review_id>/keep")
@login_required
def keep(review_id: int):
    """Keep the review: its year is stored as it is now, and nothing of it changes again."""
    review = _open(get_or_404(YearlyReview, review_id))
    form = KeepForm()
    if not form.validate_on_submit():
        abort(422, "This form is out of date; reload the page.")
    try:
        service.keep(review, current_user, form.seen.data or 0)
    except service.Refused as refusal:
        _refused(refusal)
    db.session.commit()
    flash("Kept. The review stays as it is now; print it, or come back to it any time.", "success")
    return redirect(url_for(".show", review_id=review.id))


@bp.get("/<int:review_id>/print")
@login_required
def printable(review_id: int):
    """The year on one printable page."""
    review = get_or_404(YearlyReview, review_id)
    return render_template(
        "yearly/print.html",
        review=review,
        year=service.year(review, current_user),
        answers=queries.answers(review, current_user),
        members=current_user.partnership.members,
    )
