"""Goal cards on the board, each rendered once for what it shows.

A busy quarter's board holds hundreds of cards, and Jinja takes about 60 µs to render
one. A card's HTML depends only on the goal's columns it shows, on whether the viewer
may change it, and on the URL prefix the app is served under. That tuple is the cache
key, so a changed goal (a new title, status, place …) is a new key: nothing needs to be
invalidated and a stale card cannot be served. Nothing crosses from one viewer to
another either: a viewer reaches an entry only through a row that their own scoped
query returned, and a partner's private goal reaches them as a placeholder row. Each
app keeps its own cache (its templates and URLs are its own).
"""

from threading import Lock

from cachetools import LRUCache
from flask import current_app, request
from markupsafe import Markup

from goalmap.models.board import may_change

# About 1 KB a card: a few MB per worker, and far more cards than a partnership has.
SIZE = 4096


class Cache:
    """An app's rendered cards: an LRU, shared by the threads that serve it."""

    def __init__(self) -> None:
        self.rendered: LRUCache = LRUCache(maxsize=SIZE)
        self.lock = Lock()


def editable(goal, user_id: int, read_only: bool = False) -> bool:
    """Whether the viewer may change the card: their own goal or a shared one, in a
    quarter that is not reviewed. A private placeholder is nobody's to change."""
    if read_only or getattr(goal, "is_hidden", False):
        return False
    return may_change(goal.owner_id, user_id)


def items(goals, user_id: int, read_only: bool) -> Markup:
    """The goals of one cell as list items, from the cache where they were seen before.
    ``goals`` are rows (tuples of the card's columns), as Board.load reads them."""
    macro = current_app.jinja_env.get_template("goals/_goal.html").module.item
    if current_app.jinja_env.auto_reload:  # templates may change while serving
        return Markup("").join(macro(goal, editable(goal, user_id, read_only)) for goal in goals)
    cache = current_app.extensions["goalmap_cards"]
    prefix = request.script_root
    out = []
    for goal in goals:
        key = (prefix, tuple(goal), editable(goal, user_id, read_only))
        with cache.lock:
            html = cache.rendered.get(key)
        if html is None:
            html = macro(goal, key[2])
            with cache.lock:
                cache.rendered[key] = html
        out.append(html)
    return Markup("").join(out)


def forget(app) -> None:
    """Drop the app's rendered cards (the benchmark measures the board without them too)."""
    cache = app.extensions["goalmap_cards"]
    with cache.lock:
        cache.rendered.clear()


def init_app(app) -> None:
    app.extensions["goalmap_cards"] = Cache()
    app.add_template_global(editable, "card_editable")
