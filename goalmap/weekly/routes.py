from flask import flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from goalmap.extensions import db
from goalmap.models import DEFAULT_PROMPTS
from goalmap.weekly import bp, queries, service
from goalmap.weekly.forms import AnswersForm, QuestionsForm


def _answers_form(asked: list[str]) -> AnswersForm:
    form = AnswersForm()
    while len(form.replies) < len(asked):
        form.replies.append_entry()
    return form


@bp.route("", methods=["GET", "POST"])
@login_required
def week():
    """This week's check-in, and the weeks before."""
    _number, asked = service.prompts(current_user)
    form = _answers_form(asked)
    status = 200
    if form.validate_on_submit():
        replies = [entry.data or "" for entry in form.replies][: len(asked)]
        if service.answer(current_user, asked, replies, form.energy_level()):
            db.session.commit()
            everyone = service.everyone_answered(current_user)
            flash(
                "Thank you. Here are both your answers."
                if everyone
                else "Thank you. Your partner sees your answers once they give theirs.",
                "success",
            )
        else:
            db.session.rollback()
            flash("You answered this week already (in another window?).", "info")
        return redirect(url_for(".week"))
    if form.is_submitted():
        status = 422
    this_week = current_user.partnership.week_of()
    return render_template(
        "weekly/week.html",
        form=form,
        asked=asked,
        this_week=this_week,
        answered=queries.answered(current_user, this_week),
        weeks=queries.answers(current_user),
        members=current_user.partnership.members,
    ), status


@bp.route("/prompts", methods=["GET", "POST"])
@login_required
def prompts():
    """The couple's questions: change, reorder or add; every earlier version is kept."""
    number, asked = service.prompts(current_user)
    form = QuestionsForm()
    status = 200
    if form.validate_on_submit():
        if service.save_prompts(current_user, form.lines(), form.seen.data):
            db.session.commit()
            flash("Questions saved; the earlier version is kept below.", "success")
            return redirect(url_for(".prompts"))
        status = 409
        flash("Your partner saved the questions meanwhile; here they are as they are now.", "error")
    elif form.is_submitted():
        status = 422
    if status != 422:
        form.prompts.data, form.seen.data = "\n".join(asked), number
    return render_template(
        "weekly/prompts.html",
        form=form,
        asked=asked,
        number=number,
        versions=queries.prompt_versions(current_user),
        default_prompts=DEFAULT_PROMPTS,
    ), status
