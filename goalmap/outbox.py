"""Mail, queued with the change that causes it and sent outside any request.

Off unless MAIL_SERVER is set (``enabled``); then a change that should send mail calls
``queue`` in its own transaction, so a change rolled back mails nobody, and the
message's ``key`` (``reset:12``, ``notification:40``, ``digest:3:2027-01-04`` …) makes
the same mail queue once, however many ask for it at once. Links in mail are built from
BASE_URL (``link``), since no request is there to say where the app is served.

``flask send-mail`` sends what is due (``send_due``), beside the web server: it claims
each message with one guarded UPDATE (the worker whose UPDATE wrote the row has it),
opens the SMTP connection, marks the message handed over, gives it to the server, and
marks it sent. It holds no transaction while the server answers. A message the server
refused for now (a 4xx reply, or no server to reach) is tried again later, 1, 4, 16 …
minutes on; a permanent refusal (5xx), or MAIL_MAX_ATTEMPTS tries, gives it up.

At most once. A worker can die, or lose its connection, after handing a message over
and before hearing the server's answer: nobody can tell whether the mail went. Such a
message is given up, never sent again (README "Email" says why): every mail Goalmap
sends repeats what the app shows or lets a member ask for again, so one lost mail costs
less than a doubled one. Before the hand-over a dead worker's claim goes stale after
MAIL_CLAIM_SECONDS and another worker sends the message.
"""

import hashlib
import secrets
import signal
import smtplib
import ssl
import threading
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from urllib.parse import urlsplit

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import and_, bindparam, delete, or_, select, update

from goalmap.config import MAIL_SECURITIES
from goalmap.database import insert_new, read_apart, write_apart
from goalmap.extensions import db
from goalmap.models import KEPT_DAYS, MailMessage, User, utcnow

# Each retry waits this many times longer than the one before.
BACKOFF = 4
_CONTROLS = str.maketrans({code: " " for code in (*range(32), 127)})


def enabled() -> bool:
    """Whether this Goalmap sends mail at all."""
    return bool(current_app.config.get("MAIL_SERVER"))


def link(endpoint: str, **values) -> str:
    """The absolute URL of ``endpoint`` under BASE_URL, for a mail (no request needed)."""
    base = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme
    )
    anchor = values.pop("_anchor", None)
    url = adapter.build(endpoint, values, force_external=True)
    return f"{url}#{anchor}" if anchor else url


def queue(
    key: str,
    to: str,
    subject: str,
    text: str,
    *,
    user: User | None = None,
    unsubscribe_url: str | None = None,
    send_before: datetime | None = None,
) -> bool:
    """Queue a plain-text mail in the session's transaction, once for each ``key``; False
    when mail is off or the mail was queued before."""
    if not enabled():
        return False
    now = utcnow()
    values = {
        "key": key,
        "user_id": user.id if user is not None else None,
        "to_address": to,
        "subject": " ".join(subject.translate(_CONTROLS).split())[:200],
        "body": text,
        "unsubscribe_url": unsubscribe_url,
        "created_at": now,
        "next_attempt_at": now,
        "send_before": send_before,
        "attempts": 0,
    }
    return insert_new(MailMessage.__table__, values, ["key"])


def send_due(stopping: Callable[[], bool] = lambda: False, limit: int = 100) -> Counter:
    """Send the messages that are due, each at most once; how many were ``sent``,
    ``retried`` (to be tried again later) and ``given_up``. ``stopping`` is asked
    between messages (the worker was told to stop)."""
    done: Counter = Counter(given_up=_give_up_stale(utcnow()))
    ids = read_apart(_due(utcnow()).with_only_columns(MailMessage.id).limit(limit), all_rows=True)
    with _Connection(current_app.config) as connection:
        for message_id in ids:
            if stopping():
                break
            outcome = _send_one(connection, message_id)
            if outcome:
                done[outcome] += 1
    write_apart(_FORGET, {"before": utcnow() - timedelta(days=KEPT_DAYS)})
    return done


def _stale(now: datetime) -> datetime:
    return now - timedelta(seconds=current_app.config["MAIL_CLAIM_SECONDS"])


