from functools import partial

from flask import (
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from werkzeug.http import http_date

from goalmap.calendar import bp, queries, service
from goalmap.calendar.forms import LinkForm
from goalmap.extensions import db

EXPIRED = "This form has expired. Reload the page and try again."


def _page(token: str | None = None, status: int = 200, conflict: bool = False):
    """The calendar page, with a link just made (shown this once) when there is one."""
    links = None
    if token is not None:
        https = url_for(".feed", token=token, _external=True)
        # The same address for apps that subscribe when a webcal: link is opened.
        links = {"https": https, "webcal": "webcal://" + https.split("://", 1)[1]}
    page = render_template(
        "calendar/show.html",
        feed=queries.live_feed_of(current_user),
        links=links,
        conflict=conflict,
    )
    # A page that shows the secret is kept nowhere: not in a cache, not for the back button.
    return page, status, {"Cache-Control": "no-store"} if links else {}


@bp.get("/calendar")
@login_required
def page():
    """Your calendar link: what it holds, and making, renewing or stopping it."""
    return _page()


@bp.post("/calendar")
@login_required
def create():
    """Make your calendar link (a new one stops the old at once) and show it once."""
    if not LinkForm().validate_on_submit():
        abort(400, EXPIRED)
    token = service.issue(current_user)
    if token is None:
        db.session.rollback()
        return _page(status=409, conflict=True)
    db.session.commit()
    return _page(token)


@bp.post("/calendar/revoke")
@login_required
def revoke():
    """Stop your calendar link: calendars subscribed to it get nothing more."""
    if not LinkForm().validate_on_submit():
        abort(400, EXPIRED)
    if service.revoke(current_user):
        db.session.commit()
        flash("Your calendar link is stopped: calendars subscribed to it get nothing more.", "info")
    return redirect(url_for(".page"))


@bp.get("/calendar/<token>.ics")
def feed(token: str):
    """Your calendar as iCalendar, for whoever holds its secret link (no sign-in: a
    calendar app cannot sign in). An unknown and a revoked link are the same 404."""
    found = queries.live_feed(token)
    if found is None:
        abort(404)
    key = current_app.config["SECRET_KEY"]
    key = key.encode() if isinstance(key, str) else key
    version = service.version(found, key, request.host_url)
    headers = {"ETag": f'"{version.etag}"', "Cache-Control": "private, no-cache"}
    if version.last_modified is not None:
        headers["Last-Modified"] = http_date(version.last_modified)
    if _not_modified(version):
        return "", 304, headers  # before anything else is read
    body = service.build(found.user, partial(url_for, _external=True))
    response = make_response(body)
    response.headers.update(headers)
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def _not_modified(version: service.Version) -> bool:
    """Whether the calendar asking holds this version already: by its ETag when it sends
    one (If-Modified-Since is then ignored, RFC 9110), else by the date."""
    if request.if_none_match:
        return request.if_none_match.contains_weak(version.etag)
    since, changed = request.if_modified_since, version.last_modified
    return since is not None and changed is not None and changed <= since
