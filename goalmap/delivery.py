"""How answers travel: compressed when the browser accepts it, and static files cached
for a year under a fingerprint of their content.

Compression is Flask-Compress, for the embedded default (``make run``, gunicorn on its
own). Behind a reverse proxy that compresses, turn it off with COMPRESS_RESPONSES=off
(README, "Deploying"). The live stream (``text/event-stream``) is never compressed: a
compressor holds bytes back until it has enough of them, and an event must leave at once.
"""

import gzip
import hashlib
import re
from functools import lru_cache
from pathlib import Path

import brotli
from flask import Flask, Response, current_app, g, request
from flask_compress import Compress

# What is worth compressing: text. Not text/event-stream (see above), not images that are
# compressed already (PNG).
COMPRESSED_TYPES = (
    "text/html",
    "text/css",
    "text/javascript",
    "application/javascript",
    "application/json",
    "application/manifest+json",
    "image/svg+xml",
    "text/calendar",
    "text/csv",
    "text/plain",
)

# Brotli first (every current browser sends "br"), gzip for the rest.
ALGORITHMS = ("br", "gzip")

# Flask-Compress marks a compressed answer's strong ETag with its coding ("tag:br"), as
# a different representation must have a different tag. Browsers send that tag back.
CODED_TAG = re.compile(r'"([^"]*):(?:br|gzip|zstd|deflate)"')

YEAR = 365 * 24 * 3600


def init_app(app: Flask) -> None:
    app.url_defaults(_fingerprint_static_urls)
    app.after_request(_cache_fingerprinted)
    if not app.config["COMPRESS_RESPONSES"]:
        return
    app.config.setdefault("COMPRESS_MIMETYPES", list(COMPRESSED_TYPES))
    app.config.setdefault("COMPRESS_ALGORITHM", list(ALGORITHMS))
    # Static files are sent as streams; the live stream is excluded by its type.
    app.config.setdefault("COMPRESS_ALGORITHM_STREAMING", list(ALGORITHMS))
    # Routes answer their own conditional requests (the board's and the calendar feed's
    # ETags, send_file's): no second evaluation after compression.
    app.config.setdefault("COMPRESS_EVALUATE_CONDITIONAL_REQUEST", False)
    app.before_request(_uncode_if_none_match)
    app.after_request(_code_not_modified)
    # create_app calls this before the kernel's other hooks are registered, so it runs
    # after them (Flask runs them in reverse): it compresses the answer as they left it.
    app.extensions["goalmap_compress"] = Compress(app)
    app.after_request(_close_the_original)  # these two run before Flask-Compress's hook
    app.after_request(_precompressed_static)


def _close_the_original(response: Response) -> Response:
    """Flask-Compress replaces a streamed body (a static file) with a compressing
    generator, which does not close the file it reads: closing the answer must."""
    body = response.response
    if response.is_streamed and hasattr(body, "close"):
        response.call_on_close(body.close)
    return response


def _precompressed_static(response: Response) -> Response:
    """A static file is compressed once per process, at Brotli's best, instead of on
    every request: under load that halved the time a page's files took to arrive."""
    if request.endpoint != "static" or response.status_code != 200:
        return response
    if response.mimetype not in COMPRESSED_TYPES or "Content-Encoding" in response.headers:
        return response
    coding = request.accept_encodings.best_match(ALGORITHMS)
    path = _static_path((request.view_args or {}).get("filename", ""))
    if coding is None or path is None:
        return response
    stat = path.stat()
    if stat.st_size < current_app.config.get("COMPRESS_MIN_SIZE", 500):
        return response
    packed = _packed(str(path), stat.st_mtime_ns, stat.st_size, coding)
    tag, weak = response.get_etag()
    response.close()  # the file send_file opened
    response.direct_passthrough = False
    response.set_data(packed)
    response.headers["Content-Encoding"] = coding
    if tag and not weak:
        response.set_etag(f"{tag}:{coding}")  # as Flask-Compress marks the tags it codes
    return response


@lru_cache(maxsize=128)
def _packed(path: str, mtime_ns: int, size: int, coding: str) -> bytes:
    data = Path(path).read_bytes()
    return brotli.compress(data, quality=11) if coding == "br" else gzip.compress(data, 9)


def _uncode_if_none_match() -> None:
    """Let a route match the tag it made when the browser sends back the compressed
    answer's tag ("tag:br"), so the board and the calendar feed still answer 304 before
    they load anything."""
    sent = request.environ.get("HTTP_IF_NONE_MATCH")
    if not sent or not CODED_TAG.search(sent):
        return
    g.coded_tag = CODED_TAG.search(sent).group(0)
    request.environ["HTTP_IF_NONE_MATCH"] = CODED_TAG.sub(r'"\1"', sent)
    request.__dict__.pop("if_none_match", None)  # in case something read it already


def _code_not_modified(response: Response) -> Response:
    """A 304 names the representation the browser holds: the compressed one's tag."""
    coded = g.pop("coded_tag", None)
    if response.status_code == 304 and coded:
        tag, weak = response.get_etag()
        if tag and not weak and coded.startswith(f'"{tag}:'):
            response.headers["ETag"] = coded
    return response


def _fingerprint_static_urls(endpoint: str, values: dict) -> None:
    """Every ``url_for('static', ...)`` carries ``v``, a fingerprint of the file's
    content: a changed file is a new URL, so each URL can be cached for a year."""
    if endpoint != "static" or "filename" not in values or "v" in values:
        return
    if fingerprint := _fingerprint(values["filename"]):
        values["v"] = fingerprint


def _cache_fingerprinted(response: Response) -> Response:
    """A static file asked for by its current fingerprint never changes: cache it for a
    year. Anything else from static/ is revalidated as before."""
    if request.endpoint != "static" or response.status_code not in (200, 304):
        return response
    wanted = request.args.get("v")
    if wanted and wanted == _fingerprint((request.view_args or {}).get("filename", "")):
        response.cache_control.no_cache = None
        response.cache_control.public = True
        response.cache_control.max_age = YEAR
        response.cache_control.immutable = True
    return response


def _static_path(filename: str) -> Path | None:
    folder = Path(current_app.static_folder).resolve()
    path = (folder / filename).resolve()
    return path if path.is_relative_to(folder) and path.is_file() else None


def _fingerprint(filename: str) -> str | None:
    if (path := _static_path(filename)) is None:
        return None
    stat = path.stat()
    return _digest(str(path), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=256)
def _digest(path: str, mtime_ns: int, size: int) -> str:
    """The first 10 hex digits of the file's SHA-256 (read once per change of the file)."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:10]
