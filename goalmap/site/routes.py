from flask import make_response, render_template

from goalmap.site import bp, service


@bp.app_template_global()
def theme_colours() -> dict[str, str]:
    """The theme colours, light and dark, for base.html's theme-color and the manifest."""
    return service.THEME_COLOURS


@bp.get("/manifest.webmanifest")
def manifest():
    """The web app manifest: name, colours and icons for a phone's home screen."""
    response = make_response(
        render_template("site/manifest.webmanifest", background=service.BACKGROUND)
    )
    response.mimetype = "application/manifest+json"
    response.cache_control.public = True
    response.cache_control.max_age = 24 * 3600  # it names fingerprinted icons: a day is plenty
    return response


@bp.get("/robots.txt")
def robots():
    """robots.txt: crawlers may go anywhere (see the file for why that is safe)."""
    response = make_response(render_template("site/robots.txt"))
    response.mimetype = "text/plain"
    response.cache_control.public = True
    response.cache_control.max_age = 24 * 3600
    return response