def _due(now: datetime):
    """The messages a worker may claim at ``now``: unsent, not given up, never handed
    over, due, still of use, and claimed by nobody (or by a worker gone quiet)."""
    m = MailMessage
    return (
        select(m)
        .where(
            m.sent_at.is_(None),
            m.failed_at.is_(None),
            m.handed_at.is_(None),
            m.next_attempt_at <= now,
            or_(m.send_before.is_(None), m.send_before > now),
            or_(m.claimed_at.is_(None), m.claimed_at < _stale(now)),
        )
        .order_by(m.next_attempt_at, m.id)
    )


def _give_up_stale(now: datetime) -> int:
    """Give up what can no longer go: a message handed over by a worker that never said
    how it went (it may have arrived), and one whose ``send_before`` has passed."""
    m = MailMessage
    unfinished = and_(m.sent_at.is_(None), m.failed_at.is_(None))
    interrupted = write_apart(
        update(m)
        .where(unfinished, m.handed_at < _stale(now))
        .values(
            failed_at=now,
            body="",
            last_error="Interrupted while the mail server had it; it may have arrived.",
        )
    )
    late = write_apart(
        update(m)
        .where(
            unfinished,
            m.handed_at.is_(None),
            m.send_before <= now,
            or_(m.claimed_at.is_(None), m.claimed_at < _stale(now)),
        )
        .values(failed_at=now, body="", last_error="Not sent in time to be of use.")
    )
    return interrupted + late


def _send_one(connection: "_Connection", message_id: int) -> str | None:
    """Claim one message and send it; what became of it, or None when another worker
    had claimed it."""
    claim = secrets.token_hex(16)
    now = utcnow()
    claimed = write_apart(
        update(MailMessage)
        .where(MailMessage.id == message_id, _due(now).whereclause)
        .values(claimed_by=claim, claimed_at=now, attempts=MailMessage.attempts + 1)
    )
    if claimed != 1:
        return None
    message = db.session.get(MailMessage, message_id, populate_existing=True)
    db.session.commit()  # read and let go: no transaction stays open while SMTP talks
    mail = _build(message)
    try:
        connection.ready()
    except (smtplib.SMTPException, OSError) as error:  # nothing was handed over yet
        connection.close()
        return _retry(message, claim, error)
    handed = write_apart(
        update(MailMessage)
        .where(MailMessage.id == message_id, MailMessage.claimed_by == claim)
        .values(handed_at=utcnow())
    )
    if handed != 1:  # this worker was slow enough for another to claim it again
        return None
    try:
        connection.smtp.send_message(mail)
    except smtplib.SMTPNotSupportedError as error:  # refused before any of it went
        return _give_up(message, claim, error)
    except smtplib.SMTPRecipientsRefused as error:
        connection.close()
        codes = [code for code, _reply in error.recipients.values()]
        if all(code >= 500 for code in codes):
            return _give_up(message, claim, error)
        return _retry(message, claim, error)
    except smtplib.SMTPResponseException as error:  # the server said no: it has no copy
        connection.close()
        if error.smtp_code >= 500:
            return _give_up(message, claim, error)
        return _retry(message, claim, error)
    except (smtplib.SMTPException, OSError) as error:  # no answer: it may have arrived
        connection.close()
        why = "The connection was lost while sending; it may have arrived"
        return _give_up(message, claim, error, why)
    _finish(message, claim, sent_at=utcnow())
    return "sent"


def _retry(message: MailMessage, claim: str, error: Exception) -> str:
    if message.attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]:
        return _give_up(message, claim, error, "Given up after the last try")
    wait = current_app.config["MAIL_RETRY_SECONDS"] * BACKOFF ** (message.attempts - 1)
    current_app.logger.warning("Mail %s will be tried again: %s", message.key, error)
    _finish(
        message,
        claim,
        claimed_at=None,
        handed_at=None,
        next_attempt_at=utcnow() + timedelta(seconds=wait),
        last_error=_said(error),
        keep_body=True,
    )
    return "retried"


def _give_up(message: MailMessage, claim: str, error: Exception, why: str = "") -> str:
    current_app.logger.error("Mail %s is given up: %s %s", message.key, why, error)
    said = f"{why}: {_said(error)}" if why else _said(error)
    _finish(message, claim, failed_at=utcnow(), last_error=said[:500])
    return "given_up"


