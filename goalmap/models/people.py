"""People: accounts, the partnership they share, and invitations to join it."""

import hashlib
import hmac
import secrets
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String, bindparam, update
from sqlalchemy.orm import Mapped, mapped_column, query_expression, relationship
from sqlalchemy.orm.attributes import set_committed_value

from goalmap.extensions import db
from goalmap.models.base import PartnershipRecord, utcnow

# Colours a member can pick for their lane; each passes WCAG AA as text on white.
COLOURS = {
    "#1d4ed8": "Blue",
    "#b91c1c": "Red",
    "#047857": "Green",
    "#7e22ce": "Purple",
    "#b45309": "Amber",
    "#be185d": "Pink",
    "#0f766e": "Teal",
    "#4b5563": "Slate",
}


class Partnership(db.Model):
    __tablename__ = "partnerships"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Moved forward by every change to the partnership's data (goalmap.database), so a
    # page can answer "not modified" without loading anything else.
    touched_at: Mapped[datetime] = mapped_column(default=utcnow)
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    # When the balance page raises a gentle prompt; the partnership sets its own.
    carry_over_prompt: Mapped[int] = mapped_column(default=2)
    drop_prompt: Mapped[int] = mapped_column(default=2)
    shared_share_prompt: Mapped[int] = mapped_column(default=60)  # percent of available hours
    # The currency and the prompts above are edited together in Settings: a save made on
    # a form shown before the partner's save is a conflict, not a silent overwrite.
    balance_version: Mapped[int] = mapped_column(default=1)
    # Where the partners live: check-ins fall due by this zone's calendar.
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC")
    week_starts_on: Mapped[int] = mapped_column(default=0)  # 0 Monday … 6 Sunday
    # The day of the yearly review, chosen by the couple; unset, it is the anniversary of
    # their first quarter.
    review_month: Mapped[int | None]
    review_day: Mapped[int | None]

    members: Mapped[list["User"]] = relationship(
        back_populates="partnership", order_by="User.id", lazy="selectin"
    )

    def today(self) -> date:
        """Today's date where the partners live."""
        return datetime.now(ZoneInfo(self.time_zone)).date()

    def week_of(self, day: date | None = None) -> date:
        """The first day of the week ``day`` (default: today) is in, by this partnership's
        calendar."""
        day = day or self.today()
        return day - timedelta(days=(day.weekday() - self.week_starts_on) % 7)

    @classmethod
    def touch(cls, *ids: int) -> None:
        """Record that these partnerships' data changed now (their boards' ETags move on)."""
        # On the connection, not through the ORM: this also runs inside a flush.
        now = utcnow()
        db.session.connection().execute(_TOUCH, {"ids": list(ids), "now": now})
        # Once the transaction commits, their open pages hear of it (goalmap.broadcast).
        db.session.info.setdefault("touched_partnerships", {}).update(dict.fromkeys(ids, now))

    def free_colour(self) -> str:
        """The first lane colour no member uses yet."""
        taken = {member.colour for member in self.members}
        return next((c for c in COLOURS if c not in taken), next(iter(COLOURS)))


