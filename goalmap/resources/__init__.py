"""Resources: what each goal takes from each partner (time, money, energy), what each
partner has in a quarter, and the balance between own and shared lives."""

from flask import Blueprint

bp = Blueprint("resources", __name__)
