from flask import abort, current_app, flash, redirect, render_template, session, url_for
from flask_login import current_user, login_required, logout_user

from goalmap.auth import service as accounts
from goalmap.auth.forms import RegisterForm
from goalmap.board import queries as board
from goalmap.board.forms import NameForm
from goalmap.extensions import db, limiter
from goalmap.models import Invite, SharedValue, utcnow
from goalmap.notifications import queries as notifications
from goalmap.notifications.forms import MailForm
from goalmap.partnership import bp, queries, service
from goalmap.partnership.forms import (
    CalendarForm,
    ColourForm,
    ConfirmForm,
    InviteForm,
    PartnershipForm,
)
from goalmap.partnership.service import EmailTaken, InviteGone, JoinRefused
from goalmap.resources import service as resources
from goalmap.resources.forms import PromptsForm
from goalmap.scoping import get_or_404
from goalmap.security import config_value, new_account_limit
from goalmap.views import start_login_session


def _settings_page(status: int = 200, **forms):
    """Render settings with fresh forms, except those passed in (carrying errors)."""
    user = current_user
    context = {
        "partnership_form": PartnershipForm(obj=user.partnership),
        "colour_form": ColourForm(colour=user.colour),
        "calendar_form": CalendarForm(obj=user.partnership),
        "invite_form": InviteForm(formdata=None),
        "lane_form": NameForm(prefix="lane"),
        "stage_form": NameForm(prefix="stage"),
        "value_form": NameForm(prefix="value"),
        "values": queries.shared_values(user),
        "lanes": board.lanes(user),
        "stages": board.stages(user),
        "invites": queries.open_invites(user),
        "mail_form": MailForm(formdata=None, obj=notifications.mail_preference(user)),
        "balance_form": _balance_form(),
        **forms,
    }
    return render_template("partnership/settings.html", **context), status


def _balance_form() -> PromptsForm:
    """The balance settings as stored, with their version."""
    partnership = current_user.partnership
    form = PromptsForm(formdata=None, obj=partnership)
    form.version.data = partnership.balance_version
    return form


@bp.get("/settings")
@login_required
def settings():
    """The partnership's members, invites, lanes, stages and your colour."""
    return _settings_page()


@bp.post("/settings/partnership")
@login_required
def rename():
    """Rename the partnership."""
    form = PartnershipForm()
    if not form.validate_on_submit():
        return _settings_page(422, partnership_form=form)
    current_user.partnership.name = form.name.data.strip()
    db.session.commit()
    flash("Partnership renamed.", "success")
    return redirect(url_for(".settings"))


@bp.post("/settings/calendar")
@login_required
def calendar():
    """Say where you live and when your week starts: check-ins fall due by them."""
    form = CalendarForm()
    if not form.validate_on_submit():
        return _settings_page(422, calendar_form=form)
    form.populate_obj(current_user.partnership)
    db.session.commit()
    flash("Calendar saved.", "success")
    return redirect(url_for(".settings"))


@bp.post("/settings/colour")
@login_required
def colour():
    """Pick the colour of your lane and goals."""
    form = ColourForm()
    if not form.validate_on_submit():
        return _settings_page(422, colour_form=form)
    current_user.colour = form.colour.data
    db.session.commit()
    flash("Colour saved.", "success")
    return redirect(url_for(".settings"))


@bp.post("/settings/balance")
@login_required
def balance_settings():
    """Set the partnership's currency and when the balance page raises a prompt."""
    partnership = current_user.partnership
    form = PromptsForm()
    if not form.validate_on_submit():
        return _settings_page(422, balance_form=form)
    # No version (a form from elsewhere) is as stale as an old one: 0 was never handed out.
    if not resources.save_settings(partnership, form.version.data or 0, form.values()):
        db.session.rollback()
        form.version.data = partnership.balance_version  # save again: over what is there now
        flash(
            "Your partner changed these settings meanwhile (now "
            f"{partnership.currency}, {partnership.carry_over_prompt}, "
            f"{partnership.drop_prompt}, {partnership.shared_share_prompt} %). "
            "Yours are below, not saved: save again to keep them.",
            "error",
        )
        return _settings_page(409, balance_form=form)
    db.session.commit()
    flash("Saved your balance settings.", "success")
    return redirect(url_for(".settings", _anchor="balance-settings"))


def _member() -> str:
    return f"member:{current_user.id}"


