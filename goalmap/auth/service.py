"""Domain functions for accounts: registering, and a password changed, reset by a link
sent by mail, or set by whoever runs the server."""

import secrets
from datetime import timedelta

from sqlalchemy import select, update

from goalmap import outbox
from goalmap.auth import queries
from goalmap.database import once
from goalmap.extensions import db
from goalmap.models import CalendarFeed, PasswordReset, User, UserSession, email_key, utcnow
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
    PasswordReset.retire_all(user.id)  # a link asked for before means nothing now
    CalendarFeed.revoke_all(user.id)
    return True


def ask_for_reset(email: str, lifetime: timedelta, per_hour: int) -> bool:
    """Mail a link to choose a new password to the account of ``email``, if there is one
    and it was sent fewer than ``per_hour`` links in the last hour. Whoever asked must
    get the same answer either way: what this returns is for tests and logs only."""
    user = queries.user_by_email(email)
    if user is None or not outbox.enabled():
        return False
    # One account's asks queue behind each other, so asks at once keep to the limit.
    db.session.execute(select(User.id).where(User.id == user.id).with_for_update())
    if queries.resets_since(user, utcnow() - timedelta(hours=1)) >= per_hour:
        return False
    reset, token = PasswordReset.issue(user, lifetime)
    db.session.flush()  # its id names the mail
    link = outbox.link("auth.reset_password", token=token)
    minutes = int(lifetime.total_seconds() // 60)
    text = RESET_MAIL.format(name=user.display_name, email=user.email, link=link, minutes=minutes)
    return outbox.queue(
        f"reset:{reset.id}",
        user.email,
        "Choose a new Goalmap password",
        text,
        user=user,
        send_before=reset.expires_at,
    )


RESET_MAIL = """Hello {name},

Someone asked to choose a new password for the Goalmap account of {email}.
If it was you, open this link within {minutes} minutes to choose one:

{link}

The link works once. Choosing a new password signs you out on every other device.

If it was not you, there is nothing to do: your password stays as it is.
"""


def reset_password(reset: PasswordReset, password: str) -> User | None:
    """Use ``reset`` to set ``password``: every login session of its member ends and
    every other link of theirs stops working. None, and nothing written, when the link
    was used (by another tab, a moment ago) or has expired."""
    password_hash = hash_password(password)  # first: hashing takes a while
    if not reset.consume():
        return None
    return _replace_password(reset.user_id, password_hash)


def set_password(user: User, password: str) -> User:
    """Set ``user``'s password (whoever runs the server, for a member who forgot theirs
    where no mail is sent); every login session of theirs ends."""
    return _replace_password(user.id, hash_password(password))


def _replace_password(user_id: int, password_hash: str) -> User:
    db.session.execute(
        update(User)
        .where(User.id == user_id)
        .values(password_hash=password_hash, session_token=secrets.token_urlsafe(32)),
        execution_options={"synchronize_session": False},
    )
    UserSession.revoke_all(user_id)
    PasswordReset.retire_all(user_id)
    CalendarFeed.revoke_all(user_id)
    # As it is now: a new session token signs the browser in.
    return db.session.get(User, user_id, populate_existing=True)
