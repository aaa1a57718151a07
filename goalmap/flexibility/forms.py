from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from goalmap.fields import DayField, Form, VersionField, strip
from goalmap.models import LIFE_EVENT_KINDS
from goalmap.resources.forms import HOURS, MONEY, ExactDecimalField

ACTION_LABELS = {
    "": "No change",
    "pause": "Pause it",
    "resume": "Resume it",
    "shrink": "Shrink it",
    "defer": "Move it to next quarter",
    "drop": "Drop it",
}


class EntryForm(Form):
    """A life event, in the order the protocol's steps take it."""

    event = StringField(
        "What happened, in a few words",
        filters=[strip],
        validators=[DataRequired("Say what happened."), Length(max=120)],
    )
    kind = SelectField(
        "Kind",
        choices=[SelectChoice(kind, kind.capitalize()) for kind in LIFE_EVENT_KINDS],
        default="other",
    )
    happened_on = DayField("When", validators=[InputRequired("Say when it happened.")])
    impact = TextAreaField(
        "What it means for your goals and the shared ones (your own words)",
        filters=[strip],
        validators=[Length(max=2000)],
    )
    look_again_on = DayField(
        "Look again on", validators=[InputRequired("Set a date to look again.")]
    )

    def validate_look_again_on(self, field) -> None:
        if field.data and self.happened_on.data and field.data < self.happened_on.data:
            raise ValidationError("Look again on or after the day it happened.")

    def values(self) -> dict:
        return {
            "event": self.event.data,
            "kind": self.kind.data,
            "happened_on": self.happened_on.data,
            "look_again_on": self.look_again_on.data,
        }


class DecisionForm(Form):
    """What happens to one goal (one of these per goal, prefixed ``goal-<id>``)."""

    class Meta:
        csrf = False  # the page's form carries the token once

    action = SelectField(
        "Decision", choices=[SelectChoice(k, v) for k, v in ACTION_LABELS.items()], default=""
    )
    reason = StringField("Why (for a drop)", filters=[strip], validators=[Length(max=500)])
    new_target_on = DayField("New target date", validators=[Optional()])
    new_hours = ExactDecimalField("New hours a week (your note)", validators=HOURS)
    new_amount = ExactDecimalField("New money (your note)", validators=MONEY)
    version = VersionField()  # the goal as the member saw it when deciding

    def validate_action(self, field) -> None:
        if field.data == "shrink" and not any(
            (
                self.new_target_on.data,
                self.new_hours.data is not None,
                self.new_amount.data is not None,
            )
        ):
            raise ValidationError("To shrink it, give a new target date, hours or money.")


class RespondForm(Form):
    """The partner's part: their words, and their yes."""

    impact = TextAreaField(
        "What it means for your goals and the shared ones (your own words)",
        filters=[strip],
        validators=[Length(max=2000)],
    )


class FollowUpForm(Form):
    note = TextAreaField("What happened since", filters=[strip], validators=[Length(max=2000)])
    resume = BooleanField("Resume the goals this entry paused")


class ProtocolForm(Form):
    steps = TextAreaField(
        "Steps, one per line",
        filters=[strip],
        validators=[DataRequired("A protocol needs at least one step."), Length(max=2000)],
    )
    seen = IntegerField(validators=[InputRequired(), NumberRange(min=0, max=10_000)])

    def validate_steps(self, field) -> None:
        steps = self.step_list()
        if len(steps) > 12:
            raise ValidationError("Keep it to 12 steps at most.")
        if any(len(step) > 160 for step in steps):
            raise ValidationError("Keep each step under 160 characters.")

    def step_list(self) -> list[str]:
        return [line.strip() for line in (self.steps.data or "").splitlines() if line.strip()]