@bp.post("/invites")
@login_required
@limiter.limit(config_value("INVITE_RATE_LIMIT"), key_func=_member)
def create_invite():
    """Create a single-use invite link and show it once; given an email, mail it too."""
    form = InviteForm()
    if not form.validate_on_submit():
        return _settings_page(422, invite_form=form)
    days = current_app.config["INVITE_LIFETIME_DAYS"]
    invite, token = Invite.issue(current_user.partnership, current_user, days)
    if form.email.data:
        service.mail_invite(invite, token, form.email.data, current_user)
    db.session.commit()
    link = url_for(".join_page", token=token, _external=True)
    return _settings_page(new_invite=invite, new_link=link, mailed_to=form.email.data)


@bp.post("/invites/<int:invite_id>/revoke")
@login_required
def revoke_invite(invite_id: int):
    """Revoke an open invite so its link stops working."""
    invite = get_or_404(Invite, invite_id)
    if invite.is_open:
        invite.revoked_at = utcnow()
        db.session.commit()
    flash("Invite revoked; its link no longer works.", "success")
    return redirect(url_for(".settings"))


GONE = (
    "This invite link has expired, was already used, or was revoked. "
    "Ask your partner for a new one."
)


def _open_invite_or_gone(token: str) -> Invite:
    invite = Invite.find_usable(token)
    if invite is None:
        abort(410, GONE)
    return invite


@bp.get("/join/<token>")
def join_page(token: str):
    """Show who invited you, with a sign-up form or a join button."""
    invite = _open_invite_or_gone(token)
    return render_template("partnership/join.html", invite=invite, token=token, form=RegisterForm())


@bp.post("/join/<token>")
@new_account_limit
def join_accept(token: str):
    """Join the partnership: signed in as you are, or with a new account."""
    invite = _open_invite_or_gone(token)
    if current_user.is_authenticated:
        user, form = current_user._get_current_object(), None
    else:
        form = RegisterForm()
        if not form.validate_on_submit():
            return render_template(
                "partnership/join.html", invite=invite, token=token, form=form
            ), 422
        user = accounts.new_account(form.email.data, form.display_name.data, form.password.data)
    try:
        service.join(user, invite)
    except InviteGone:  # used by someone else at the same moment: as if it came later
        db.session.rollback()
        abort(410, GONE)
    except EmailTaken:
        db.session.rollback()
        form.email.errors.append(RegisterForm.EMAIL_TAKEN)
        return render_template("partnership/join.html", invite=invite, token=token, form=form), 422
    except JoinRefused as refusal:
        db.session.rollback()
        flash(str(refusal), "error")
        return redirect(url_for("board.index"))
    if form is None:
        db.session.commit()
    else:
        start_login_session(user)
    flash(f"Welcome to {invite.partnership.name}!", "success")
    return redirect(url_for("board.index"))


@bp.route("/settings/leave", methods=["GET", "POST"])
@login_required
def leave_partnership():
    """Leave the partnership, taking your personal goals with you, after saying what happens."""
    user = current_user._get_current_object()
    form = ConfirmForm(user)
    if form.validate_on_submit():
        try:
            service.leave(user)
        except JoinRefused as refusal:
            db.session.rollback()
            flash(str(refusal), "error")
            return redirect(url_for(".settings"))
        db.session.commit()
        flash("You have left. Your personal goals came with you; shared ones stayed.", "success")
        return redirect(url_for("board.index"))
    status = 422 if form.errors else 200
    return render_template("partnership/leave.html", form=form), status


@bp.route("/account/delete", methods=["GET", "POST"])
@login_required
def delete_own_account():
    """Delete your account for good, after saying what happens to the data."""
    user = current_user._get_current_object()
    form = ConfirmForm(user)
    if form.validate_on_submit():
        logout_user()
        service.delete_account(user)
        db.session.commit()
        session.clear()
        flash("Your account and your personal goals are deleted.", "info")
        return redirect(url_for("auth.register"))
    status = 422 if form.errors else 200
    return render_template("partnership/delete_account.html", form=form), status


@bp.post("/values")
@login_required
def add_value():
    """Name something the partnership cares about; shared goals can serve it."""
    form = NameForm(prefix="value")
    if form.validate_on_submit():
        name = form.name.data
        service.add_shared_value(current_user, name)
        db.session.commit()
        flash(f"“{name}” is one of your shared values.", "success")
        return redirect(url_for(".settings", _anchor="values"))
    return _settings_page(422, value_form=form)


@bp.post("/values/<int:value_id>/delete")
@login_required
def delete_value(value_id: int):
    """Remove a shared value; goals that served it keep their place, without the link."""
    value = get_or_404(SharedValue, value_id)
    if not service.remove_shared_value(value):
        abort(404)  # removed a moment ago, in another window
    db.session.commit()
    flash(f"“{value.name}” is no longer listed.", "success")
    return redirect(url_for(".settings", _anchor="values"))
