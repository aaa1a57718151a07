import json

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from goalmap.board import queries as board
from goalmap.board.queries import Board
from goalmap.contracts import queries as contracts
from goalmap.database import lock_board
from goalmap.extensions import db, htmx
from goalmap.goals import bp, queries, service
from goalmap.goals.forms import CommentForm, DoneForm, GoalForm, MoveForm, NewGoalForm
from goalmap.milestones import queries as milestones
from goalmap.milestones.forms import checklist
from goalmap.models import Goal, Lane, Quarter, Stage
from goalmap.resources.service import quarter_loads
from goalmap.scoping import get_or_404
from goalmap.views import changeable, goal_editable, safe_next, writable


def _undo_flash(goal: Goal, change: str, before: service.Place, status_before: str) -> None:
    """Say that a goal's status followed its column, with an undo that moves it back (and
    gives back the status it had, a paused goal's say)."""
    text = f"“{goal.title}” is done." if change == "done" else f"Reopened “{goal.title}”."
    undo = url_for(".move", goal_id=goal.id)
    fields = {"lane_id": before.lane_id, "stage_id": before.stage_id, "position": before.index}
    if change == "done":  # a board without a done column has only the status to undo
        fields["status"] = status_before
    target = f"#goal-{goal.id}-item" if htmx else None  # without htmx: a plain form
    celebrate = change == "done"  # a win: the page plays its celebration
    flash(
        {"text": text, "undo": undo, "fields": fields, "target": target, "celebrate": celebrate},
        "undo",
    )


def _lane_for_writing(lane_id) -> Lane:
    lane = get_or_404(Lane, lane_id)
    if not lane.editable_by(current_user):
        abort(403, "You can only put goals in your own lane or a shared one.")
    return lane


def board_changed(quarter: Quarter, headers: dict | None = None):
    """Answer a change to the board: the re-rendered board for htmx (the request names
    ``#board`` as its target), else the board page."""
    if not htmx:
        return redirect(safe_next(url_for("board.show", quarter_id=quarter.id)))
    board_now = Board.load(quarter, current_user)
    return render_template("board/_board_changed.html", board=board_now), 200, headers or {}


def _form_page(template: str, status: int = 200, **context):
    """A goal form: the fragment for htmx, the whole page otherwise."""
    if htmx:
        return render_template("goals/_goal_form.html", **context), status
    return render_template(template, **context), status


@bp.route("/quarters/<int:quarter_id>/goals/new", methods=["GET", "POST"])
@login_required
def create(quarter_id: int):
    """Add a goal to a lane and column of the quarter's board."""
    quarter = writable(get_or_404(Quarter, quarter_id))
    if request.method == "POST":
        form = NewGoalForm()
    else:
        args = request.args
        form = NewGoalForm(lane_id=args.get("lane", type=int), stage_id=args.get("stage", type=int))
    lane = _lane_for_writing(form.lane_id.data)
    stage = get_or_404(Stage, form.stage_id.data)
    if request.method == "POST" and form.validate():
        lock_board(quarter.id)
        goal = service.create(quarter, lane, stage, current_user, form.values(lane.is_shared))
        db.session.commit()
        flash(f"Added “{goal.title}”.", "success")
        # The form asked to replace itself (where its errors show); success is the board.
        return board_changed(quarter, {"HX-Retarget": "#board", "HX-Reswap": "outerHTML"})
    status = 422 if request.method == "POST" else 200
    return _form_page("goals/new.html", status, form=form, quarter=quarter, lane=lane, stage=stage)


@bp.get("/goals/<int:goal_id>")
@login_required
def show(goal_id: int):
    """One goal's card (htmx: to cancel an edit) or its place on the board."""
    goal = get_or_404(Goal, goal_id)
    if htmx:
        return render_template(
            "goals/_goal.html",
            goal=goal,
            read_only=goal.quarter.is_read_only,
            check_in_due=goal.id in contracts.due_goal_ids(current_user),
        ), {"Vary": "HX-Request"}
    return redirect(_on_board(goal))


@bp.route("/goals/<int:goal_id>/edit", methods=["GET", "POST"])
@login_required
def edit(goal_id: int):
    """Edit a goal in place; a save on a stale version is shown as a conflict."""
    goal = changeable(get_or_404(Goal, goal_id))
    form = GoalForm(obj=goal if request.method == "GET" else None)
    if not form.validate_on_submit():
        status = 422 if form.is_submitted() else 200
        return _form_page("goals/edit.html", status, form=form, goal=goal)
    values = form.values(goal.lane.is_shared)
    before, status_before = None, goal.status
    if (values["status"] == "done") != (goal.status == "done"):
        lock_board(goal.quarter_id, goal)  # the goal may change columns: see service.edit
        before = service.place_of(goal)  # where an undo would put it back
    if not service.edit(goal, int(form.version.data or 0), values, current_user):
        # Someone saved first: show both versions; saving again keeps the user's words.
        form.version.data = str(goal.version)
        return _form_page("goals/edit.html", 409, form=form, goal=goal, conflict=True)
    moved = before is not None and (goal.lane_id, goal.stage_id) != (
        before.lane_id,
        before.stage_id,
    )
    if moved:
        _undo_flash(goal, "done" if goal.status == "done" else "reopened", before, status_before)
    db.session.commit()
    if not htmx:
        if not moved:
            flash("Goal saved.", "success")
        return redirect(safe_next(_on_board(goal)))
    message = f"Saved “{goal.title}”."
    if moved:  # the page puts the goal in its new column (static/js/board.js)
        event = {"goal-moved": {**_place(goal), "message": message}}
    else:
        event = {"goal-saved": {"id": goal.id, "message": message}}
    # The form asked to replace itself (in the board's dialog, where its errors and a
    # conflict show); a save is the goal's card on the board, and the dialog closes.
    return render_template("goals/_saved.html", goal=goal, flashes=moved), {
        "HX-Trigger-After-Settle": json.dumps(event),
        "HX-Retarget": f"#goal-{goal.id}",
        "HX-Reswap": "outerHTML",
    }


def _on_board(goal: Goal) -> str:
    return url_for("board.show", quarter_id=goal.quarter_id, _anchor=f"goal-{goal.id}")


def _place(goal: Goal) -> dict:
    """Where a goal now stands, for the page to put it there."""
    return {
        "id": goal.id,
        "lane": goal.lane_id,
        "stage": goal.stage_id,
        "position": goal.index_in_cell(),
    }


@bp.route("/goals/<int:goal_id>/move", methods=["GET", "POST"])
@login_required
def move(goal_id: int):
    """Move a goal to a lane, column and position (the form is the keyboard way to do it)."""
    goal = get_or_404(Goal, goal_id)
    form = MoveForm()
    if not form.validate_on_submit():
        changeable(goal)
        if form.is_submitted():
            abort(422, "Choose a lane, a column and a position.")
        lanes, stages = board.lanes(current_user), board.stages(current_user)
        template = "goals/_move_form.html" if htmx else "goals/move.html"
        places = _places(goal, goal.lane_id, goal.stage_id)
        return render_template(template, goal=goal, lanes=lanes, stages=stages, places=places)
    lane = _lane_for_writing(form.lane_id.data)
    stage = get_or_404(Stage, form.stage_id.data)
    # Only what places goals waits for the board: the lane and column are read before.
    lock_board(goal.quarter_id, goal)
    changeable(goal)
    owner_before, lane_before, status_before = goal.owner_id, goal.lane_id, goal.status
    # Done is one fact: a move into or out of the done column changes the status too,
    # and offers to undo the move.
    place, change, before = service.move(goal, lane, stage, form.position.data, current_user)
    if change:
        _undo_flash(goal, change, before, status_before)
    if form.status.data and form.status.data != goal.status:  # an undo gives it back
        service.set_status(goal, form.status.data, current_user)
    db.session.commit()
    message = f"Moved “{goal.title}” to {stage.name} in {lane.title}, place {place + 1}."
    if not htmx:
        if not change:
            flash(message, "success")
        return redirect(_on_board(goal))
    # A small answer: the goal's item (the request's target), the goal counts of the
    # lanes it left and joined, if it changed lanes, and the loads when the move changed
    # whose goal it is.
    moved = {
        "id": goal.id,
        "lane": lane.id,
        "stage": stage.id,
        "position": place,
        "message": message,
    }
    lanes = {}
    if lane.id != lane_before:  # a move within a lane changes no count
        counts = board.lane_counts(goal.quarter_id, current_user)
        lanes = {lane_before: counts.get(lane_before, 0), lane.id: counts.get(lane.id, 0)}
    changed_load = goal.owner_id != owner_before or change
    loads = quarter_loads(goal.quarter, current_user) if changed_load else None
    currency = current_user.partnership.currency
    return render_template(
        "goals/_moved.html",
        goal=goal,
        lanes=lanes,
        loads=loads,
        currency=currency,
        flashes=bool(change),
    ), {"HX-Trigger-After-Settle": json.dumps({"goal-moved": moved})}


@bp.get("/goals/<int:goal_id>/move/places")
@login_required
def move_places(goal_id: int):
    """The move form's Place choices for the lane and column chosen in it (htmx asks
    when either changes, so the choices name the goals of the cell the goal will go to)."""
    goal = changeable(get_or_404(Goal, goal_id))
    lane = _lane_for_writing(request.args.get("lane_id", type=int))
    stage = get_or_404(Stage, request.args.get("stage_id", type=int))
    return render_template(
        "goals/_move_place.html", goal=goal, places=_places(goal, lane.id, stage.id)
    )


def _places(goal: Goal, lane_id: int, stage_id: int) -> list[tuple[int, str, bool]]:
    others = queries.cell_neighbours(goal, lane_id, stage_id, current_user)
    return service.places(goal, lane_id, stage_id, others)


@bp.get("/goals/<int:goal_id>/story")
@login_required
def story(goal_id: int):
    """A goal's story: what it is, what it takes, what happened to it, and the partners'
    comments and cheers (a dialog on the board, a page without JavaScript)."""
    goal = get_or_404(Goal, goal_id)
    return _story(goal)


def _story(goal: Goal, form: CommentForm | None = None, status: int = 200, flashes=False):
    editable = goal_editable(goal, read_only=goal.quarter.is_read_only)
    context = {
        **checklist(goal, milestones.of_goal(goal, current_user), editable),
        "goal": goal,
        "events": queries.story_events(goal, current_user),
        "comments": queries.story_comments(goal, current_user),
        "notes": queries.current_notes(goal, current_user),
        "carried_from": queries.carried_from(goal, current_user),
        "continuation": queries.continuation(goal, current_user),
        "contracts": contracts.contracts(current_user, goal_id=goal.id),
        "form": form or CommentForm(formdata=None),  # empty, even after a comment
        "dialog": bool(htmx),
        "flashes": flashes,
    }
    template = "goals/_story.html" if htmx else "goals/story.html"
    return render_template(template, **context), status, {"Vary": "HX-Request"}


def _after_comment(goal: Goal):
    """Back to the story: the fragment for htmx, else the page that asked (``next``)."""
    if htmx:
        return _story(goal)
    return redirect(safe_next(url_for(".story", goal_id=goal.id)))


@bp.post("/goals/<int:goal_id>/comments")
@login_required
def comment(goal_id: int):
    """Leave a word on a goal (comments never change the goal itself)."""
    goal = get_or_404(Goal, goal_id)
    writable(goal.quarter)
    form = CommentForm()
    if not form.validate_on_submit():
        if htmx:
            return _story(goal, form, 422)
        flash("Comment not added: " + " ".join(form.body.errors), "error")
        return redirect(safe_next(url_for(".story", goal_id=goal.id)))
    service.comment(goal, current_user, form.body.data)
    db.session.commit()
    if not htmx:  # the story the fragment shows says it already
        flash("Your comment is added.", "success")
    return _after_comment(goal)


