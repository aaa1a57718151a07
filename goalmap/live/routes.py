from flask import Response, current_app, render_template, request
from flask_login import current_user, login_required

from goalmap.live import bp, service
from goalmap.live.forms import place_arg, stream_args


@bp.get("/live")
@login_required
def stream():
    """The member's live stream (Server-Sent Events): that something changed, never what."""
    config = current_app.config
    events = service.stream(
        current_app._get_current_object(),
        current_user._get_current_object(),
        **stream_args(request.args, request.headers),
        keepalive=config["LIVE_KEEPALIVE_SECONDS"],
        lifetime=config["LIVE_STREAM_SECONDS"],
        presence_ttl=config["LIVE_PRESENCE_SECONDS"],
    )
    return Response(
        events,
        mimetype="text/event-stream",
        # No proxy may hold the stream back or keep a copy of it.
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


@bp.get("/live/presence")
@login_required
def presence():
    """The presence marker: who else has this board or session open."""
    place = place_arg(request.args)
    others = service.others_here(current_user, place, current_app.config["LIVE_PRESENCE_SECONDS"])
    return render_template("live/_presence.html", place=place, others=others)
