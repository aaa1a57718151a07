from wtforms import BooleanField, PasswordField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, ValidationError

from goalmap.fields import Form, strip
from goalmap.models import COLOURS
from goalmap.passwords import check_password


class PartnershipForm(Form):
    name = StringField(
        "Partnership name", filters=[strip], validators=[DataRequired(), Length(max=120)]
    )


class ColourForm(Form):
    colour = RadioField(
        "Your colour",
        choices=[SelectChoice(value, label) for value, label in COLOURS.items()],
        validators=[DataRequired()],
    )


class ConfirmForm(Form):
    """A deliberate yes: the password, and a tick that the consequences were read."""

    password = PasswordField("Your password", validators=[DataRequired(), Length(max=200)])
    understood = BooleanField(
        "I have read what happens", validators=[DataRequired("Tick this to confirm.")]
    )

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def validate_password(self, field) -> None:
        if not check_password(self.user.password_hash, field.data):
            raise ValidationError("That is not your password.")
