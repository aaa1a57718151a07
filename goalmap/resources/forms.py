from decimal import Decimal

from wtforms import DecimalField, IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import NumberRange, Optional, ValidationError

from goalmap.fields import Form, VersionField, strip
from goalmap.models import ENERGY_LEVELS, MONEY_PERIODS

CURRENCIES = ("EUR", "USD", "GBP", "CHF", "SEK", "NOK", "DKK", "PLN", "CAD", "AUD", "NZD", "JPY")


def decimals(places: int, what: str):
    """A validator: at most ``places`` decimals."""

    def check(_form, field) -> None:
        value: Decimal | None = field.data
        if value is None:
            return
        if value.as_tuple().exponent < -places:
            raise ValidationError(
                f"Use at most {places} decimal{'s' if places > 1 else ''} for {what}."
            )

    return check


class ExactDecimalField(DecimalField):
    """Keeps the number exactly as typed (no rounding), with a message people understand."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, places=None, **kwargs)

    def process_formdata(self, valuelist) -> None:
        if valuelist and valuelist[0].strip():
            try:
                self.data = Decimal(valuelist[0].strip().replace(",", "."))
            except ArithmeticError:
                self.data = None
            if self.data is None or not self.data.is_finite():  # "NaN", "sNaN", "Infinity"
                self.data = None
                raise ValueError("Enter a number, like 12.5.")
        else:
            self.data = None


HOURS = [
    Optional(),
    NumberRange(min=0, max=168, message="Between 0 and 168 hours a week."),
    decimals(1, "hours"),
]
MONEY = [
    Optional(),
    NumberRange(min=0, max=9_999_999_999, message="Enter 0 or more."),
    decimals(2, "money"),
]


class CurrencyMixin:
    """The currency typed must be the partnership's: amounts are never converted silently."""

    currency = SelectField("Currency", choices=[SelectChoice(c, c) for c in CURRENCIES])

    def check_currency(self, expected: str) -> bool:
        if self.currency.data != expected:
            self.currency.errors = [
                *self.currency.errors,
                f"Your partnership keeps money in {expected}; convert the amount first.",
            ]
            return False
        return True


class AllocationForm(CurrencyMixin, Form):
    # The member's current note when the form was shown (0: none), so a save made on a
    # stale form is a conflict, not a silent overwrite.
    replaces = IntegerField(validators=[Optional(), NumberRange(min=0, max=2**31 - 1)])
    hours_per_week = ExactDecimalField("Hours a week", validators=HOURS)
    amount = ExactDecimalField("Money", validators=MONEY)
    money_period = SelectField(
        "Per", choices=[SelectChoice(p, f"per {p}") for p in MONEY_PERIODS], default="month"
    )
    energy = SelectField(
        "Emotional energy",
        choices=[SelectChoice("", "—")] + [SelectChoice(e, e.capitalize()) for e in ENERGY_LEVELS],
        default="",
    )
    note = StringField(
        "Note",
        filters=[strip],
        validators=[Optional()],
        render_kw={"maxlength": 500, "placeholder": "I'll take Saturday mornings"},
    )

    def validate_note(self, field) -> None:
        if field.data and len(field.data) > 500:
            raise ValidationError("Keep the note under 500 characters.")

    def seen_note(self) -> int | None:
        """The id of the current note the form showed (None: it showed none)."""
        return self.replaces.data or None

    def values(self) -> dict:
        """The note as entered, ready to store."""
        return {
            "hours_per_week": self.hours_per_week.data,
            "amount": self.amount.data,
            "money_period": self.money_period.data,
            "energy": self.energy.data or None,
            "note": self.note.data or "",
        }


class AvailabilityForm(CurrencyMixin, Form):
    hours_per_week = ExactDecimalField("Hours a week for goals", validators=HOURS)
    budget = ExactDecimalField("Money budget for the quarter", validators=MONEY)
    version = VersionField()


class PromptsForm(Form):
    """The partnership's currency and when the balance page raises a prompt (in Settings)."""

    currency = SelectField("Currency", choices=[SelectChoice(c, c) for c in CURRENCIES])
    carry_over_prompt = IntegerField(
        "Prompt when a personal goal was carried over this many quarters",
        validators=[NumberRange(min=1, max=12, message="Between 1 and 12.")],
    )
    drop_prompt = IntegerField(
        "Prompt when a partner dropped this many personal goals in a year",
        validators=[NumberRange(min=1, max=20, message="Between 1 and 20.")],
    )
    shared_share_prompt = IntegerField(
        "Prompt when shared goals take more than this % of available hours",
        validators=[NumberRange(min=10, max=100, message="Between 10 and 100.")],
    )
    # The settings' version the form was shown with (Partnership.balance_version).
    version = VersionField()

    def values(self) -> dict:
        """The settings as entered, ready to store."""
        return {
            "currency": self.currency.data,
            "carry_over_prompt": self.carry_over_prompt.data,
            "drop_prompt": self.drop_prompt.data,
            "shared_share_prompt": self.shared_share_prompt.data,
        }
