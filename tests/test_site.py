"""Installable on a phone (the manifest, icons, theme colours), described for search
engines without a word of a partnership's, and kept out of them where a link is secret."""

import json
import re
import struct

import pytest
from factories import make_goal, shared_lane

from goalmap.extensions import db
from goalmap.models import Invite, User

DESCRIPTION = re.compile(r'<meta name="description" content="([^"]+)">')


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_the_manifest_makes_goalmap_installable(client):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response.mimetype == "application/manifest+json"
    manifest = json.loads(response.get_data())
    assert manifest["name"] == "Goalmap" and manifest["short_name"] == "Goalmap"
    assert manifest["start_url"] == "/" and manifest["display"] == "standalone"
    assert re.fullmatch(r"#[0-9a-f]{6}", manifest["theme_color"])
    assert re.fullmatch(r"#[0-9a-f]{6}", manifest["background_color"])
    found = set()
    for icon in manifest["icons"]:
        with client.get(icon["src"]) as file:
            assert file.status_code == 200, icon["src"]
            assert file.mimetype == icon["type"]
            assert file.cache_control.immutable  # the icons are fingerprinted
            if icon["type"] == "image/png":
                width, height = png_size(file.get_data())
                assert icon["sizes"] == f"{width}x{height}"
            else:
                assert icon["sizes"] == "any" and b"<svg" in file.get_data()
        found.add((icon["sizes"], icon["type"], icon["purpose"]))
    assert ("192x192", "image/png", "any") in found
    assert ("512x512", "image/png", "any") in found
    assert ("512x512", "image/png", "maskable") in found
    assert ("any", "image/svg+xml", "any") in found


@pytest.mark.parametrize("signed_in", [False, True])
def test_every_page_links_the_manifest_icons_and_theme_colours(app, alex, alex_client, signed_in):
    client = alex_client if signed_in else app.test_client()
    page = client.get("/settings" if signed_in else "/login").get_data(as_text=True)
    assert '<link rel="manifest" href="/manifest.webmanifest">' in page
    light, dark = re.findall(r'<meta name="theme-color" content="(#\w+)" media="([^"]+)">', page)
    assert light[1] == "(prefers-color-scheme: light)"
    assert dark[1] == "(prefers-color-scheme: dark)"
    assert light[0] != dark[0]
    manifest = json.loads(client.get("/manifest.webmanifest").get_data())
    assert manifest["theme_color"] == light[0]
    for pattern in (
        r'<link rel="icon" href="(/static/icons/goalmap\.svg\?v=\w+)" type="image/svg\+xml">',
        r'<link rel="apple-touch-icon" href="(/static/icons/apple-touch-icon\.png\?v=\w+)">',
    ):
        url = re.search(pattern, page).group(1)
        with client.get(url) as icon:
            assert icon.status_code == 200
    with client.get(re.search(r'apple-touch-icon" href="([^"]+)"', page).group(1)) as icon:
        assert png_size(icon.get_data()) == (180, 180)


def test_public_pages_describe_themselves(client):
    described = {}
    for path in ("/login", "/register", "/password/forgot"):
        page = client.get(path)
        assert page.status_code == 200, path
        (described[path],) = DESCRIPTION.findall(page.get_data(as_text=True))
    assert len(set(described.values())) == len(described)  # each its own
    assert all(20 <= len(text) <= 160 for text in described.values())


def test_signed_in_pages_share_a_description_that_names_nothing_of_theirs(
    app, alex, sam, quarter, alex_client
):
    make_goal(app, quarter, shared_lane(app, alex), title="Ask about the ring")
    with app.app_context():
        names = {db.session.get(User, alex.id).partnership.name, alex.display_name, "ring"}
    descriptions = set()
    for path in ("/", f"/quarters/{quarter.id}", "/settings", "/balance", "/wins"):
        page = alex_client.get(path, follow_redirects=True).get_data(as_text=True)
        descriptions.update(DESCRIPTION.findall(page))
    (description,) = descriptions
    assert not any(name in description for name in names)


def test_robots_txt_blocks_nothing(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    lines = [line for line in response.get_data(as_text=True).splitlines() if line[:1] != "#"]
    assert lines == ["User-agent: *", "Disallow:"]


def test_a_page_reached_by_a_secret_link_is_kept_out_of_search_engines(app, alex, alex_client):
    with app.app_context():
        member = db.session.get(User, alex.id)
        _invite, token = Invite.issue(member.partnership, member, 7)
        db.session.commit()
    joining = app.test_client().get(f"/join/{token}")
    assert joining.status_code == 200
    assert joining.headers["X-Robots-Tag"] == "noindex"
    # Other pages may be indexed: signed-in ones are only ever shown to their members, and
    # a noindex there would only tell Lighthouse that the page is blocked.
    for client, path in ((app.test_client(), "/login"), (alex_client, "/settings")):
        response = client.get(path)
        assert "X-Robots-Tag" not in response.headers
        assert 'name="robots"' not in response.get_data(as_text=True)
