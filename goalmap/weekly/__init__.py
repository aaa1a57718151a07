"""The weekly check-in: each partner answers the couple's prompts for the week, and
sees the other's answers only after giving their own."""

from flask import Blueprint

bp = Blueprint("weekly", __name__, url_prefix="/weekly")
