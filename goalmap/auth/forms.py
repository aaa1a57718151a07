from flask_login import current_user
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

from goalmap.auth import queries
from goalmap.fields import Form, strip
from goalmap.passwords import check_password

PASSWORD_RULES = [DataRequired(), Length(min=10, max=200, message="Use 10 to 200 characters.")]


class RegisterForm(Form):
    EMAIL_TAKEN = "An account with this email already exists. Sign in instead?"

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
        if queries.email_taken(field.data):
            raise ValidationError(self.EMAIL_TAKEN)


class LoginForm(Form):
    email = EmailField("Email", filters=[strip], validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])


class PasswordForm(Form):
    CHANGED_MEANWHILE = (
        "Your password was changed a moment ago, in another window. Nothing was saved here."
    )

    current = PasswordField("Current password", validators=[DataRequired(), Length(max=200)])
    password = PasswordField("New password", validators=PASSWORD_RULES)
    confirm = PasswordField(
        "New password again",
        validators=[DataRequired(), EqualTo("password", "The passwords differ.")],
    )

    def validate_current(self, field) -> None:
        if not check_password(current_user.password_hash, field.data):
            raise ValidationError("That is not your current password.")


class ForgotPasswordForm(Form):
    """Ask for a link to choose a new password: the answer is the same for any address."""

    email = EmailField(
        "Your email", filters=[strip], validators=[DataRequired(), Email(), Length(max=254)]
    )


class ResetPasswordForm(Form):
    password = PasswordField("New password", validators=PASSWORD_RULES)
    confirm = PasswordField(
        "New password again",
        validators=[DataRequired(), EqualTo("password", "The passwords differ.")],
    )
