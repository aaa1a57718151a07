"""The quarterly goal-mapping session ("planning" in code): look back, my goals, our
goals, resources, agree."""

from flask import Blueprint

bp = Blueprint("planning", __name__, url_prefix="/quarters/<int:quarter_id>/session")
