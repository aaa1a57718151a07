"""The calendar's statements: a link found by its secret, and the dated records of a
partnership as the feed's member may see them. The feed has no signed-in member: every
statement here names the member it reads for, through ``goalmap.scoping``."""

import hmac
import re

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from goalmap.extensions import db
from goalmap.models import CalendarFeed, Goal, Milestone, User, hash_token
from goalmap.scoping import countable_goals, readable_title, scoped

# What secrets.token_urlsafe(32) makes: anything else is no link, and costs no query.
TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")


def live_feed(token: str) -> CalendarFeed | None:
    """The live link whose secret is ``token``, with its member and their partnership;
    None for a secret that is unknown or revoked alike (the answer gives no hint which)."""
    if not TOKEN.fullmatch(token):
        return None
    digest = hash_token(token)
    feed = db.session.scalar(
        select(CalendarFeed)
        .where(CalendarFeed.token_hash == digest, CalendarFeed.revoked_at.is_(None))
        .options(joinedload(CalendarFeed.user).joinedload(User.partnership))
    )
    if feed is None or not hmac.compare_digest(feed.token_hash, digest):
        return None
    return feed


def live_feed_of(user: User) -> CalendarFeed | None:
    """``user``'s live link, if they have one (its secret is not kept: only when it was
    made)."""
    return db.session.scalar(
        select(CalendarFeed).where(
            CalendarFeed.user_id == user.id, CalendarFeed.revoked_at.is_(None)
        )
    )


def goals(user: User) -> list:
    """Every goal whose dates ``user`` may know, as plain rows: their own (drafts too),
    the shared ones and the partner's, with ``title`` NULL where ``user`` may not read
    it (the partner's private goals). The partner's drafts do not exist yet for them."""
    stmt = select(Goal.id, Goal.owner_id, Goal.status, Goal.target_on, readable_title(user)).where(
        *countable_goals(user)
    )
    return db.session.execute(stmt).all()


def milestones(user: User) -> list:
    """The dated milestones of the goals ``user`` may see (none of a partner's private
    goal), as plain rows."""
    stmt = (
        scoped(Milestone, user=user)
        .where(Milestone.target_on.is_not(None))
        .with_only_columns(
            Milestone.id, Milestone.goal_id, Milestone.title, Milestone.target_on, Milestone.done_at
        )
    )
    return db.session.execute(stmt).all()
