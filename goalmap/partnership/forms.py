from zoneinfo import available_timezones

from wtforms import BooleanField, PasswordField, RadioField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, ValidationError

from goalmap.fields import Form, strip
from goalmap.models import COLOURS
from goalmap.passwords import check_password


class PartnershipForm(Form):
    name = StringField(
        "Partnership name", filters=[strip], validators=[DataRequired(), Length(max=120)]
    )


# Every zone the system knows, by name; a partnership lives in one of them.
TIME_ZONES = sorted(available_timezones())


DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class CalendarForm(Form):
    """Where the partners live and how their week runs: check-ins follow it."""

    time_zone = SelectField(
        "Your time zone",
        choices=[SelectChoice(zone, zone.replace("_", " ")) for zone in TIME_ZONES],
    )
    week_starts_on = SelectField(
        "Your week starts on",
        coerce=int,
        choices=[SelectChoice(index, day) for index, day in enumerate(DAYS)],
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