def _finish(message: MailMessage, claim: str, keep_body: bool = False, **values) -> None:
    """Write what became of a message this worker claimed (and still holds)."""
    if not keep_body:
        values["body"] = ""  # sent or given up: its words need not stay
    write_apart(
        update(MailMessage)
        .where(MailMessage.id == message.id, MailMessage.claimed_by == claim)
        .values(claimed_by=None, **values)
    )


def _said(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"[:500]


def _build(message: MailMessage) -> EmailMessage:
    """The message as it goes out: a plain-text part always, the one-click unsubscribe
    headers (RFC 8058) when it has a link for them, and a Message-ID of its own."""
    sender = current_app.config["MAIL_FROM"]
    domain = parseaddr(sender)[1].rpartition("@")[2] or "goalmap.invalid"
    mail = EmailMessage()
    mail["Subject"] = message.subject
    mail["From"] = sender
    mail["To"] = message.to_address
    mail["Date"] = format_datetime(datetime.now(UTC))
    digest = hashlib.sha256(message.key.encode()).hexdigest()[:16]
    mail["Message-ID"] = f"<goalmap.{message.id}.{digest}@{domain}>"
    mail["Auto-Submitted"] = "auto-generated"  # no out-of-office replies, please
    if message.unsubscribe_url:
        mail["List-Unsubscribe"] = f"<{message.unsubscribe_url}>"
        mail["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    mail.set_content(message.body)
    return mail


class _Connection:
    """One SMTP connection for a worker's pass, opened when the first message needs it
    and opened again after an error."""

    def __init__(self, config) -> None:
        self.config = config
        self.smtp: smtplib.SMTP | None = None

    def __enter__(self) -> "_Connection":
        return self

    def __exit__(self, *_exc) -> None:
        self.close()

    def ready(self) -> None:
        if self.smtp is not None:
            try:
                if self.smtp.noop()[0] == 250:
                    return
            except (smtplib.SMTPException, OSError):
                pass
            self.close()
        self.smtp = self._open()

    def _open(self) -> smtplib.SMTP:
        config = self.config
        host, port = config["MAIL_SERVER"], config["MAIL_PORT"]
        timeout = config["MAIL_TIMEOUT_SECONDS"]
        context = ssl.create_default_context()
        if config["MAIL_SECURITY"] == "ssl":
            smtp = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
        else:
            smtp = smtplib.SMTP(host, port, timeout=timeout)
        try:
            if config["MAIL_SECURITY"] == "starttls":
                smtp.starttls(context=context)
            if config["MAIL_USERNAME"]:
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
        except BaseException:
            smtp.close()
            raise
        return smtp

    def close(self) -> None:
        if self.smtp is None:
            return
        try:
            self.smtp.quit()
        except (smtplib.SMTPException, OSError):
            self.smtp.close()
        self.smtp = None


# Sent and given-up messages are kept (without their words) as long as notifications.
_FORGET = delete(MailMessage).where(
    or_(
        MailMessage.sent_at < bindparam("before"),
        MailMessage.failed_at < bindparam("before"),
    )
)


@click.command("send-mail")
@click.option("--loop", is_flag=True, help="Keep sending: a pass every --every seconds.")
@click.option("--every", default=10.0, show_default=True, help="Seconds between passes.")
@with_appcontext
def send_mail_command(loop: bool, every: float) -> None:
    """Send the mail that is due (once; with --loop, until stopped)."""
    if not enabled():
        raise click.ClickException("Email is off: MAIL_SERVER is not set, so nothing is sent.")
    stop = threading.Event()
    if loop:  # finish the message at hand, then stop (a kill mid-send loses that one)
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
    while True:
        done = send_due(stopping=stop.is_set)
        db.session.remove()
        if done.total() or not loop:
            click.echo(
                f"{done['sent']} sent, {done['retried']} to be tried again, "
                f"{done['given_up']} given up."
            )
        if not loop or stop.wait(every):
            return


def init_app(app: Flask) -> None:
    if app.config.get("MAIL_SERVER"):
        missing = [name for name in ("BASE_URL", "MAIL_FROM") if not app.config.get(name)]
        if missing:
            raise RuntimeError(f"MAIL_SERVER is set: {' and '.join(missing)} must be set too.")
        if app.config["MAIL_SECURITY"] not in MAIL_SECURITIES:
            raise RuntimeError(f"MAIL_SECURITY must be one of {', '.join(MAIL_SECURITIES)}.")
    app.cli.add_command(send_mail_command)
