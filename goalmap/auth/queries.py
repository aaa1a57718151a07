"""Who is signed in, who an email belongs to, and how often they asked for a new password."""

from datetime import timedelta

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import joinedload, with_expression

from goalmap.extensions import db
from goalmap.models import (
    KEPT_DAYS,
    Notification,
    Partnership,
    PasswordReset,
    User,
    UserSession,
    email_key,
    utcnow,
)

KEPT = timedelta(days=KEPT_DAYS)


def _kept_since():
    # A member loaded by SIGNED_IN and expired (by a commit or a rollback) is read again
    # with the same statement, without the values signed_in() gave it: then it is now.
    return utcnow() - KEPT


# The member's unread notifications of the last KEPT_DAYS days, counted in the same
# statement that loads them: the bell on every page needs no query of its own.
_UNREAD = (
    select(func.count(Notification.id))
    .where(
        Notification.user_id == User.id,
        Notification.partnership_id == User.partnership_id,
        Notification.read_at.is_(None),
        Notification.created_at >= bindparam("kept_since", callable_=_kept_since),
    )
    .correlate(User)
    .scalar_subquery()
)

# Every signed-in request runs this query, so it is built once; each request binds its
# values. The partnership and its members come along: nearly every page shows them.
SIGNED_IN = (
    select(User)
    .join(UserSession, UserSession.user_id == User.id)
    .where(
        User.session_token == bindparam("session_token"),
        UserSession.live(bindparam("token_hash"), bindparam("now")),
    )
    .options(
        joinedload(User.partnership).joinedload(Partnership.members),
        with_expression(User.unread_notifications, _UNREAD),
    )
)


def signed_in(session_token: str, token_hash: str, now) -> User | None:
    """The member of a live login session, with their partnership and its members, and
    how many of their notifications are unread."""
    values = {
        "session_token": session_token,
        "token_hash": token_hash,
        "now": now,
        "kept_since": now - KEPT,
    }
    return db.session.scalar(SIGNED_IN, values)


def user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email_key(email)))


def email_taken(email: str) -> bool:
    return db.session.scalar(select(User.id).where(User.email == email_key(email))) is not None


def resets_since(user: User, since) -> int:
    """How many password-reset links ``user`` was sent since ``since``."""
    return db.session.scalar(
        select(func.count(PasswordReset.id)).where(
            PasswordReset.user_id == user.id, PasswordReset.created_at >= since
        )
    )
