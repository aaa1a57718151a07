from wtforms import (
    BooleanField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    AnyOf,
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from goalmap.fields import DayField, Form, VersionField, strip
from goalmap.models import CHOSEN_STATUSES


class GoalForm(Form):
    title = StringField(
        "Goal",
        filters=[strip],
        validators=[DataRequired("Give the goal a title."), Length(max=200)],
    )
    notes = TextAreaField("Notes", validators=[Length(max=5000)])
    starts_on = DayField("Start", validators=[Optional()])
    target_on = DayField("Target", validators=[Optional()])
    status = SelectField(
        "Status",
        choices=[SelectChoice(s, s.capitalize()) for s in CHOSEN_STATUSES],
        default="active",
    )
    is_private = BooleanField("Private: my partner sees only that a private goal exists")
    version = VersionField()

    def validate_target_on(self, field) -> None:
        if field.data and self.starts_on.data and field.data < self.starts_on.data:
            raise ValidationError("The target date cannot be before the start date.")

    def values(self, lane_is_shared: bool) -> dict:
        """The goal's content as entered, ready to store."""
        return {
            "title": self.title.data.strip(),
            "notes": (self.notes.data or "").strip(),
            "starts_on": self.starts_on.data,
            "target_on": self.target_on.data,
            "status": self.status.data,
            "is_private": bool(self.is_private.data) and not lane_is_shared,
        }


class NewGoalForm(GoalForm):
    lane_id = IntegerField(validators=[InputRequired()])
    stage_id = IntegerField(validators=[InputRequired()])


class MoveForm(Form):
    lane_id = IntegerField("Lane", validators=[InputRequired()])
    stage_id = IntegerField("Column", validators=[InputRequired()])
    position = IntegerField("Position", validators=[InputRequired(), NumberRange(min=0)])
    # Only an undo sends it: the status the goal had before a move marked it done.
    status = StringField(
        filters=[strip], validators=[Optional(), AnyOf(("active", "paused", "dropped"))]
    )


class DoneForm(Form):
    """One tap on a card: done, on the version the card was drawn with."""

    version = VersionField(validators=[InputRequired("This card is out of date; reload the page.")])


class CommentForm(Form):
    body = TextAreaField(
        "A word of support",
        filters=[strip],
        validators=[DataRequired("Write a few words first."), Length(max=1000)],
    )
