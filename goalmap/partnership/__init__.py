"""The partnership: its members, invitations and joining, leaving, settings and shared
values."""

from flask import Blueprint

bp = Blueprint("partnership", __name__)
