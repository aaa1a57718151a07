"""Accounts and login sessions: register, sign in and out, change the password."""

from flask import Blueprint

bp = Blueprint("auth", __name__)
