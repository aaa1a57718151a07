"""Domain functions for accounts."""

from goalmap.database import once
from goalmap.models import User, email_key
from goalmap.partnership.service import found_partnership
from goalmap.passwords import hash_password


def new_account(email: str, display_name: str, password: str) -> User:
    """A new, unsaved account (it is added to the database once it has a partnership)."""
    return User(
        email=email_key(email),
        display_name=display_name.strip(),
        password_hash=hash_password(password),
    )


def register(email: str, display_name: str, password: str) -> User | None:
    """A new account with a partnership of its own, ready to invite a partner; None when
    an account with that email was made at the same moment (the form refuses a later one)."""
    user = new_account(email, display_name, password)
    return user if once(lambda: found_partnership(user)) else None
