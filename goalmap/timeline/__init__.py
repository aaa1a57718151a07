"""The quarter as a timeline: weeks across, a row per lane, each dated goal a bar."""

from flask import Blueprint

bp = Blueprint("timeline", __name__)
