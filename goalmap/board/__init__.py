"""Quarters and their board: lanes (a member's own, or shared) across stages (columns).

The board's structure (lanes and stages) is managed here too; Settings shows it.
"""

from flask import Blueprint

bp = Blueprint("board", __name__)
