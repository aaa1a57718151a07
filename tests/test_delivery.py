"""How answers travel: compressed for a browser that accepts it (never the live stream),
conditional requests still answered 304 cheaply, static files cached by fingerprint."""

import gzip
import hashlib
import json
import re

import brotli
import pytest
from factories import make_config, make_goal, shared_lane

from goalmap import create_app
from goalmap.calendar import service as calendar
from goalmap.config import from_environment
from goalmap.extensions import db
from goalmap.models import User

CODINGS = {"gzip": gzip.decompress, "br": brotli.decompress}


def plain(response) -> bytes:
    """The body as the browser reads it, after undoing the coding the server chose."""
    coding = response.headers.get("Content-Encoding")
    return CODINGS[coding](response.get_data()) if coding else response.get_data()


@pytest.mark.parametrize("coding", CODINGS)
def test_a_page_is_compressed_for_a_browser_that_accepts_it(
    app, alex, quarter, alex_client, coding
):
    make_goal(app, quarter, shared_lane(app, alex), title="Plant the hedge")
    url = f"/quarters/{quarter.id}"
    as_is = alex_client.get(url)
    assert "Content-Encoding" not in as_is.headers  # nothing accepted, nothing coded
    packed = alex_client.get(url, headers={"Accept-Encoding": coding})
    assert packed.status_code == 200
    assert packed.headers["Content-Encoding"] == coding
    assert "Accept-Encoding" in packed.headers["Vary"] and "HX-Request" in packed.headers["Vary"]
    assert int(packed.headers["Content-Length"]) == len(packed.get_data())
    assert len(packed.get_data()) < len(as_is.get_data()) / 3
    assert "Plant the hedge" in plain(packed).decode()


def test_a_browser_sending_both_gets_brotli(alex_client):
    response = alex_client.get("/settings", headers={"Accept-Encoding": "gzip, deflate, br, zstd"})
    assert response.headers["Content-Encoding"] == "br"
    assert b"</html>" in plain(response)


@pytest.mark.parametrize(
    "path, kind",
    [
        ("css/goalmap.css", "text/css"),
        ("vendor/htmx-2.0.11.min.js", "text/javascript"),
        ("icons/goalmap.svg", "image/svg+xml"),
    ],
)
@pytest.mark.parametrize("coding", CODINGS)
def test_static_files_are_compressed(app, client, path, kind, coding):
    with app.open_resource(f"{app.static_folder}/{path}") as file:
        original = file.read()
    with client.get(f"/static/{path}", headers={"Accept-Encoding": coding}) as response:
        assert response.status_code == 200
        assert response.mimetype == kind
        assert response.headers["Content-Encoding"] == coding
        assert plain(response) == original


def test_the_live_stream_is_never_compressed_nor_held_back(app, alex, alex_client):
    response = alex_client.get(
        "/live",
        query_string={"page": "page-of-test"},
        headers={"Accept-Encoding": "gzip, deflate, br, zstd"},
        buffered=False,
    )
    try:
        assert response.mimetype == "text/event-stream"
        assert "Content-Encoding" not in response.headers
        assert response.headers["X-Accel-Buffering"] == "no"
        assert response.headers["Cache-Control"] == "no-store"
        # The first event comes out as the stream wrote it, on its own: a compressor
        # would hold it back until it had more to pack.
        first = next(iter(response.response))
        assert first.decode().startswith("retry: ")
    finally:
        response.close()


