"""Personal development contracts: one partner's commitment on a personal goal, the
other partner its witness; check-ins on a cadence, encouragement, and a history."""

from flask import Blueprint

bp = Blueprint("contracts", __name__)
