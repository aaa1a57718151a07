"""Error pages that say what happened, as a page or, for htmx, as a short message."""

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from goalmap.extensions import db, htmx

FRIENDLY = {
    400: "That request could not be understood.",
    403: "That is not yours to change.",
    404: "There is nothing here, or it is not yours to see.",
    405: "That action is not available here.",
    409: "Someone changed this at the same time.",
    410: "This link no longer works.",
    413: "That was more than Goalmap takes at once (1 MB). Shorten it and try again.",
    422: "Some of what you entered needs another look.",
    429: "Too many attempts. Please wait a few minutes and try again.",
}


def _message(error: HTTPException) -> str:
    default = FRIENDLY.get(error.code, error.name)
    if error.code == 429:  # Flask-Limiter's description is the limit itself ("3 per 1 minute")
        return default
    # Werkzeug's own descriptions are written for developers; ours are written for people.
    own = error.description if error.description != type(error).description else None
    return own or default


def _render(error: HTTPException):
    message = _message(error)
    template = "errors/_message.html" if htmx else "errors/page.html"
    return render_template(template, error=error, message=message), error.code


def _csrf(error: CSRFError):
    error.description = "This form has expired. Reload the page and try again."
    return _render(error)


def _server_error(error: InternalServerError):
    db.session.rollback()
    error.description = "Something went wrong on our side. Nothing was saved; please try again."
    return _render(error)


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, _csrf)
    app.register_error_handler(InternalServerError, _server_error)
    app.register_error_handler(HTTPException, _render)
