"""What Settings lists: open invites and shared values."""

from goalmap.extensions import db
from goalmap.models import Invite, SharedValue, User
from goalmap.scoping import scoped


def open_invites(user: User) -> list[Invite]:
    """Invites of the member's partnership that can still be used, newest first."""
    invites = db.session.scalars(
        scoped(Invite, user=user)
        .where(Invite.used_at.is_(None), Invite.revoked_at.is_(None))
        .order_by(Invite.created_at.desc())
    ).all()
    return [invite for invite in invites if invite.is_open]


def shared_values(user: User) -> list[SharedValue]:
    """What the partnership cares about together, by name."""
    return db.session.scalars(scoped(SharedValue, user=user).order_by(SharedValue.name)).all()


def shared_value_named(user: User, name: str) -> SharedValue | None:
    return db.session.scalar(scoped(SharedValue, user=user).where(SharedValue.name == name))
