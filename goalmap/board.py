"""Quarters and their board."""

import hashlib
import hmac
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from flask import (
    Blueprint,
    abort,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup
from sqlalchemy import Integer, bindparam
from wtforms import StringField
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from goalmap import cards
from goalmap.balance import Load, quarter_loads
from goalmap.extensions import db, htmx
from goalmap.fields import DayField, Form, strip
from goalmap.models import Goal, Lane, Quarter, Stage
from goalmap.models.board import next_quarter
from goalmap.planning.service import plan_after
from goalmap.scoping import VIEWER, board_goals, get_or_404, hidden_goals, scoped, viewer
from goalmap.timeline import build as build_timeline

bp = Blueprint("board", __name__)


# What a card shows; board_goals adds is_hidden and masks a partner's private goals.
CARD_COLUMNS = (
    Goal.id,
    Goal.lane_id,
    Goal.stage_id,
    Goal.position,
    Goal.owner_id,
    Goal.title,
    Goal.notes,
    Goal.starts_on,
    Goal.target_on,
    Goal.status,
    Goal.is_private,
    Goal.is_draft,
    Goal.carried_over,
)


# The board is the page people open most: its statements are built once, for any member
# (scoping.VIEWER), and run with the member's values (scoping.viewer).
QUARTERS = scoped(Quarter, user=VIEWER).order_by(Quarter.starts_on.desc())
LANES = scoped(Lane, user=VIEWER).order_by(Lane.position)
STAGES = scoped(Stage, user=VIEWER).order_by(Stage.position)
GOALS = board_goals(bindparam("quarter_id", type_=Integer), CARD_COLUMNS, user=VIEWER)
# The timeline's bars need a few columns of each goal (see goalmap.timeline): plain rows.
TIMELINE_GOALS = (
    scoped(Goal, user=VIEWER)
    .where(Goal.quarter_id == bindparam("quarter_id", type_=Integer))
    .with_only_columns(
        Goal.id,
        Goal.lane_id,
        Goal.owner_id,
        Goal.title,
        Goal.status,
        Goal.starts_on,
        Goal.target_on,
    )
)


@dataclass
class Board:
    quarter: Quarter
    lanes: list[Lane]
    stages: list[Stage]
    cells: dict = field(default_factory=lambda: defaultdict(list))
    loads: list[Load] = field(default_factory=list)

    @classmethod
    def load(cls, quarter: Quarter) -> "Board":
        """Everything the board shows, in a fixed number of queries whatever its size."""
        board = cls(
            quarter=quarter,
            lanes=db.session.scalars(LANES, viewer()).all(),
            stages=db.session.scalars(STAGES, viewer()).all(),
        )
        # Plain rows, not ORM objects: a card only reads columns, and rows load ~8x faster.
        for goal in db.session.execute(GOALS, viewer(quarter_id=quarter.id)):
            board.cells[goal.lane_id, goal.stage_id].append(goal)
        board.loads = quarter_loads(quarter, current_user)
        return board

    def cell(self, lane: Lane, stage: Stage) -> list:
        return self.cells.get((lane.id, stage.id), [])

    def items(self, lane: Lane, stage: Stage) -> Markup:
        """The cell's goals as list items, as the viewer may see and change them."""
        return cards.items(self.cell(lane, stage), current_user.id, self.quarter.is_read_only)

    def lane_count(self, lane: Lane) -> int:
        return sum(len(self.cell(lane, stage)) for stage in self.stages)


class QuarterForm(Form):
    name = StringField("Name", filters=[strip], validators=[DataRequired(), Length(max=40)])
    starts_on = DayField("Starts on", validators=[InputRequired("Enter a start date.")])
    ends_on = DayField("Ends on", validators=[InputRequired("Enter an end date.")])

    def validate_ends_on(self, field) -> None:
        if self.starts_on.data and field.data and field.data <= self.starts_on.data:
            raise ValidationError("The end date must come after the start date.")
        if self.starts_on.data and field.data and (field.data - self.starts_on.data).days > 186:
            raise ValidationError("A quarter can last at most six months.")

    def validate_name(self, field) -> None:
        taken = db.session.scalar(scoped(Quarter).where(Quarter.name == field.data.strip()))
        if taken:
            raise ValidationError("You already have a quarter with this name.")


def writable(quarter: Quarter) -> Quarter:
    """Refuse any change to a reviewed quarter: it is kept as it was, to look back on."""
    if quarter.is_read_only:
        abort(409, f"{quarter.name} is reviewed and kept as it was; it can no longer change.")
    return quarter


def current_quarter() -> Quarter | None:
    """The quarter to open by default: the active one, else the newest."""
    quarters = db.session.scalars(QUARTERS, viewer()).all()
    return next((q for q in quarters if q.state == "active"), quarters[0] if quarters else None)


@bp.get("/healthz")
def health():
    """A trivial answer for load balancers (and the benchmark's ceiling)."""
    return "ok", 200, {"Content-Type": "text/plain; charset=utf-8"}


@bp.get("/")
@login_required
def index():
    """Open the current quarter's board, or offer to plan the first one."""
    quarter = current_quarter()
    if quarter is None:
        return redirect(url_for(".new_quarter"))
    return redirect(url_for(".show", quarter_id=quarter.id))


@bp.get("/quarters")
@login_required
def quarters():
    """Every quarter of the partnership, newest first."""
    rows = db.session.scalars(QUARTERS, viewer()).all()
    return render_template("board/quarters.html", quarters=rows)


@bp.route("/quarters/new", methods=["GET", "POST"])
@login_required
def new_quarter():
    """Create a quarter with dates; its board starts empty."""
    form = QuarterForm()
    if form.validate_on_submit():
        quarter = Quarter(
            partnership_id=current_user.partnership_id,
            name=form.name.data.strip(),
            starts_on=form.starts_on.data,
            ends_on=form.ends_on.data,
        )
        db.session.add(quarter)
        db.session.commit()
        return redirect(url_for(".show", quarter_id=quarter.id))
    if not form.is_submitted():
        form.name.data, form.starts_on.data, form.ends_on.data = next_quarter(date.today())
    return render_template("board/new_quarter.html", form=form), 422 if form.errors else 200


@bp.get("/quarters/<int:quarter_id>/timeline")
@login_required
def timeline(quarter_id: int):
    """The quarter's goals as bars across its weeks, where lives intersect and diverge."""
    quarter = get_or_404(Quarter, quarter_id)
    lanes = db.session.scalars(LANES, viewer()).all()
    goals = db.session.execute(TIMELINE_GOALS, viewer(quarter_id=quarter.id)).all()
    hidden = len(db.session.execute(hidden_goals(quarter.id)).all())
    plan = build_timeline(quarter, lanes, goals, current_user.partnership.members)
    return render_template("board/timeline.html", timeline=plan, hidden=hidden)


@bp.post("/quarters/<int:quarter_id>/next")
@login_required
def plan_next(quarter_id: int):
    """Start the goal-mapping session for the quarter after this one."""
    current = get_or_404(Quarter, quarter_id)
    name, _starts, _ends = next_quarter(current.ends_on)
    existing = db.session.scalar(scoped(Quarter).where(Quarter.name == name))
    quarter = existing or plan_after(current)
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
    quarters = db.session.scalars(QUARTERS, viewer()).all()
    quarter = next((q for q in quarters if q.id == quarter_id), None)
    if quarter is None:
        abort(404)
    if etag and wanted.contains_weak(etag):  # "If-None-Match: *"
        return _not_modified(etag)
    if htmx:
        response = make_response(render_template("board/_board.html", board=Board.load(quarter)))
    else:
        response = make_response(
            render_template("board/show.html", board=Board.load(quarter), quarters=quarters)
        )
    response.headers["Vary"] = "HX-Request"
    if etag:
        response.set_etag(etag)
        response.headers["Cache-Control"] = "private, no-cache"
    return response


def _not_modified(etag: str):
    return (
        "",
        304,
        {"ETag": f'"{etag}"', "Vary": "HX-Request", "Cache-Control": "private, no-cache"},
    )


def board_etag(quarter_id: int) -> str | None:
    """What the board page depends on: the partnership's last change, who looks, this
    session's CSRF token (it is in the page) and page or fragment. None while a message
    waits to be shown.

    A matching tag is answered 304 before the quarter is even loaded. The tag binds the
    member, their session and their partnership's last change (to the microsecond, shown
    nowhere), so in practice only a browser that was shown this board holds it; and a 304
    carries nothing, the same empty answer whatever the quarter is."""
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
    )
    # Keyed with the app's secret: nobody can make a tag the server did not hand out.
    key = current_app.config["SECRET_KEY"]
    key = key.encode() if isinstance(key, str) else key
    return hmac.new(key, repr(parts).encode(), hashlib.sha256).hexdigest()[:32]
