from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from goalmap.extensions import db, htmx
from goalmap.milestones import bp, queries, service
from goalmap.milestones.forms import MilestoneForm, NewMilestoneForm, OrderForm, checklist
from goalmap.models import Goal, Milestone
from goalmap.scoping import get_or_404
from goalmap.views import changeable, goal_editable, safe_next


def _section(goal: Goal, status: int = 200, **context):
    """The goal's checklist: the story's section for htmx, else back to the story."""
    if not htmx:
        return redirect(safe_next(url_for("goals.story", goal_id=goal.id)))
    db.session.refresh(goal)  # its counters moved on in the database
    editable = goal_editable(goal, read_only=goal.quarter.is_read_only)
    milestones = queries.of_goal(goal, current_user)
    return render_template(
        "milestones/_milestones.html",
        **checklist(goal, milestones, editable, flashes=True, **context),
    ), status


def _milestone(milestone_id: int, include_deleted: bool = False) -> Milestone:
    """A milestone of a goal the member may change."""
    milestone = get_or_404(Milestone, milestone_id, include_deleted=include_deleted)
    changeable(milestone.goal)
    return milestone


@bp.get("/goals/<int:goal_id>/milestones")
@login_required
def show(goal_id: int):
    """A goal's checklist (htmx: its section of the story), else the story itself."""
    goal = get_or_404(Goal, goal_id)
    if not htmx:
        return redirect(url_for("goals.story", goal_id=goal.id))
    body, status = _section(goal)
    return body, status, {"Vary": "HX-Request"}


@bp.post("/goals/<int:goal_id>/milestones")
@login_required
def add(goal_id: int):
    goal = changeable(get_or_404(Goal, goal_id))
    form = NewMilestoneForm()
    if not form.validate():
        if htmx:
            return _section(goal, 422, new_milestone=form)
        flash("Milestone not added: " + " ".join(_errors(form)), "error")
        return _section(goal)
    milestone = service.add(goal, current_user, form.title.data, form.target_on.data)
    db.session.commit()
    if not htmx:
        flash(f"Added the milestone “{milestone.title}”.", "success")
    return _section(goal)


@bp.post("/milestones/<int:milestone_id>")
@login_required
def edit(milestone_id: int):
    """Rename a milestone or change its date; a stale save is a conflict."""
    milestone = _milestone(milestone_id)
    form = MilestoneForm()
    if not form.validate():
        if htmx:
            return _section(milestone.goal, 422, editing=milestone.id, edit_form=form)
        flash("Milestone not saved: " + " ".join(_errors(form)), "error")
        return _section(milestone.goal)
    if not service.rename(milestone, form.version.data or 0, form.title.data, form.target_on.data):
        db.session.refresh(milestone)
        message = (
            f"Not saved: this milestone was changed a moment ago and now reads "
            f"“{milestone.title}”. Your words are kept below; save again to use them."
        )
        if htmx:
            form.version.data = milestone.version
            form.title.errors = [*form.title.errors, message]
            return _section(milestone.goal, 409, editing=milestone.id, edit_form=form)
        flash(message, "error")
        return _section(milestone.goal)
    db.session.commit()
    if not htmx:
        flash("Milestone saved.", "success")
    return _section(milestone.goal)


@bp.post("/milestones/<int:milestone_id>/done")
@login_required
def done(milestone_id: int):
    """Tick a milestone: its win is celebrated, with an undo."""
    milestone = _milestone(milestone_id)
    if service.tick(milestone, current_user):
        db.session.commit()
        target = f"#goal-{milestone.goal_id}-milestones" if htmx else None
        text = f"Milestone reached: “{milestone.title}”. Well done!"
        undo = url_for(".reopen", milestone_id=milestone.id)
        flash({"text": text, "undo": undo, "target": target, "celebrate": True}, "undo")
    return _section(milestone.goal)


@bp.post("/milestones/<int:milestone_id>/open")
@login_required
def reopen(milestone_id: int):
    """Untick a milestone (its win leaves the wall)."""
    milestone = _milestone(milestone_id)
    if service.untick(milestone):
        db.session.commit()
        flash(f"“{milestone.title}” is open again.", "info")
    return _section(milestone.goal)


@bp.post("/milestones/<int:milestone_id>/order")
@login_required
def order(milestone_id: int):
    """Move a milestone one place up or down the checklist."""
    milestone = _milestone(milestone_id)
    form = OrderForm()
    if not form.validate():
        abort(422, "Move it up or down.")
    if service.move(milestone, form.direction.data, current_user):
        db.session.commit()
    return _section(milestone.goal)


@bp.post("/milestones/<int:milestone_id>/delete")
@login_required
def delete(milestone_id: int):
    """Delete a milestone softly, with an undo."""
    milestone = _milestone(milestone_id)
    if not service.remove(milestone):
        abort(404)  # deleted a moment ago, in another window
    db.session.commit()
    target = f"#goal-{milestone.goal_id}-milestones" if htmx else None
    undo = url_for(".restore", milestone_id=milestone.id)
    flash({"text": f"Deleted “{milestone.title}”.", "undo": undo, "target": target}, "undo")
    return _section(milestone.goal)


@bp.post("/milestones/<int:milestone_id>/restore")
@login_required
def restore(milestone_id: int):
    milestone = _milestone(milestone_id, include_deleted=True)
    if service.restore(milestone, current_user):
        db.session.commit()
        flash(f"Restored “{milestone.title}”.", "success")
    return _section(milestone.goal)


def _errors(form: MilestoneForm) -> list[str]:
    return [error for field in form for error in field.errors]