# Every change touches its partnership: built once (see Partnership.touch).
_TOUCH = (
    update(Partnership)
    .where(Partnership.id.in_(bindparam("ids", expanding=True)))
    .values(touched_at=bindparam("now"))
)


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint("length(colour) = 7", name="colour_hex"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(80))
    password_hash: Mapped[str] = mapped_column(String(255))
    colour: Mapped[str] = mapped_column(String(7))
    partnership_id: Mapped[int] = mapped_column(
        ForeignKey("partnerships.id", ondelete="RESTRICT"), index=True
    )
    # What the login cookie carries instead of the id; replacing it signs out every session.
    session_token: Mapped[str] = mapped_column(
        String(64), unique=True, default=lambda: secrets.token_urlsafe(32)
    )

    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # How many of the member's notifications are unread: loaded with who is signed in
    # (auth.queries.SIGNED_IN), so every page's bell costs no query of its own; None
    # wherever a User is loaded otherwise.
    unread_notifications: Mapped[int | None] = query_expression()

    partnership: Mapped[Partnership] = relationship(back_populates="members")

    def get_id(self) -> str:
        return self.session_token

    @property
    def partners(self) -> list["User"]:
        return [m for m in self.partnership.members if m.id != self.id]


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Invite(PartnershipRecord, db.Model):
    """A single-use link that lets one person join a partnership.

    Only the token's hash is stored; the link itself is shown once, to its creator.
    """

    __tablename__ = "invites"

    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    used_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    revoked_at: Mapped[datetime | None]

    partnership: Mapped[Partnership] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    used_by: Mapped[User | None] = relationship(foreign_keys=[used_by_id])

    @classmethod
    def issue(cls, partnership: Partnership, by: User, lifetime_days: int) -> tuple["Invite", str]:
        """Create an invite; return it with the plain token (never stored)."""
        token = secrets.token_urlsafe(32)  # 256 bits
        now = utcnow()
        invite = cls(
            partnership=partnership,
            created_by=by,
            token_hash=hash_token(token),
            created_at=now,
            expires_at=now + timedelta(days=lifetime_days),
        )
        db.session.add(invite)
        return invite, token

    @classmethod
    def find_usable(cls, token: str) -> "Invite | None":
        """The open invite for a plain token, or None if unknown, used, revoked or expired."""
        digest = hash_token(token)
        invite = db.session.scalar(db.select(cls).where(cls.token_hash == digest))
        if invite is None or not hmac.compare_digest(invite.token_hash, digest):
            return None
        return invite if invite.is_open else None

    def consume(self) -> bool:
        """Use the invite up, if it still can be. The check and the write are one
        statement, so of two people joining at once exactly one gets True."""
        if self.id is None:
            db.session.flush()  # issued in this same transaction (the demo, tests)
        now = utcnow()
        result = db.session.execute(
            update(Invite)
            .where(
                Invite.id == self.id,
                Invite.used_at.is_(None),
                Invite.revoked_at.is_(None),
                Invite.expires_at > now,
            )
            .values(used_at=now),
            execution_options={"synchronize_session": False},
        )
        if result.rowcount != 1:
            return False
        set_committed_value(self, "used_at", now)
        return True

    @property
    def is_open(self) -> bool:
        return self.used_at is None and self.revoked_at is None and self.expires_at > utcnow()

    @property
    def status(self) -> str:
        if self.used_at:
            return "used"
        if self.revoked_at:
            return "revoked"
        return "open" if self.expires_at > utcnow() else "expired"


def email_key(email: str) -> str:
    """Emails compare case-insensitively and without surrounding spaces."""
    return email.strip().lower()


class UserSession(db.Model):
    """One signed-in browser. The cookie holds a random token; only its hash is kept,
    so a session can be ended on the server and a replayed old cookie is refused."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]

    @classmethod
    def open(cls, user: User, lifetime: timedelta) -> tuple["UserSession", str]:
        token = secrets.token_urlsafe(32)
        now = utcnow()
        row = cls(
            user_id=user.id, token_hash=hash_token(token), created_at=now, expires_at=now + lifetime
        )
        db.session.add(row)
        return row, token

    @classmethod
    def live(cls, token_hash, now):
        """The SQL condition for the session whose token hashes to ``token_hash``: neither
        ended nor expired at ``now`` (values or bound parameters)."""
        return db.and_(cls.token_hash == token_hash, cls.revoked_at.is_(None), cls.expires_at > now)

    @classmethod
    def find_live(cls, token: str | None, user_id: int) -> "UserSession | None":
        if not token:
            return None
        live = cls.live(hash_token(token), utcnow())
        return db.session.scalar(db.select(cls).where(live, cls.user_id == user_id))

    @classmethod
    def revoke_all(cls, user_id: int) -> None:
        db.session.execute(
            db.update(cls)
            .where(cls.user_id == user_id, cls.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )
