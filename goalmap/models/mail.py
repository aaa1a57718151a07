"""Mail: the outbox of messages waiting to be sent, what each member chose to get by
mail, and the links that let a member who forgot their password choose a new one.

None of it is a partnership's data: the outbox holds messages for a few minutes (and a
trace of each for KEPT_DAYS), a reset link lives an hour, and the choices are a
member's own.
"""

import hmac
import secrets
from datetime import datetime, timedelta

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    String,
    Text,
    bindparam,
    select,
    update,
)
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.orm.attributes import set_committed_value

from goalmap.extensions import db
from goalmap.models.base import utcnow
from goalmap.models.people import User, hash_token

# What a member can choose to get by mail (each a column of MailPreference, off until
# chosen), as Settings and an unsubscribe page name it. Apart from the digest, each is
# a kind of notification (models/inbox.py) mailed as it is made.
MAIL_CHOICES = {
    "digest": "a weekly digest of your unread notifications",
    "check_in_due": "a check-in on your contract falls due",
    "weekly_due": "this week's check-in waits for your answers",
    "look_again_due": "a look-again date in the flexibility log comes",
    "session_waiting": "your partner waits for you in the goal-mapping session",
}


class MailMessage(db.Model):
    """One message in the outbox. ``key`` says what it is about (``reset:<id>``,
    ``notification:<id>``, ``digest:<member>:<week>`` …), so the same mail is queued once
    however often, or however many at once, ask for it.

    ``flask send-mail`` claims a due message (``claim``, one guarded UPDATE: one worker
    wins), marks it handed over just before the SMTP server gets it, then sent. Once sent
    or given up, its body is emptied: a reset link must not outlive its errand in the
    database, nor a digest's words a member's account."""

    __tablename__ = "mail_messages"
    __table_args__ = (CheckConstraint("attempts >= 0", name="attempts"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)
    # Whom it concerns: its mail goes with their account. NULL for none (never so today).
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    # The member's one-click unsubscribe link (List-Unsubscribe), for digests and reminders.
    unsubscribe_url: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # A message that could not be sent by then would arrive useless (a reset link that
    # has expired): it is given up instead.
    send_before: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(32))
    claimed_at: Mapped[datetime | None]
    handed_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    failed_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(500))


class MailPreference(db.Model):
    """What one member chose to get by mail; no row is the same as every choice off."""

    __tablename__ = "mail_preferences"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    digest: Mapped[bool] = mapped_column(default=False)
    check_in_due: Mapped[bool] = mapped_column(default=False)
    weekly_due: Mapped[bool] = mapped_column(default=False)
    look_again_due: Mapped[bool] = mapped_column(default=False)
    session_waiting: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    @classmethod
    def wants(cls, user_id: int, choice: str) -> bool:
        """Whether the member chose to get ``choice`` (a key of MAIL_CHOICES) by mail."""
        if choice not in MAIL_CHOICES:
            return False
        column = getattr(cls, choice)
        return bool(db.session.scalar(select(column).where(cls.user_id == user_id)))


class PasswordReset(db.Model):
    """A link, sent by mail, to choose a new password: random, short-lived, single use.
    Only its token's hash is stored, as for invites and login sessions."""

    __tablename__ = "password_resets"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]

    @classmethod
    def issue(cls, user: User, lifetime: timedelta) -> tuple["PasswordReset", str]:
        """A new link for ``user``; the plain token is returned, never stored."""
        token = secrets.token_urlsafe(32)  # 256 bits
        now = utcnow()
        reset = cls(
            user_id=user.id, token_hash=hash_token(token), created_at=now, expires_at=now + lifetime
        )
        db.session.add(reset)
        return reset, token

    @classmethod
    def find_usable(cls, token: str) -> "PasswordReset | None":
        """The link of a plain token while it can still be used; None when it is unknown,
        used or expired (one answer for all three)."""
        digest = hash_token(token)
        reset = db.session.scalar(select(cls).where(cls.token_hash == digest))
        if reset is None or not hmac.compare_digest(reset.token_hash, digest):
            return None
        return reset if reset.used_at is None and reset.expires_at > utcnow() else None

    def consume(self) -> bool:
        """Use the link up, if it still can be: the check and the write are one
        statement, so of two tabs sending the same link at once exactly one gets True."""
        now = utcnow()
        used = db.session.execute(
            _CONSUME,
            {"reset_id": self.id, "now": now},
            execution_options={"synchronize_session": False},
        ).rowcount
        if used != 1:
            return False
        set_committed_value(self, "used_at", now)
        return True

    @classmethod
    def retire_all(cls, user_id: int) -> None:
        """Every open link of the member stops working (their password just changed)."""
        db.session.execute(
            update(cls)
            .where(cls.user_id == user_id, cls.used_at.is_(None))
            .values(used_at=utcnow()),
            execution_options={"synchronize_session": False},
        )


_CONSUME = (
    update(PasswordReset)
    .where(
        PasswordReset.id == bindparam("reset_id"),
        PasswordReset.used_at.is_(None),
        PasswordReset.expires_at > bindparam("now"),
    )
    .values(used_at=bindparam("now"))
)
