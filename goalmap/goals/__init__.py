"""Goals on the board: create, edit in place, move, comment, delete and undo."""

from flask import Blueprint

bp = Blueprint("goals", __name__)
