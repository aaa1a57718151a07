"""Password hashing with argon2id (argon2-cffi), tuned from the app's config."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Flask, current_app


def init_app(app: Flask) -> None:
    app.extensions["goalmap.hasher"] = PasswordHasher(
        time_cost=app.config["ARGON2_TIME_COST"],
        memory_cost=app.config["ARGON2_MEMORY_COST"],
        parallelism=app.config["ARGON2_PARALLELISM"],
    )
    # Checked against when an email is unknown, so that answer takes as long as a wrong password.
    app.extensions["goalmap.dummy_hash"] = app.extensions["goalmap.hasher"].hash("not a password")


def _hasher() -> PasswordHasher:
    return current_app.extensions["goalmap.hasher"]


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def check_password(password_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; with no hash, spend the same time and say no."""
    try:
        return (
            _hasher().verify(
                password_hash or current_app.extensions["goalmap.dummy_hash"], password
            )
            and password_hash is not None
        )
    except (VerificationError, InvalidHashError):
        return False