@bp.post("/goals/<int:goal_id>/cheers")
@login_required
def cheer(goal_id: int):
    """Cheer a goal, once."""
    goal = get_or_404(Goal, goal_id)
    writable(goal.quarter)
    cheered = service.cheer(goal, current_user)
    db.session.commit()
    if not htmx:  # the story the fragment shows says it already
        flash(f"You cheered “{goal.title}”." if cheered else "You cheered it already.", "info")
    return _after_comment(goal)


@bp.post("/goals/<int:goal_id>/done")
@login_required
def done(goal_id: int):
    """Mark a goal done in one step (its win is celebrated), with an undo; for htmx, the
    goal's story again (the checklist offers this once every milestone is ticked)."""
    goal = changeable(get_or_404(Goal, goal_id))
    lock_board(goal.quarter_id, goal)
    changeable(goal)  # as it is now: a twin request may have marked it done meanwhile
    if goal.status != "done":
        before, status_before = service.place_of(goal), goal.status
        service.set_status(goal, "done", current_user)
        _undo_flash(goal, "done", before, status_before)
        db.session.commit()
    if htmx:
        return _story(goal, flashes=True)
    return redirect(safe_next(_on_board(goal)))


@bp.post("/goals/<int:goal_id>/mark-done")
@login_required
def mark_done(goal_id: int):
    """One tap on a card marks its goal done (its win is celebrated), with an undo; a card
    drawn before someone else changed the goal is a conflict, never a silent overwrite."""
    goal = changeable(get_or_404(Goal, goal_id))
    form = DoneForm()
    if not form.validate_on_submit():
        abort(422, "This card is out of date; reload the page.")
    lock_board(goal.quarter_id, goal)
    changeable(goal)  # as it is now: a twin request may have changed it meanwhile
    if goal.status == "done":  # a double tap: the first one did it
        return _done_answer(goal, 200, changed=False)
    if goal.version != form.version.data:
        flash(
            f"“{goal.title}” changed since your board showed it: nothing was marked done. "
            "Here it is as it is now.",
            "error",
        )
        return _done_answer(goal, 409, changed=False)
    before, status_before = service.place_of(goal), goal.status
    service.set_status(goal, "done", current_user)
    _undo_flash(goal, "done", before, status_before)
    db.session.commit()
    return _done_answer(goal, 200, changed=True)


def _done_answer(goal: Goal, status: int, changed: bool):
    """The goal's item in its place now (htmx: the request's target, with the loads and
    the message), else the board."""
    if not htmx:
        return redirect(safe_next(_on_board(goal)))
    loads = quarter_loads(goal.quarter, current_user) if changed else None
    answer = render_template(
        "goals/_moved.html",
        goal=goal,
        lanes={},
        loads=loads,
        currency=current_user.partnership.currency,
        flashes=True,
    )
    moved = {**_place(goal), "message": f"“{goal.title}” is done."} if changed else _place(goal)
    return answer, status, {"HX-Trigger-After-Settle": json.dumps({"goal-moved": moved})}


@bp.post("/goals/<int:goal_id>/delete")
@login_required
def delete(goal_id: int):
    """Delete a goal softly; the answer offers an undo."""
    goal = changeable(get_or_404(Goal, goal_id))
    lock_board(goal.quarter_id, goal)
    if goal.deleted_at is not None:  # deleted a moment ago, in another window
        abort(404)
    goal.soft_delete()
    db.session.commit()
    # On the board the undo puts the board back; elsewhere (a session step) it is a plain
    # form that returns to the page it came from.
    undo = url_for(".restore", goal_id=goal.id, next=None if htmx else request.args.get("next"))
    flash(
        {"text": f"Deleted “{goal.title}”.", "undo": undo, "target": "#board" if htmx else None},
        "undo",
    )
    return board_changed(goal.quarter)


@bp.post("/goals/<int:goal_id>/restore")
@login_required
def restore(goal_id: int):
    """Undo a delete: the goal comes back at the end of its column."""
    goal = changeable(get_or_404(Goal, goal_id, include_deleted=True))
    if goal.deleted_at is not None:
        lock_board(goal.quarter_id, goal)
        goal.restore()
        db.session.commit()
        flash(f"Restored “{goal.title}”.", "success")
    return board_changed(goal.quarter)
