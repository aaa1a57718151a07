from datetime import date, datetime
from zoneinfo import available_timezones

from wtforms import (
    BooleanField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from goalmap.fields import DayField, Form, VersionField, strip
from goalmap.models import (
    FREQUENCIES,
    ON_WEEKDAYS,
    ORDINALS,
    RITUAL_KINDS,
    WEEKDAY_NAMES,
    WEEKDAYS,
    weekdays_fit,
)

ZONES = frozenset(available_timezones())


def _choices(pairs) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


class TimeOfDayField(TimeField):
    """A time of day whose complaint says what to type."""

    def process_formdata(self, valuelist) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError("Enter a time like 19:30.") from error


class Weekdays(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class RuleForm(Form):
    """When a ritual happens: how often, on which days, at what time, for how long."""

    frequency = SelectField(
        "How often", choices=_choices(FREQUENCIES.items()), default="weekly", validate_choice=True
    )
    weekdays = Weekdays(
        "On",
        choices=_choices(zip(WEEKDAYS, WEEKDAY_NAMES, strict=True)),
        default=[],
        validate_choice=True,
    )
    nth = SelectField(
        "Which one in the month",
        choices=_choices((str(n), word.capitalize()) for n, word in ORDINALS.items()),
        default="1",
        validate_choice=True,
    )
    month_day = IntegerField(
        "Day of the month",
        validators=[Optional(), NumberRange(1, 31, "A day of the month is 1 to 31.")],
        description="In a shorter month it falls on the month's last day.",
    )
    at = TimeOfDayField("At", validators=[InputRequired("Enter a time like 19:30.")])
    minutes = IntegerField(
        "For (minutes)",
        validators=[
            InputRequired("Say how long, in minutes."),
            NumberRange(5, 1440, "Between 5 minutes and a whole day (1440)."),
        ],
        default=60,
    )
    time_zone = StringField(
        "Time zone",
        filters=[strip],
        validators=[DataRequired("Name a time zone, like Europe/Berlin."), Length(max=64)],
    )

    def validate_time_zone(self, field) -> None:
        if field.data not in ZONES:
            raise ValidationError("Name a time zone, like Europe/Berlin.")

    def validate_weekdays(self, field) -> None:
        if weekdays_fit(self.frequency.data, field.data or []):
            return
        if self.frequency.data == "monthly_weekday":
            raise ValidationError("Pick the one weekday it falls on, like Saturday.")
        raise ValidationError("Pick at least one day of the week.")

    def rule(self, starts_on: date) -> dict:
        """The rule's values, as the service takes them."""
        frequency = self.frequency.data
        days = [day for day in WEEKDAYS if day in (self.weekdays.data or [])]
        monthly_day = frequency == "monthly_day"
        return {
            "frequency": frequency,
            "weekdays": ",".join(days) if frequency in ON_WEEKDAYS else "",
            "month_day": (self.month_day.data or starts_on.day) if monthly_day else None,
            "nth": int(self.nth.data) if frequency == "monthly_weekday" else None,
            "at": self.at.data,
            "minutes": self.minutes.data,
            "time_zone": self.time_zone.data,
            "starts_on": starts_on,
        }

    def fill(self, rule) -> None:
        """Show ``rule`` in the form (to adapt it)."""
        self.frequency.data = rule.frequency
        self.weekdays.data = rule.days
        self.nth.data = str(rule.nth or 1)
        self.month_day.data = rule.month_day
        self.at.data = rule.at
        self.minutes.data = rule.minutes
        self.time_zone.data = rule.time_zone


# What a ritual is, as a new ritual's form and its details' form both ask it.
TITLE = StringField(
    "What",
    filters=[strip],
    validators=[DataRequired("Say what it is, like “Date night”."), Length(max=200)],
)
PRIVATE = BooleanField("Private: my partner sees “solo time”, never what")
GOAL = SelectField("For the goal (optional)", choices=[SelectChoice("", "No goal")], default="")


class RitualForm(RuleForm):
    """A new ritual: what, whose, when from."""

    title = TITLE
    kind = RadioField(
        "Kind",
        choices=_choices(RITUAL_KINDS.items()),
        default="joint",
        validate_choice=True,
    )
    is_private = PRIVATE
    goal = GOAL
    starts_on = DayField("From", validators=[InputRequired("Enter a date like 2027-01-31.")])


class DetailsForm(Form):
    """A ritual's words, privacy and goal."""

    title = TITLE
    is_private = PRIVATE
    goal = GOAL
    version = VersionField()


class AdaptForm(RuleForm):
    """A new rule from a day on; the old one is kept in the ritual's history."""

    from_day = DayField("From", validators=[InputRequired("Enter a date like 2027-01-31.")])
    version = VersionField()


class PauseForm(Form):
    from_day = DayField("Pause from", validators=[InputRequired("Enter a date like 2027-01-31.")])
    resume_on = DayField("Start again on (optional)", validators=[Optional()])
    version = VersionField()


class OccurrenceForm(Form):
    """Skip one occurrence, or move it to another day and time."""

    to_day = DayField("Move to", validators=[Optional()])
    to_time = TimeOfDayField("At", validators=[Optional()])

    def moved_to(self, planned: datetime) -> datetime | None:
        """Where the occurrence planned at ``planned`` goes; None to skip it (neither a
        day nor a time given). A time alone moves it within its own day."""
        if self.to_day.data is None and self.to_time.data is None:
            return None
        day = self.to_day.data or planned.date()
        return datetime.combine(day, self.to_time.data or planned.time())


def goal_choices(form, goals) -> None:
    """Offer ``goals`` (those the member may see) in ``form``'s goal field."""
    form.goal.choices = _choices([("", "No goal")] + [(str(goal.id), goal.title) for goal in goals])


def chosen_goal(form) -> int | None:
    return int(form.goal.data) if form.goal.data else None
