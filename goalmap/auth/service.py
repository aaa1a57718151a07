"""Domain functions for accounts."""

import secrets

from sqlalchemy import update

from goalmap.database import once
from goalmap.extensions import db
from goalmap.models import User, UserSession, email_key
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


def change_password(user: User, seen_hash: str, password: str) -> bool:
    """Replace the password the form was checked against (``seen_hash``) and end every
    session of ``user``; False, and nothing written, when another window changed it
    since. The check and the write are one UPDATE, like a versioned save."""
    changed = db.session.execute(
        update(User)
        .where(User.id == user.id, User.password_hash == seen_hash)
        .values(password_hash=hash_password(password), session_token=secrets.token_urlsafe(32))
    ).rowcount
    if changed != 1:
        return False
    UserSession.revoke_all(user.id)
    return True
