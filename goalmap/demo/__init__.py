"""A demo partnership to look around with: ``flask --app app seed-demo``."""

from flask import Blueprint

# cli_group=None: the command is ``flask seed-demo``, not grouped under the area.
bp = Blueprint("demo", __name__, cli_group=None)
