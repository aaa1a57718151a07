import click
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from goalmap import outbox
from goalmap.contracts import queries as contracts
from goalmap.extensions import csrf, db, htmx
from goalmap.flexibility import queries as flexibility
from goalmap.models import MAIL_CHOICES, MailPreference, Notification, User, utcnow
from goalmap.notifications import bp, queries, service
from goalmap.notifications.forms import (
    MailForm,
    OpenForm,
    ReadAllForm,
    UnsubscribeForm,
    about,
    described,
)
from goalmap.scoping import get_or_404
from goalmap.views import safe_next
from goalmap.weekly import service as weekly

EXPIRED = "This form has expired. Reload the page and try again."


@bp.get("/notifications")
@login_required
def index():
    """The member's notifications of the last 90 days, newest first (htmx: the list)."""
    notifications = described(queries.recent(current_user, utcnow()), current_user)
    template = "notifications/_list.html" if htmx else "notifications/index.html"
    return render_template(template, notifications=notifications), {"Vary": "HX-Request"}


@bp.get("/notifications/bell")
@login_required
def bell():
    """The bell in the header, counted afresh (pages ask for it when news comes)."""
    unread = queries.unread_count(current_user, utcnow())
    return render_template("notifications/_bell.html", bell_count=unread)


@bp.post("/notifications/<int:notification_id>/open", endpoint="open")
@login_required
def open_notification(notification_id: int):
    """Mark a notification read and go to what it is about."""
    notification = get_or_404(Notification, notification_id)
    if not OpenForm().validate():
        abort(400, EXPIRED)
    service.mark_read(current_user, notification)
    db.session.commit()
    return redirect(_about(notification))


@bp.post("/notifications/read")
@login_required
def read_all():
    """Mark every notification read: the bell again (htmx), else back with a message."""
    if not ReadAllForm().validate():
        abort(400, EXPIRED)
    service.mark_all_read(current_user)
    db.session.commit()
    if htmx:  # the list on the page hears the event and asks for itself again
        unread = queries.unread_count(current_user, utcnow())
        body = render_template("notifications/_bell.html", bell_count=unread)
        return body, {"HX-Trigger": "notifications-read"}
    flash("Every notification is marked read.", "success")
    return redirect(safe_next(url_for(".index")))


@bp.post("/settings/email")
@login_required
def mail_choices():
    """Choose what Goalmap mails you: a weekly digest, and reminders of what falls due."""
    form = MailForm()
    if not form.validate():
        abort(400, EXPIRED)
    service.choose(current_user, form.choices())
    db.session.commit()
    flash("Your email choices are saved.", "success")
    return redirect(url_for("partnership.settings", _anchor="email"))


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # the link's signed token is the proof; see UnsubscribeForm
def unsubscribe(token: str):
    """Stop one kind of mail from the link in it, without signing in: the page asks,
    its button (or a mail program's one-click POST) stops it."""
    found = service.unsubscriber(token)
    if found is None:
        abort(404)
    member, choice = found
    if request.method == "POST" and UnsubscribeForm().validate():  # reads the body: ≤ 1 MB
        service.stop(member, choice)
        db.session.commit()
        flash("Done: Goalmap mails you no more of these.", "success")
        return redirect(url_for(".unsubscribe", token=token))
    chosen = MailPreference.wants(member.id, choice)
    return render_template(
        "notifications/unsubscribe.html",
        what=MAIL_CHOICES[choice],
        chosen=chosen,
        form=UnsubscribeForm(),
    )


def _about(notification: Notification) -> str:
    """Where a notification leads: the page of what it is about."""
    goal_id = notification.goal_id
    if goal_id is not None and goal_id not in queries.goal_titles(current_user, [goal_id]):
        flash("That goal is gone, or no longer yours to see.", "info")
        return url_for(".index")
    endpoint, values = about(notification)
    return url_for(endpoint, **values)


@bp.cli.command("remind")
def remind() -> None:
    """Remind every member of what falls due, once each; forget notifications past 90 days."""
    made = 0
    for member in queries.members():
        made += service.remind_due(member, _due(member))
        db.session.commit()
    pruned = service.prune(utcnow())
    db.session.commit()
    click.echo(f"{made} reminder(s) made; {pruned} old notification(s) forgotten.")


@bp.cli.command("digest")
def digest() -> None:
    """Queue this week's digest for each member who chose it, once a week each (flask
    send-mail sends them)."""
    if not outbox.enabled():
        raise click.ClickException("Email is off: MAIL_SERVER is not set, so no digest is made.")
    queued = 0
    now = utcnow()
    for member in queries.digest_members():
        queued += service.digest(member, now)
        db.session.commit()
    click.echo(f"{queued} digest(s) queued.")


def _due(member: User) -> list[tuple]:
    """What falls due for ``member`` today, read as their board reminds them of it."""
    today = member.partnership.today()
    due = [
        ("check_in_due", f"check-in:{contract.id}:{day}", day, {"contract": contract})
        for contract, day in contracts.due(member)
        if contract.owner_id == member.id  # a check-in is its owner's to make
    ]
    due += [
        (
            "look_again_due",
            f"look-again:{entry.id}:{entry.look_again_on}",
            entry.look_again_on,
            {"entry": entry},
        )
        for entry in flexibility.due(member, today)
    ]
    if weekly.due(member):
        week = member.partnership.week_of(today)
        due.append(("weekly_due", f"weekly:{week}", week, {}))
    return due
