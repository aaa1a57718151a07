"""Live: each open page hears, within a moment, that something it shows has changed,
and sees who else has the board or the session open. The stream carries no content:
a page asks again through the scoped path (see ``goalmap.broadcast``)."""

from flask import Blueprint

bp = Blueprint("live", __name__)
