"""What a live stream is asked for: the page that opens it, the place it shows and the
last change it saw. Anything else is ignored, never an error: a stream opened with a
mangled address still works, it only catches up a little more."""

import re

from goalmap.broadcast import PAGE_ID

PLACE = re.compile(r"(board|planning)-[0-9]{1,10}")
STAMP = re.compile(r"[0-9]{1,16}")


def stream_args(args, headers) -> dict:
    """The stream's page, place and the stamp of the last change it saw (the browser's
    ``Last-Event-ID`` when it reconnects, else the page's own)."""
    page = args.get("page", "")
    place = args.get("place", "")
    seen = headers.get("Last-Event-ID") or args.get("since", "")
    return {
        "page": page if PAGE_ID.fullmatch(page) else None,
        "place": place if PLACE.fullmatch(place) else None,
        "seen": int(seen) if STAMP.fullmatch(seen) else None,
    }


def place_arg(args) -> str | None:
    place = args.get("place", "")
    return place if PLACE.fullmatch(place) else None
