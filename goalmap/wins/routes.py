from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from goalmap.extensions import db, htmx
from goalmap.models import Win
from goalmap.scoping import get_or_404
from goalmap.views import safe_next
from goalmap.wins import bp, queries, service
from goalmap.wins.forms import (
    AppreciationForm,
    ReactionForm,
    SeenForm,
    ShareForm,
    cards,
    wall_filters,
)


@bp.get("/wins")
@login_required
def wall():
    """The wins wall: personal and shared wins side by side, with equal weight."""
    quarters = queries.quarters(current_user)
    members = current_user.partnership.members
    filters = wall_filters(request.args, members, {q.id for q in quarters})
    wins = queries.wall(current_user, **filters)
    return render_template(
        "wins/wall.html",
        quarters=quarters,
        filters=filters,
        counts=queries.counts(current_user),
        **cards(wins, current_user),
    )


def _card(win: Win, status: int = 200, form: AppreciationForm | None = None):
    """A win's card again (htmx), else back to the wall where it stands."""
    if not htmx:
        return redirect(safe_next(url_for(".wall", _anchor=f"win-{win.id}")))
    win = get_or_404(Win, win.id)  # as the member sees it now, title included
    context = cards([win], current_user, appreciation_form=form or AppreciationForm(formdata=None))
    return render_template("wins/_win.html", win=win, **context), status


@bp.get("/wins/<int:win_id>")
@login_required
def show(win_id: int):
    win = get_or_404(Win, win_id)
    if not htmx:
        return redirect(url_for(".wall", _anchor=f"win-{win.id}"))
    body, status = _card(win)
    return body, status, {"Vary": "HX-Request"}


@bp.post("/wins/<int:win_id>/appreciations")
@login_required
def appreciate(win_id: int):
    """A note of appreciation on a win."""
    win = get_or_404(Win, win_id)
    form = AppreciationForm()
    if not form.validate():
        if htmx:
            return _card(win, 422, form)
        flash("Note not added: " + " ".join(form.body.errors), "error")
        return _card(win)
    try:
        service.appreciate(win, current_user, form.body.data)
    except service.Refused as refusal:
        abort(403, str(refusal))
    db.session.commit()
    if not htmx:
        flash("Your note is added.", "success")
    return _card(win)


@bp.post("/wins/<int:win_id>/reactions")
@login_required
def react(win_id: int):
    win = get_or_404(Win, win_id)
    form = ReactionForm()
    if not form.validate():
        abort(422, "Choose a reaction.")
    service.react(win, current_user, form.reaction.data, form.on.data == "1")
    db.session.commit()
    return _card(win)


@bp.post("/wins/<int:win_id>/share")
@login_required
def share(win_id: int):
    """The owner shows a private goal's win to the partner as "a private win", or not."""
    win = get_or_404(Win, win_id)
    form = ShareForm()
    if not form.validate():
        abort(422, "Share it or keep it to yourself.")
    try:
        service.share(win, current_user, form.shared.data == "1")
    except service.Refused as refusal:
        abort(403, str(refusal))
    db.session.commit()
    if not htmx:
        shared = form.shared.data == "1"
        flash("Your partner sees it as a private win." if shared else "Only you see it.", "info")
    return _card(win)


@bp.post("/wins/seen")
@login_required
def seen():
    """The member has had these wins' celebrations (the board sends this once it played
    them): they do not play again."""
    form = SeenForm()
    if not form.validate():
        abort(422, "These are not wins.")
    wins = queries.by_ids(current_user, form.ids())
    service.mark_seen([win.id for win in wins], current_user)
    db.session.commit()
    if htmx:
        return "", 204
    return redirect(safe_next(url_for("board.index")))
