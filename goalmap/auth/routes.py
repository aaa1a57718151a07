from flask import flash, redirect, render_template, request, session, url_for
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, logout_user

from goalmap.auth import bp, queries, service
from goalmap.auth.forms import LoginForm, PasswordForm, RegisterForm
from goalmap.database import WITHOUT_DATA
from goalmap.extensions import db, limiter, login_manager
from goalmap.models import User, UserSession, email_key, hash_token, utcnow
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
