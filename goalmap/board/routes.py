import hashlib
import hmac
from datetime import date

from flask import (
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf

from goalmap.board import bp, queries, service
from goalmap.board.forms import DoneStageForm, NameForm, OrderForm, QuarterForm
from goalmap.board.queries import Board
from goalmap.extensions import db, htmx
from goalmap.flexibility import queries as flexibility
from goalmap.models import Lane, Quarter, Stage, next_quarter, utcnow
from goalmap.planning import queries as planning
from goalmap.planning.service import next_is_due, plan_after
from goalmap.scoping import get_or_404
from goalmap.views import open_quarter
from goalmap.weekly import service as weekly
from goalmap.wins import queries as wins


@bp.get("/healthz")
def health():
    """A trivial answer for load balancers (and the benchmark's ceiling)."""
    return "ok", 200, {"Content-Type": "text/plain; charset=utf-8"}


@bp.get("/")
@login_required
def index():
    """Open the current quarter's board, or offer to plan the first one."""
    return open_quarter(queries.current_quarter(current_user), ".show")


@bp.get("/quarters")
@login_required
def quarters():
    """Every quarter of the partnership, newest first."""
    return render_template("board/quarters.html", quarters=queries.quarters(current_user))


@bp.route("/quarters/new", methods=["GET", "POST"])
@login_required
def new_quarter():
    """Create a quarter with dates; its board starts empty."""
    form = QuarterForm(current_user)
    if form.validate_on_submit():
        quarter = service.create_quarter(
            current_user, form.name.data.strip(), form.starts_on.data, form.ends_on.data
        )
        if quarter is not None:
            db.session.commit()
            return redirect(url_for(".show", quarter_id=quarter.id))
        form.name.errors.append(QuarterForm.NAME_TAKEN)
    if not form.is_submitted():
        today = current_user.partnership.today()
        form.name.data, form.starts_on.data, form.ends_on.data = next_quarter(today)
    return render_template("board/new_quarter.html", form=form), 422 if form.errors else 200


@bp.post("/quarters/<int:quarter_id>/next")
@login_required
def plan_next(quarter_id: int):
    """Start the goal-mapping session for the quarter after this one."""
    current = get_or_404(Quarter, quarter_id)
    name, _starts, _ends = next_quarter(current.ends_on)
    # Opened already (perhaps a moment ago, by the partner): the same session.
    quarter = (
        queries.quarter_named(current_user, name)
        or plan_after(current)
        or queries.quarter_named(current_user, name)
    )
    db.session.commit()
    return redirect(url_for("planning.start", quarter_id=quarter.id))


@bp.get("/quarters/<int:quarter_id>")
@login_required
def show(quarter_id: int):
    """The quarter's board: a lane per member and the shared lanes, a column per stage."""
    etag = board_etag(quarter_id)
    wanted = request.if_none_match
    if etag and not wanted.star_tag and wanted.contains_weak(etag):
        return _not_modified(etag)  # before anything is loaded: see board_etag
    # Every quarter, for the switcher: the one asked for comes with them, or is not ours.
    quarters = queries.quarters(current_user)
    quarter = next((q for q in quarters if q.id == quarter_id), None)
    if quarter is None:
        abort(404)
    if etag and wanted.contains_weak(etag):  # "If-None-Match: *"
        return _not_modified(etag)
    board = Board.load(quarter, current_user)
    stage = board.opening_stage(request.args.get("stage", type=int))
    if htmx:
        response = make_response(render_template("board/_board.html", board=board, stage=stage))
    else:
        response = make_response(
            render_template(
                "board/show.html",
                board=board,
                stage=stage,
                quarters=quarters,
                due=flexibility.due(current_user, current_user.partnership.today()),
                contracts_due=board.contracts_due,
                week_due=weekly.due(current_user),
                unseen=wins.unseen(current_user, utcnow()),
                members={member.id: member for member in current_user.partnership.members},
                today=current_user.partnership.today(),
                **_next_session(quarter, quarters, current_user.partnership.today()),
            )
        )
    response.headers["Vary"] = "HX-Request"
    if etag:
        response.set_etag(etag)
        response.headers["Cache-Control"] = "private, no-cache"
    return response


def _next_session(quarter: Quarter, quarters: list[Quarter], today: date) -> dict:
    """What the board offers about goal-mapping sessions: the session being planned
    (this quarter's, or the next one's), whether anyone has started it, the quarter
    planned from this one, and whether planning the next is due."""
    planned_next = next((q for q in quarters if q.previous_id == quarter.id), None)
    session_quarter = quarter if quarter.state == "planning" else None
    if planned_next is not None and planned_next.state == "planning":
        session_quarter = planned_next
    return {
        "planned_next": planned_next,
        "session_quarter": session_quarter,
        "session_started": session_quarter is not None
        and planning.started(session_quarter, current_user),
        "next_is_due": next_is_due(quarter, today),
    }


def _not_modified(etag: str):
    return (
        "",
        304,
        {"ETag": f'"{etag}"', "Vary": "HX-Request", "Cache-Control": "private, no-cache"},
    )


def board_etag(quarter_id: int) -> str | None:
    """What the board page depends on: the partnership's last change, who looks, this
    login session's CSRF token (it is in the page) and page or fragment. None while a
    message waits to be shown.

    A matching tag is answered 304 before the quarter is even loaded. The tag binds the
    member, their login session and their partnership's last change (to the microsecond,
    shown nowhere), so in practice only a browser that was shown this board holds it;
    and a 304 carries nothing, the same empty answer whatever the quarter is."""
    if "_flashes" in session:
        return None
    if "csrf_token" not in session:
        generate_csrf()  # the page carries a token made from the session's: make one now
    parts = (
        current_user.id,
        current_user.partnership.touched_at.isoformat(),
        quarter_id,
        session["csrf_token"],
        bool(htmx),
        request.args.get("stage", ""),  # the column a phone shows first
        current_user.partnership.today().isoformat(),  # the page reminds of look-again dates
    )
    # Keyed with the app's secret: nobody can make a tag the server did not hand out.
    key = current_app.config["SECRET_KEY"]
    key = key.encode() if isinstance(key, str) else key
    return hmac.new(key, repr(parts).encode(), hashlib.sha256).hexdigest()[:32]


# The board's structure: shared lanes and stages, shown and changed in Settings.


def _to_settings():
    return redirect(url_for("partnership.settings"))


def _append(model, prefix: str, done: str):
    """Add a lane or stage, named in the form, after the existing ones."""
    form = NameForm(prefix=prefix)
    if not form.validate_on_submit():
        forms = {"lane_form": NameForm(prefix="lane"), "stage_form": NameForm(prefix="stage")}
        forms[f"{prefix}_form"] = form
        lanes, stages = queries.lanes(current_user), queries.stages(current_user)
        page = render_template("board/structure.html", lanes=lanes, stages=stages, **forms)
        return page, 422
    service.append(model, form.name.data, current_user)
    db.session.commit()
    flash(done, "success")
    return _to_settings()


def _rename(record: Lane | Stage, prefix: str):
    form = NameForm(prefix=f"{prefix}-{record.id}")
    if not form.validate_on_submit():
        flash(f"Name not saved: {'; '.join(form.name.errors)}", "error")
        return _to_settings()
    record.name = form.name.data.strip()
    db.session.commit()
    flash("Renamed.", "success")
    return _to_settings()


def _reorder(record: Lane | Stage):
    form = OrderForm()
    if not form.validate_on_submit():
        abort(400, "Choose up or down.")
    service.reorder(record, form.offset, current_user)
    db.session.commit()
    return _to_settings()


@bp.post("/lanes")
@login_required
def add_lane():
    """Add a shared lane at the bottom of the board."""
    return _append(Lane, "lane", "Lane added.")


@bp.post("/lanes/<int:lane_id>")
@login_required
def rename_lane(lane_id: int):
    """Rename a shared lane (personal lanes carry their member's name)."""
    lane = get_or_404(Lane, lane_id)
    if not lane.is_shared:
        abort(403, "A personal lane is named after its member.")
    return _rename(lane, "lane")


@bp.post("/lanes/<int:lane_id>/order")
@login_required
def order_lane(lane_id: int):
    """Move a lane up or down the board."""
    return _reorder(get_or_404(Lane, lane_id))


@bp.post("/stages")
@login_required
def add_stage():
    """Add a stage (column) at the right of the board."""
    return _append(Stage, "stage", "Column added.")


@bp.post("/stages/done")
@login_required
def done_stage():
    """Choose the done column: a goal moved there is done, a goal marked done goes there."""
    form = DoneStageForm()
    if not form.validate_on_submit():
        abort(400, "Choose a column, or none.")
    stage = get_or_404(Stage, form.stage_id.data) if form.stage_id.data else None
    service.choose_done_stage(current_user, stage)
    db.session.commit()
    flash(f"“{stage.name}” is the done column." if stage else "No column means done.", "success")
    return _to_settings()


@bp.post("/stages/<int:stage_id>")
@login_required
def rename_stage(stage_id: int):
    """Rename a stage (column)."""
    return _rename(get_or_404(Stage, stage_id), "stage")


@bp.post("/stages/<int:stage_id>/order")
@login_required
def order_stage(stage_id: int):
    """Move a stage left or right."""
    return _reorder(get_or_404(Stage, stage_id))
