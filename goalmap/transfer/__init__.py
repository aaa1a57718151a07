"""Your data: export a partnership as one JSON file (and its goals as CSV), and import
an export into an empty instance (``flask --app app import-partnership``)."""

from flask import Blueprint

# cli_group=None: the import command is ``flask import-partnership``, not grouped.
bp = Blueprint("transfer", __name__, cli_group=None)
