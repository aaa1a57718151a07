"""Response headers that keep the browser on Goalmap's side, and the limits on
requests that cost the server dearly or guess at passwords."""

from flask import Flask, Response, current_app, request

from goalmap.extensions import limiter

# No inline scripts or styles anywhere: behaviour lives in static/js, looks in static/css.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    )
)

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def _add_headers(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    # An address carrying a secret (an invite, a new password, a calendar, stopping mail)
    # may leak into a public place: search engines must not list what it shows.
    if request.view_args and "token" in request.view_args:
        response.headers.setdefault("X-Robots-Tag", "noindex")
    return response


def init_app(app: Flask) -> None:
    app.after_request(_add_headers)


def config_value(name: str):
    """A limit read from the app's configuration when a request is checked."""
    return lambda: current_app.config[name]


def failed(response: Response) -> bool:
    """Count an attempt towards a limit only when it did not succeed (a redirect)."""
    return response.status_code != 302


# Each new account costs an argon2 hash (64 MiB): registering, and joining with a new
# account, share one limit per address.
new_account_limit = limiter.shared_limit(
    config_value("ACCOUNT_RATE_LIMIT"), scope="new-account", methods=["POST"]
)
