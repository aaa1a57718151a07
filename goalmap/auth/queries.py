"""Who is signed in, and who an email belongs to."""

from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from goalmap.extensions import db
from goalmap.models import Partnership, User, UserSession, email_key

# Every signed-in request runs this query, so it is built once; each request binds its
# values. The partnership and its members come along: nearly every page shows them.
SIGNED_IN = (
    select(User)
    .join(UserSession, UserSession.user_id == User.id)
    .where(
        User.session_token == bindparam("session_token"),
        UserSession.live(bindparam("token_hash"), bindparam("now")),
    )
    .options(joinedload(User.partnership).joinedload(Partnership.members))
)


def signed_in(session_token: str, token_hash: str, now) -> User | None:
    """The member of a live login session, with their partnership and its members."""
    values = {"session_token": session_token, "token_hash": token_hash, "now": now}
    return db.session.scalar(SIGNED_IN, values)


def user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email_key(email)))


def email_taken(email: str) -> bool:
    return db.session.scalar(select(User.id).where(User.email == email_key(email))) is not None
