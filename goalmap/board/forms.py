from wtforms import HiddenField, IntegerField, StringField
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, ValidationError

from goalmap.board import queries
from goalmap.fields import DayField, Form, strip


class QuarterForm(Form):
    NAME_TAKEN = "You already have a quarter with this name."

    name = StringField("Name", filters=[strip], validators=[DataRequired(), Length(max=40)])
    starts_on = DayField("Starts on", validators=[InputRequired("Enter a start date.")])
    ends_on = DayField("Ends on", validators=[InputRequired("Enter an end date.")])

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def validate_ends_on(self, field) -> None:
        if self.starts_on.data and field.data and field.data <= self.starts_on.data:
            raise ValidationError("The end date must come after the start date.")
        if self.starts_on.data and field.data and (field.data - self.starts_on.data).days > 186:
            raise ValidationError("A quarter can last at most six months.")

    def validate_name(self, field) -> None:
        if queries.quarter_named(self.user, field.data.strip()):
            raise ValidationError(self.NAME_TAKEN)


class NameForm(Form):
    """Name a new or existing lane, stage or shared value.

    Several of these share a page under different prefixes; CSRFProtect checks
    every POST already, so the per-form token (which a prefix would rename) is off.
    """

    class Meta:
        csrf = False

    name = StringField("Name", filters=[strip], validators=[DataRequired(), Length(max=40)])


class DoneStageForm(Form):
    """Which column is the done column (0: none)."""

    stage_id = IntegerField("Done column", validators=[InputRequired("Choose a column.")])


class OrderForm(Form):
    direction = HiddenField(validators=[AnyOf(["up", "down"], message="Choose up or down.")])

    @property
    def offset(self) -> int:
        return -1 if self.direction.data == "up" else 1
