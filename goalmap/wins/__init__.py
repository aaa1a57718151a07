"""Wins: every milestone ticked, goal done and contract completed is celebrated once and
lands on the wins wall, personal and shared wins with equal weight. A leaf area: the
others call ``service.celebrate`` and ``service.withdraw``; it calls none of them."""

from flask import Blueprint

bp = Blueprint("wins", __name__)
