"""The calendar feed: each member's secret link to an iCalendar file of their
partnership's rituals, dates and sessions, for calendar apps to subscribe to."""

from flask import Blueprint

bp = Blueprint("calendar", __name__)
