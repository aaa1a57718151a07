"""Milestones: a goal broken into an ordered checklist, ticked on the goal's story."""

from flask import Blueprint

bp = Blueprint("milestones", __name__)
