"""Accounts: register, sign in and out, change password."""

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

from goalmap.database import WITHOUT_DATA
from goalmap.extensions import db, limiter, login_manager
from goalmap.fields import Form, strip
from goalmap.models import Partnership, User, UserSession
from goalmap.models._time import utcnow
from goalmap.models.people import email_key, hash_token
from goalmap.partnership.service import found_partnership
from goalmap.passwords import check_password, hash_password

bp = Blueprint("auth", __name__)

login_manager.login_view = "auth.login"
login_manager.login_message = "Please sign in to see that page."
login_manager.login_message_category = "info"
login_manager.session_protection = "basic"

PASSWORD_RULES = [DataRequired(), Length(min=10, max=200, message="Use 10 to 200 characters.")]


# Every signed-in request runs this query, so it is built once; each request binds its
# values. The partnership and its members come along: nearly every page shows them.
SIGNED_IN = (
    select(User)
    .join(UserSession, UserSession.user_id == User.id)
    .where(
        User.session_token == bindparam("session_token"),
        UserSession.live(bindparam("token_hash"), bindparam("now")),
    )
    .options(joinedload(User.partnership).joinedload(Partnership.members))
)


@login_manager.user_loader
def load_user(session_token: str) -> User | None:
    """The member this browser signed in as, while its session is live on the server: a
    cookie replayed after sign-out or a password change loads nobody."""
    sid = session.get("sid")
    if not sid:
        return None
    values = {"session_token": session_token, "token_hash": hash_token(sid), "now": utcnow()}
    return db.session.scalar(SIGNED_IN, values)


class RegisterForm(Form):
    email = EmailField(
        "Email", filters=[strip], validators=[DataRequired(), Email(), Length(max=254)]
    )
    display_name = StringField(
        "Your name", filters=[strip], validators=[DataRequired(), Length(max=80)]
    )
    password = PasswordField("Password", validators=PASSWORD_RULES)
    confirm = PasswordField(
        "Password again", validators=[DataRequired(), EqualTo("password", "The passwords differ.")]
    )

    def validate_email(self, field) -> None:
        if db.session.scalar(select(User.id).where(User.email == email_key(field.data))):
            raise ValidationError("An account with this email already exists. Sign in instead?")

    def create_user(self) -> User:
        """A new, unsaved account from the form."""
        user = User(
            email=email_key(self.email.data),
            display_name=self.display_name.data.strip(),
            password_hash=hash_password(self.password.data),
        )
        return user  # added to the session once it has a partnership


class LoginForm(Form):
    email = EmailField("Email", filters=[strip], validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])


class PasswordForm(Form):
    current = PasswordField("Current password", validators=[DataRequired(), Length(max=200)])
    password = PasswordField("New password", validators=PASSWORD_RULES)
    confirm = PasswordField(
        "New password again",
        validators=[DataRequired(), EqualTo("password", "The passwords differ.")],
    )

    def validate_current(self, field) -> None:
        if not check_password(current_user.password_hash, field.data):
            raise ValidationError("That is not your current password.")


def start_session(user: User) -> None:
    """Sign ``user`` in with a fresh session, known to the server, so nothing from before
    carries over and the session can be ended from the server. It commits the request's
    work together with the new session: one commit per request (see goalmap.database)."""
    session.clear()
    db.session.flush()  # a new account needs its id
    _row, token = UserSession.open(user, current_app.permanent_session_lifetime)
    db.session.commit()
    session["sid"] = token
    session.permanent = True
    login_user(user)


@bp.before_app_request
def forget_ended_sessions() -> None:
    """A cookie whose server-side session was ended (sign-out, password change) loads
    nobody (see load_user); forget the rest of what it carries too."""
    if request.endpoint in WITHOUT_DATA:
        return
    if "_user_id" in session and not current_user.is_authenticated:
        session.clear()


def safe_next(default: str) -> str:
    """The ``next`` URL if it stays on this site, else ``default``."""
    target = request.args.get("next", "")
    parts = urlsplit(target)
    if target.startswith("/") and not target.startswith("//") and not parts.netloc:
        return target
    return default


def _login_key() -> str:
    return "login:" + email_key(request.form.get("email", ""))


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/register", methods=["GET", "POST"])
def register():
    """Create an account and a partnership of one, ready to invite a partner."""
    if current_user.is_authenticated:
        return redirect(url_for("board.index"))
    form = RegisterForm()
    if form.validate_on_submit():
        user = form.create_user()
        found_partnership(user)
        start_session(user)
        flash(f"Welcome, {user.display_name}! Invite your partner from Settings.", "success")
        return redirect(url_for("board.index"))
    return render_template("auth/register.html", form=form), 422 if form.errors else 200


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
@limiter.limit(_login_limit, methods=["POST"], key_func=_login_key)
def login():
    """Sign in with email and password."""
    if current_user.is_authenticated:
        return redirect(safe_next(url_for("board.index")))
    form = LoginForm()
    if form.validate_on_submit():
        user = db.session.scalar(select(User).where(User.email == email_key(form.email.data)))
        # One answer for an unknown email and a wrong password, reached in the same time.
        if check_password(user.password_hash if user else None, form.password.data):
            start_session(user)
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
        current_user.password_hash = hash_password(form.password.data)
        current_user.end_all_sessions()
        UserSession.revoke_all(current_user.id)
        start_session(current_user._get_current_object())
        flash("Your password is changed. Other devices have been signed out.", "success")
        return redirect(url_for("partnership.settings"))
    return render_template("auth/password.html", form=form), 422 if form.errors else 200
