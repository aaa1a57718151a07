"""The flexibility protocol and its log: when life happens, the partners re-plan the
quarter's goals as one agreed act, and keep the record of why."""

from flask import Blueprint

bp = Blueprint("flexibility", __name__, url_prefix="/flexibility")
