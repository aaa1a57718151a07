"""The statements of notifications, and of what members chose to get by mail. Every read
of notifications goes through ``scoping.scoped``, which gives a member their own
notifications only; the list and the count keep to the last KEPT_DAYS days."""

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from goalmap.extensions import db
from goalmap.models import KEPT_DAYS, Goal, MailPreference, Notification, User
from goalmap.scoping import scoped


def kept_since(now: datetime) -> datetime:
    """The oldest moment a notification is still shown (and kept) at ``now``."""
    return now - timedelta(days=KEPT_DAYS)


def recent(user: User, now: datetime) -> list[Notification]:
    """``user``'s notifications of the last KEPT_DAYS days, newest first, with who acted."""
    stmt = scoped(Notification, user=user).where(Notification.created_at >= kept_since(now))
    return db.session.scalars(
        stmt.order_by(Notification.created_at.desc(), Notification.id.desc())
    ).all()


def unread_count(user: User, now: datetime) -> int:
    """How many of ``user``'s notifications of the last KEPT_DAYS days are unread."""
    stmt = scoped(Notification, user=user).where(
        Notification.read_at.is_(None), Notification.created_at >= kept_since(now)
    )
    return db.session.scalar(stmt.with_only_columns(func.count(Notification.id)))


def goal_titles(user: User, goal_ids) -> dict[int, tuple[str, int | None]]:
    """{goal id: (title, owner id)} of the goals among ``goal_ids`` that ``user`` may see,
    in one query; a goal they may not see (or that is deleted) is left out."""
    ids = {goal_id for goal_id in goal_ids if goal_id is not None}
    if not ids:
        return {}
    rows = db.session.execute(
        scoped(Goal, user=user)
        .with_only_columns(Goal.id, Goal.title, Goal.owner_id)
        .where(Goal.id.in_(ids))
    )
    return {goal_id: (title, owner_id) for goal_id, title, owner_id in rows}


def reminded(user: User, keys) -> set[str]:
    """Which of ``keys`` ``user`` has been reminded of already."""
    keys = list(keys)
    if not keys:
        return set()
    stmt = scoped(Notification, user=user).where(Notification.key.in_(keys))
    return set(db.session.scalars(stmt.with_only_columns(Notification.key)))


def members() -> list[User]:
    """Every member, with their partnership (the reminder job goes through them all)."""
    return db.session.scalars(
        select(User).options(joinedload(User.partnership)).order_by(User.id)
    ).all()


def unread_since(user: User, since: datetime) -> list[Notification]:
    """``user``'s unread notifications made since ``since``, oldest first, with who acted."""
    stmt = scoped(Notification, user=user).where(
        Notification.read_at.is_(None), Notification.created_at >= since
    )
    return db.session.scalars(stmt.order_by(Notification.created_at, Notification.id)).all()


def mail_preference(user: User) -> MailPreference | None:
    """What ``user`` chose to get by mail; None when they never chose (all off)."""
    return db.session.get(MailPreference, user.id)


def member(user_id: int) -> User | None:
    """The member of an unsubscribe link, with their partnership."""
    return db.session.scalar(
        select(User).options(joinedload(User.partnership)).where(User.id == user_id)
    )


def digest_members() -> list[User]:
    """Every member who chose the weekly digest, with their partnership."""
    return db.session.scalars(
        select(User)
        .join(MailPreference, MailPreference.user_id == User.id)
        .where(MailPreference.digest.is_(True))
        .options(joinedload(User.partnership))
        .order_by(User.id)
    ).all()
