from datetime import timedelta

import click
from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, logout_user
from werkzeug.datastructures import MultiDict

from goalmap import outbox
from goalmap.auth import bp, queries, service
from goalmap.auth.forms import (
    ForgotPasswordForm,
    LoginForm,
    PasswordForm,
    RegisterForm,
    ResetPasswordForm,
)
from goalmap.database import WITHOUT_DATA
from goalmap.extensions import db, limiter, login_manager
from goalmap.models import PasswordReset, User, UserSession, email_key, hash_token, utcnow
from goalmap.passwords import check_password
from goalmap.security import config_value, failed, new_account_limit
from goalmap.views import safe_next, start_login_session


@login_manager.user_loader
def load_user(session_token: str) -> User | None:
    """The member this browser signed in as, while its session is live on the server: a
    cookie replayed after sign-out or a password change loads nobody."""
    sid = session.get("sid")
    if not sid:
        return None
    return queries.signed_in(session_token, hash_token(sid), utcnow())


@bp.before_app_request
def forget_ended_login_sessions() -> None:
    """A cookie whose server-side session was ended (sign-out, password change) loads
    nobody (see load_user); forget the rest of what it carries too."""
    if request.endpoint in WITHOUT_DATA:
        return
    if "_user_id" in session and not current_user.is_authenticated:
        session.clear()


def _address_and_email() -> str:
    return f"login:{get_remote_address()}:{email_key(request.form.get('email', ''))}"


def _email() -> str:
    return "login:" + email_key(request.form.get("email", ""))


@bp.route("/register", methods=["GET", "POST"])
@new_account_limit
def register():
    """Create an account and a partnership of one, ready to invite a partner."""
    if current_user.is_authenticated:
        return redirect(url_for("board.index"))
    form = RegisterForm()
    if form.validate_on_submit():
        user = service.register(form.email.data, form.display_name.data, form.password.data)
        if user is not None:
            start_login_session(user)
            flash(f"Welcome, {user.display_name}! Invite your partner from Settings.", "success")
            return redirect(url_for("board.index"))
        form.email.errors.append(RegisterForm.EMAIL_TAKEN)
    return render_template("auth/register.html", form=form), 422 if form.errors else 200


# Sign-in is limited three ways, counting attempts that fail only: one person guessing
# at one account from one address (the tight limit, which never locks out a partner on
# the same home address); one account, from anywhere; one address, across accounts.
@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    config_value("LOGIN_RATE_LIMIT"),
    methods=["POST"],
    key_func=_address_and_email,
    deduct_when=failed,
)
@limiter.limit(
    config_value("LOGIN_ACCOUNT_RATE_LIMIT"), methods=["POST"], key_func=_email, deduct_when=failed
)
@limiter.limit(config_value("LOGIN_ADDRESS_RATE_LIMIT"), methods=["POST"], deduct_when=failed)
def login():
    """Sign in with email and password."""
    if current_user.is_authenticated:
        return redirect(safe_next(url_for("board.index")))
    form = LoginForm()
    if form.validate_on_submit():
        user = queries.user_by_email(form.email.data)
        # One answer for an unknown email and a wrong password, reached in the same time.
        if check_password(user.password_hash if user else None, form.password.data):
            start_login_session(user)
            return redirect(safe_next(url_for("board.index")))
        form.password.errors.append("That email and password do not match an account.")
    return render_template("auth/login.html", form=form), 422 if form.errors else 200


@bp.post("/logout")
@login_required
def logout():
    """Sign out of this browser; its session ends on the server too."""
    live = UserSession.find_live(session.get("sid"), current_user.id)
    if live is not None:
        live.revoked_at = utcnow()
        db.session.commit()
    logout_user()
    session.clear()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Change the password; every other signed-in browser is signed out."""
    form = PasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        if service.change_password(user, user.password_hash, form.password.data):
            start_login_session(user)
            flash("Your password is changed. Other devices have been signed out.", "success")
            return redirect(url_for("partnership.settings"))
        form.current.errors.append(PasswordForm.CHANGED_MEANWHILE)
    return render_template("auth/password.html", form=form), 422 if form.errors else 200


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(config_value("RESET_RATE_LIMIT"), methods=["POST"])
def forgot_password():
    """Ask for a link to choose a new password, sent by mail (where this Goalmap sends
    mail; otherwise, what to do instead). One answer, whether or not the address has an
    account."""
    if not outbox.enabled():
        return render_template("auth/forgot.html", form=None)
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        config = current_app.config
        lifetime = timedelta(minutes=config["RESET_LIFETIME_MINUTES"])
        service.ask_for_reset(form.email.data, lifetime, config["RESETS_PER_HOUR"])
        db.session.commit()
        flash(
            f"If an account uses {form.email.data}, a link to choose a new password is on "
            f"its way there. It works once, within {config['RESET_LIFETIME_MINUTES']} "
            "minutes. No mail after a few minutes? Look in the spam folder, or ask again.",
            "info",
        )
        return redirect(url_for(".login"))
    return render_template("auth/forgot.html", form=form), 422 if form.errors else 200


# The link's page is kept out of caches, and its address (which holds the token) out of
# any Referer header.
NO_TRACE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """Choose a new password with a link sent by mail: it works once, for a short while,
    and signs every other device out."""
    reset = PasswordReset.find_usable(token)
    if reset is None:
        return render_template("auth/reset_gone.html"), 410, NO_TRACE
    form = ResetPasswordForm()
    if form.validate_on_submit():
        user = service.reset_password(reset, form.password.data)
        if user is None:  # another tab used the link a moment ago
            db.session.rollback()
            return render_template("auth/reset_gone.html"), 410, NO_TRACE
        start_login_session(user)
        flash(
            "Your new password is set and you are signed in. "
            "Every other device has been signed out.",
            "success",
        )
        return redirect(url_for("board.index"))
    return render_template("auth/reset.html", form=form), 422 if form.errors else 200, NO_TRACE


@bp.cli.command("set-password")
@click.argument("email")
def set_password(email: str) -> None:
    """Set a member's password, for one who forgot it where no mail is sent; every
    login session of theirs ends."""
    user = queries.user_by_email(email)
    if user is None:
        raise click.ClickException("No account uses that email.")
    password = click.prompt("New password", hide_input=True, confirmation_prompt=True)
    typed = MultiDict({"password": password, "confirm": password})
    form = ResetPasswordForm(formdata=typed, meta={"csrf": False})  # the page's own rules
    if not form.validate():
        raise click.ClickException(" ".join(form.password.errors))
    service.set_password(user, password)
    db.session.commit()
    click.echo(f"The password of {user.email} is set; every device of theirs is signed out.")