def test_an_unchanged_board_is_still_answered_304_when_compressed(
    app, alex, quarter, alex_client, count_queries
):
    url = f"/quarters/{quarter.id}"
    first = alex_client.get(url, headers={"Accept-Encoding": "br"})
    etag = first.headers["ETag"]
    assert re.fullmatch(r'"[^":]+:br"', etag)  # the compressed answer has its own tag
    with count_queries() as counter:
        again = alex_client.get(url, headers={"Accept-Encoding": "br", "If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    assert again.headers["ETag"] == etag
    assert counter.count <= 2  # answered before the board is loaded, as uncompressed
    stale = alex_client.get(url, headers={"Accept-Encoding": "br", "If-None-Match": '"x:br"'})
    assert stale.status_code == 200


def feed_path(app, user) -> str:
    with app.app_context():
        token = calendar.issue(db.session.get(User, user.id))
        db.session.commit()
    return f"/calendar/{token}.ics"


def test_the_calendar_feed_is_compressed_and_polled_cheaply(app, alex, count_queries):
    path = feed_path(app, alex)
    client = app.test_client()
    as_is = client.get(path)
    first = client.get(path, headers={"Accept-Encoding": "gzip"})
    assert first.headers["Content-Encoding"] == "gzip"
    assert first.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert first.headers["Cache-Control"] == "private, no-cache"
    assert plain(first) == as_is.get_data()
    assert plain(first).startswith(b"BEGIN:VCALENDAR")
    etag = first.headers["ETag"]
    assert etag == as_is.headers["ETag"][:-1] + ':gzip"'
    with count_queries() as counter:
        again = client.get(path, headers={"Accept-Encoding": "gzip", "If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    assert again.headers["ETag"] == etag
    assert counter.count <= 2  # the link, with its member and partnership: nothing else
    # The uncompressed tag still works too (a calendar app that stopped asking for gzip).
    plain_again = client.get(path, headers={"If-None-Match": as_is.headers["ETag"]})
    assert plain_again.status_code == 304


@pytest.mark.parametrize("coding", CODINGS)
def test_exports_download_the_same_bytes_compressed(app, alex, quarter, alex_client, coding):
    make_goal(app, quarter, shared_lane(app, alex), title="Plant the hedge")
    for path in ("/export.json", "/export.csv"):
        as_is = alex_client.get(path)
        packed = alex_client.get(path, headers={"Accept-Encoding": coding})
        assert packed.status_code == 200
        assert packed.headers["Content-Disposition"] == as_is.headers["Content-Disposition"]
        assert packed.headers["Cache-Control"] == "no-store"
        assert plain(packed) == as_is.get_data() or path == "/export.json"
        assert "Plant the hedge" in plain(packed).decode()
    as_is, packed = (
        json.loads(plain(alex_client.get("/export.json", headers=headers)))
        for headers in ({}, {"Accept-Encoding": coding})
    )
    assert {**as_is, "exported_at": None} == {**packed, "exported_at": None}


def test_compression_can_be_turned_off_for_a_proxy_that_does_it(database_url, _schema):
    app = create_app(make_config(database_url, COMPRESS_RESPONSES=False))
    response = app.test_client().get("/login", headers={"Accept-Encoding": "gzip, br"})
    assert response.status_code == 200
    assert "Content-Encoding" not in response.headers
    assert b"</html>" in response.get_data()


@pytest.mark.parametrize(
    "value, on", [(None, True), ("", True), ("on", True), ("off", False), ("0", False)]
)
def test_the_environment_turns_compression_off(monkeypatch, tmp_path, value, on):
    monkeypatch.setenv("SECRET_KEY", "x")
    if value is None:
        monkeypatch.delenv("COMPRESS_RESPONSES", raising=False)
    else:
        monkeypatch.setenv("COMPRESS_RESPONSES", value)
    assert from_environment(str(tmp_path))["COMPRESS_RESPONSES"] is on


# -- static files -------------------------------------------------------------------------

STYLESHEET = re.compile(r'href="(/static/css/goalmap\.css\?v=([0-9a-f]{10}))"')


def test_static_files_are_cached_for_a_year_under_their_fingerprint(app, client):
    page = client.get("/login").get_data(as_text=True)
    url, fingerprint = STYLESHEET.search(page).groups()
    with app.open_resource(f"{app.static_folder}/css/goalmap.css") as file:
        assert fingerprint == hashlib.sha256(file.read()).hexdigest()[:10]
    with client.get(url) as cached:
        assert cached.status_code == 200
        assert cached.cache_control.max_age == 365 * 24 * 3600
        assert cached.cache_control.public and cached.cache_control.immutable
    # Without the fingerprint, or with an old one, the file is revalidated as before.
    for other in ("/static/css/goalmap.css", "/static/css/goalmap.css?v=0123456789"):
        with client.get(other) as response:
            assert response.status_code == 200
            assert response.cache_control.max_age in (None, 0)
            assert not response.cache_control.immutable


def test_a_compressed_static_file_is_revalidated_by_its_own_tag(client):
    with client.get("/static/css/goalmap.css", headers={"Accept-Encoding": "br"}) as first:
        etag = first.headers["ETag"]
        assert etag.endswith(':br"') and first.headers["Content-Encoding"] == "br"
    headers = {"Accept-Encoding": "br", "If-None-Match": etag}
    with client.get("/static/css/goalmap.css", headers=headers) as again:
        assert again.status_code == 304 and again.headers["ETag"] == etag
