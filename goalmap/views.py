"""What every area's views share: refusing changes to a reviewed quarter, a safe
``next`` URL, signing a member in, and goals drawn once for what they show.

Goals on the board are drawn from a cache. A busy quarter's board holds hundreds of
goals, and Jinja takes about 60 µs to draw one. A goal's list item depends only on
the goal's columns it shows, on whether the viewer may change it, and on the URL
prefix the app is served under. That tuple is the cache key, so a changed goal (a
new title, status, place …) is a new key: nothing needs to be invalidated and a stale
item cannot be served. Nothing crosses from one viewer to another either: a viewer
reaches an entry only through a row that their own scoped query returned, and a
partner's private goal reaches them as a placeholder row. Each app keeps its own
cache (its templates and URLs are its own).
"""

import secrets
from threading import Lock
from urllib.parse import urlsplit

from cachetools import LRUCache
from flask import Flask, abort, current_app, g, redirect, request, session, url_for
from flask_login import current_user, login_user
from markupsafe import Markup

from goalmap.extensions import db
from goalmap.models import MAX_INTEGER, Quarter, User, UserSession, may_change

# About 1 KB a goal: a few MB per worker, and far more goals than a partnership has.
GOAL_ITEMS_CACHED = 4096


def writable(quarter: Quarter) -> Quarter:
    """Refuse any change to a reviewed quarter: it is kept as it was, to look back on."""
    if quarter.is_read_only:
        abort(409, f"{quarter.name} is reviewed and kept as it was; it can no longer change.")
    return quarter


def changeable(goal):
    """Refuse a change to a goal in a reviewed quarter, to someone else's personal goal,
    or to a goal carried over (it goes on in the next quarter: change it there)."""
    writable(goal.quarter)
    if not goal.editable_by(current_user):
        abort(403, "Only its owner can change a personal goal.")
    if goal.status == "carried":
        abort(409, "This goal was carried over into the next quarter; change it there.")
    return goal


def open_quarter(quarter: Quarter | None, endpoint: str):
    """Redirect to ``endpoint`` of ``quarter`` (the current one), or, with no quarter yet,
    to planning the first one."""
    if quarter is None:
        return redirect(url_for("board.new_quarter"))
    return redirect(url_for(endpoint, quarter_id=quarter.id))


def id_arg(name: str) -> int | None:
    """An id from the query string, or None when it is missing or no id at all (an
    id beyond the database's integers finds nothing anyway)."""
    value = request.args.get(name, type=int)
    return value if value is not None and 0 < value <= MAX_INTEGER else None


def safe_next(default: str) -> str:
    """The ``next`` URL if it stays on this site, else ``default``."""
    target = request.args.get("next", "")
    parts = urlsplit(target)
    if target.startswith("/") and not target.startswith("//") and not parts.netloc:
        return target
    return default


def start_login_session(user: User) -> None:
    """Sign ``user`` in with a fresh login session, known to the server, so nothing from
    before carries over and the login session can be ended from the server. It commits
    the request's work together with the new login session: one commit per request (see
    goalmap.database)."""
    session.clear()
    db.session.flush()  # a new account needs its id
    _row, token = UserSession.open(user, current_app.permanent_session_lifetime)
    db.session.commit()
    session["sid"] = token
    session.permanent = True
    login_user(user)


class GoalItems:
    """An app's drawn goal items: an LRU, shared by the threads that serve it."""

    def __init__(self) -> None:
        self.drawn: LRUCache = LRUCache(maxsize=GOAL_ITEMS_CACHED)
        self.lock = Lock()


def goal_editable(goal, user_id: int | None = None, read_only: bool = False) -> bool:
    """Whether the viewer (default: the signed-in member) may change the goal: their own
    or a shared one, in a quarter that is not reviewed. A private placeholder is nobody's
    to change, nor is a goal carried over (it goes on in the next quarter)."""
    if read_only or getattr(goal, "is_hidden", False) or goal.status == "carried":
        return False
    return may_change(goal.owner_id, current_user.id if user_id is None else user_id)


def goal_items(goals, read_only: bool, check_in_goals=frozenset()) -> Markup:
    """The goals of one cell as list items, as the signed-in member may see and change
    them, from the cache where they were drawn before. ``goals`` are rows (tuples of the
    goal's shown columns), as the board reads them; ``check_in_goals``, the goals whose
    development contract waits for a check-in."""
    macro = current_app.jinja_env.get_template("goals/_goal.html").module.item
    user_id = current_user.id
    if current_app.jinja_env.auto_reload:  # templates may change while serving
        return Markup("").join(
            macro(goal, goal_editable(goal, user_id, read_only), goal.id in check_in_goals)
            for goal in goals
        )
    cache = current_app.extensions["goalmap_goal_items"]
    prefix = request.script_root
    out = []
    for goal in goals:
        due = goal.id in check_in_goals
        key = (prefix, tuple(goal), goal_editable(goal, user_id, read_only), due)
        with cache.lock:
            html = cache.drawn.get(key)
        if html is None:
            html = macro(goal, key[2], due)
            with cache.lock:
                cache.drawn[key] = html
        out.append(html)
    return Markup("").join(out)


def forget_goal_items(app: Flask) -> None:
    """Drop the app's drawn goals (the benchmark measures the board without them too)."""
    cache = app.extensions["goalmap_goal_items"]
    with cache.lock:
        cache.drawn.clear()


def live_page() -> str:
    """This page's own id, made once per request: its live stream skips the changes the
    page's own requests made (it has their answers already; see goalmap.broadcast)."""
    if "live_page" not in g:
        g.live_page = secrets.token_urlsafe(12)
    return g.live_page


def init_app(app: Flask) -> None:
    app.extensions["goalmap_goal_items"] = GoalItems()
    app.add_template_global(live_page)
    app.add_template_global(goal_editable)
    app.add_template_global(goal_items)
