import calendar
from zoneinfo import available_timezones

from wtforms import (
    BooleanField,
    EmailField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    Email,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from goalmap import outbox
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
MONTHS = tuple(calendar.month_name[1:])


def _month(value) -> int | None:
    """A month's number from the form, or None for "the anniversary" (blank)."""
    return None if value in (None, "") else int(value)


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
    # The yearly review's day: a month and a day; both blank, the anniversary of the
    # first quarter.
    review_month = SelectField(
        "Yearly review: month",
        coerce=_month,
        choices=[SelectChoice("", "Anniversary")]
        + [SelectChoice(str(number), MONTHS[number - 1]) for number in range(1, 13)],
        default="",
        invalid_value_message="Pick a month from the list.",
        invalid_choice_message="Pick a month from the list.",
    )
    review_day = IntegerField(
        "Day",
        validators=[Optional(), NumberRange(min=1, max=31, message="A day from 1 to 31.")],
    )

    def validate(self, extra_validators=None) -> bool:
        """The review's month and day make one date: both given, or both blank."""
        valid = super().validate(extra_validators)
        if self.review_month.errors or self.review_day.errors:
            return False
        month, day = self.review_month.data, self.review_day.data
        if month is None and day is not None:
            self.review_month.errors.append("Pick the month too, or leave both blank.")
        elif month is not None and day is None:
            self.review_day.errors.append("Say which day of the month.")
        elif month is not None and day > calendar.monthrange(2024, month)[1]:  # 29 Feb is fine
            days = calendar.monthrange(2024, month)[1]
            self.review_day.errors.append(f"{MONTHS[month - 1]} has {days} days.")
        else:
            return valid
        return False


class InviteForm(Form):
    """Create an invite link; given an email, the link goes there by mail as well."""

    email = EmailField(
        "Their email (optional)",
        filters=[strip],
        validators=[
            Optional(),
            Email("That is not an email address; check it, or leave it blank."),
            Length(max=254),
        ],
    )

    def validate_email(self, field) -> None:
        if not outbox.enabled():
            raise ValidationError("This Goalmap sends no email: send the link yourself.")


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
