from datetime import date, timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from goalmap.extensions import db
from goalmap.fields import FIRST_DAY, LAST_DAY
from goalmap.models import RITUAL_KINDS, Ritual
from goalmap.rituals import bp, queries, service
from goalmap.rituals.forms import (
    AdaptForm,
    DetailsForm,
    OccurrenceForm,
    PauseForm,
    RitualForm,
    chosen_goal,
    goal_choices,
)
from goalmap.scoping import get_or_404


def _today() -> date:
    return current_user.partnership.today()


def _errors(form) -> str:
    return " ".join(error for field in form for error in field.errors)


@bp.get("/rituals")
@login_required
def index(form: RitualForm | None = None, status: int = 200):
    """Every ritual and solo slot of the partnership, and a form for a new one."""
    rituals = queries.of_partnership(current_user)
    if form is None:
        form = RitualForm(formdata=None, time_zone=current_user.partnership.time_zone)
        form.starts_on.data = _today()
    goal_choices(form, queries.goals_to_serve(current_user))
    groups = service.by_member(rituals)
    return render_template(
        "rituals/index.html",
        rituals=rituals,
        groups=groups,
        form=form,
        kinds=RITUAL_KINDS,
        members=current_user.partnership.members,
    ), status


@bp.post("/rituals")
@login_required
def create():
    """Make a ritual or solo slot."""
    form = RitualForm()
    goal_choices(form, queries.goals_to_serve(current_user))
    if not form.validate():
        flash("Not saved: " + _errors(form), "error")
        return index(form, 422)
    ritual = service.create(
        current_user,
        kind=form.kind.data,
        title=form.title.data,
        is_private=form.is_private.data,
        goal_id=chosen_goal(form),
        rule=form.rule(form.starts_on.data),
    )
    db.session.commit()
    flash(f"Added “{form.title.data}”.", "success")
    return redirect(url_for(".show", ritual_id=ritual.id))


@bp.get("/rituals/week")
@login_required
def week():
    """The week's solo slots and rituals, in three colours (today's week by default)."""
    partnership = current_user.partnership
    try:
        asked = date.fromisoformat(request.args.get("of", ""))
    except ValueError:
        asked = _today()
    if not FIRST_DAY <= asked <= LAST_DAY:
        asked = _today()
    first = partnership.week_of(asked)
    return render_template(
        "rituals/week.html",
        days=service.week(current_user, first),
        first=first,
        previous=first - timedelta(days=7),
        next=first + timedelta(days=7),
        this_week=partnership.week_of(),
        today=_today(),
        kinds=RITUAL_KINDS,
    )


def _ritual(ritual_id: int, include_deleted: bool = False) -> Ritual:
    return get_or_404(Ritual, ritual_id, include_deleted=include_deleted)


def _changeable(ritual_id: int) -> Ritual:
    """A ritual the member may change: theirs, or a shared one."""
    ritual = _ritual(ritual_id)
    if not ritual.editable_by(current_user):
        abort(403, "A solo slot is its owner's to change.")
    return ritual


@bp.get("/rituals/<int:ritual_id>")
@login_required
def show(ritual_id: int, status: int = 200, **forms):
    """One ritual: when it happens, how it adapted, its next occurrences."""
    ritual = _ritual(ritual_id)
    return _page(ritual, status, **forms)


def _goals_for(ritual: Ritual) -> list:
    """The goals the member may link ``ritual`` to: those of quarters not reviewed, and
    the one it serves now if the member may see it."""
    goals = queries.goals_to_serve(current_user)
    if ritual.goal_id and ritual.goal_id not in {goal.id for goal in goals}:
        goals = [*goals, *queries.goals_by_id([ritual.goal_id], current_user)]
    return goals


def _page(ritual: Ritual, status: int = 200, **forms):
    rituals = queries.of_partnership(current_user)
    mine = next((r for r in rituals if r.id == ritual.id), ritual)
    current = rituals.current_rule(mine)
    editable = mine.editable_by(current_user)
    today = _today()
    details = forms.get("details") or DetailsForm(formdata=None, obj=mine, prefix="details")
    if "details" not in forms:
        details.title.data = mine.title
        details.goal.data = str(mine.goal_id) if mine.goal_id else ""
    goal_choices(details, _goals_for(mine))
    adapt = forms.get("adapt") or AdaptForm(
        formdata=None, version=mine.version, from_day=today, prefix="adapt"
    )
    if "adapt" not in forms and current is not None:
        adapt.fill(current)
    pause = forms.get("pause") or PauseForm(
        formdata=None, version=mine.version, from_day=today, prefix="pause"
    )
    upcoming = service.upcoming(rituals, mine, today)
    readable = mine.title is not None
    goal_ids = [mine.goal_id] if mine.goal_id and readable else []
    return render_template(
        "rituals/show.html",
        ritual=mine,
        rules=rituals.rules_of(mine),
        current=current,
        exceptions=rituals.exceptions_of(mine),
        upcoming=upcoming,
        editable=editable,
        details=details,
        adapt=adapt,
        pause=pause,
        occurrence_form=OccurrenceForm(formdata=None),
        goal_titles=queries.goal_titles(goal_ids, current_user),
        kinds=RITUAL_KINDS,
        today=today,
    ), status


@bp.post("/rituals/<int:ritual_id>")
@login_required
def edit(ritual_id: int):
    """Save a ritual's words, privacy and goal; a stale save is a conflict."""
    ritual = _changeable(ritual_id)
    form = DetailsForm(prefix="details")
    goals = _goals_for(ritual)
    goal_choices(form, goals)
    if not form.validate():
        return _page(ritual, 422, details=form)
    goal_id = chosen_goal(form)
    if goal_id is None and ritual.goal_id and ritual.goal_id not in {g.id for g in goals}:
        goal_id = ritual.goal_id  # a goal this member cannot see stays as its owner set it
    saved = service.edit(
        ritual,
        form.version.data or 0,
        title=form.title.data,
        is_private=form.is_private.data,
        goal_id=goal_id,
    )
    if not saved:
        return _conflict(ritual_id, "details", form)
    db.session.commit()
    flash("Saved.", "success")
    return redirect(url_for(".show", ritual_id=ritual.id))


