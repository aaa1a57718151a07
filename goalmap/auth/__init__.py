"""Accounts and login sessions: register, sign in and out, change the password, or
choose a new one with a link sent by mail."""

from flask import Blueprint

# cli_group=None: ``flask set-password``, not grouped under the area.
bp = Blueprint("auth", __name__, cli_group=None)
