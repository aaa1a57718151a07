"""Rituals and solo slots: the recurring time a couple keeps, shown as a week in three
colours (solo, joint, flexible) and counted in each partner's load."""

from flask import Blueprint

bp = Blueprint("rituals", __name__)