def _conflict(ritual_id: int, name: str, form):
    """Someone saved this ritual since the member's form was drawn: show it as it is now,
    with their words kept in the form."""
    db.session.rollback()
    ritual = _ritual(ritual_id)
    form.version.data = ritual.version
    flash(
        "Not saved: this ritual was changed a moment ago (it shows as it is now). Your "
        "changes are kept in the form; save again to use them.",
        "error",
    )
    return _page(ritual, 409, **{name: form})


def _rule_change(ritual_id: int, form, change):
    ritual = _changeable(ritual_id)
    if not form.validate():
        return _page(ritual, 422, **{_form_name(form): form})
    current = queries.of_partnership(current_user).current_rule(ritual)
    try:
        saved = change(ritual, current, form)
    except service.Refused as refusal:
        form.from_day.errors = [*form.from_day.errors, str(refusal)]
        return _page(ritual, 422, **{_form_name(form): form})
    if not saved:
        return _conflict(ritual_id, _form_name(form), form)
    db.session.commit()
    return None


def _form_name(form) -> str:
    return "adapt" if isinstance(form, AdaptForm) else "pause"


@bp.post("/rituals/<int:ritual_id>/rule")
@login_required
def adapt(ritual_id: int):
    """Change when a ritual happens from a day on, keeping its earlier rule."""
    form = AdaptForm(prefix="adapt")

    def change(ritual, current, form):
        rule = form.rule(form.from_day.data)
        return service.adapt(
            ritual, current, form.version.data or 0, current_user, rule, form.from_day.data
        )

    answer = _rule_change(ritual_id, form, change)
    if answer is not None:
        return answer
    flash(f"From {form.from_day.data:%-d %b %Y} it follows the new rule.", "success")
    return redirect(url_for(".show", ritual_id=ritual_id))


@bp.post("/rituals/<int:ritual_id>/pause")
@login_required
def pause(ritual_id: int):
    """Pause a ritual from a day, until a day or for now."""
    form = PauseForm(prefix="pause")

    def change(ritual, current, form):
        return service.pause(
            ritual,
            current,
            form.version.data or 0,
            current_user,
            form.from_day.data,
            form.resume_on.data,
        )

    answer = _rule_change(ritual_id, form, change)
    if answer is not None:
        return answer
    flash("Paused.", "success")
    return redirect(url_for(".show", ritual_id=ritual_id))


def _occurrence_day(day: str) -> date:
    try:
        return date.fromisoformat(day)
    except ValueError:
        abort(404)


@bp.post("/rituals/<int:ritual_id>/occurrences/<day>")
@login_required
def skip(ritual_id: int, day: str):
    """Skip one occurrence, or move it, without changing the rule."""
    ritual = _changeable(ritual_id)
    planned = _occurrence_day(day)
    rituals = queries.of_partnership(current_user)
    occurrence = service.planned_on(ritual, rituals, planned)
    if occurrence is None:
        abort(404)
    form = OccurrenceForm()
    if not form.validate():
        flash("Not changed: " + _errors(form), "error")
        return _page(ritual, 422)
    moved_to = form.moved_to(occurrence.starts.replace(tzinfo=None))
    try:
        changed = service.skip(ritual, planned, current_user, moved_to)
    except service.Refused as refusal:
        flash(str(refusal), "error")
        return _page(ritual, 422)
    if changed:
        db.session.commit()
        undo = url_for(".unskip", ritual_id=ritual.id, day=planned.isoformat())
        text = (
            f"Moved {planned:%-d %b} to {moved_to:%-d %b %H:%M}."
            if moved_to
            else (f"Skipped {planned:%-d %b}.")
        )
        flash({"text": text, "undo": undo, "target": None}, "undo")
    else:
        flash(f"{planned:%-d %b} was already skipped or moved.", "info")
    return redirect(url_for(".show", ritual_id=ritual.id))


@bp.post("/rituals/<int:ritual_id>/occurrences/<day>/restore")
@login_required
def unskip(ritual_id: int, day: str):
    """An occurrence happens as its rule says again."""
    ritual = _changeable(ritual_id)
    exception = queries.exception_on(ritual, _occurrence_day(day), current_user)
    if exception is not None and service.restore_occurrence(exception):
        db.session.commit()
        flash(f"{exception.day:%-d %b} is back as planned.", "success")
    return redirect(url_for(".show", ritual_id=ritual.id))


@bp.post("/rituals/<int:ritual_id>/delete")
@login_required
def delete(ritual_id: int):
    """Delete a ritual softly, with an undo."""
    ritual = _changeable(ritual_id)
    title = ritual.title
    if not service.remove(ritual):
        abort(404)
    db.session.commit()
    undo = url_for(".restore", ritual_id=ritual_id)
    flash({"text": f"Deleted “{title}”.", "undo": undo, "target": None}, "undo")
    return redirect(url_for(".index"))


@bp.post("/rituals/<int:ritual_id>/restore")
@login_required
def restore(ritual_id: int):
    """Undo a delete."""
    ritual = _ritual(ritual_id, include_deleted=True)
    if not ritual.editable_by(current_user):
        abort(403, "A solo slot is its owner's to change.")
    if service.restore(ritual):
        db.session.commit()
        flash(f"Restored “{ritual.title}”.", "success")
    return redirect(url_for(".show", ritual_id=ritual_id))
