"""The yearly review, a "relationship health review": once a year, on the day the couple
picked (else the anniversary of their first quarter), they look back on the year's wins,
contracts, changes and balance; each answers the seeds' questions privately, the answers
are revealed together, and the couple records what they keep and what they change. Kept,
a review is read-only and shows the year as it was then."""

from flask import Blueprint

bp = Blueprint("yearly", __name__, url_prefix="/yearly")
