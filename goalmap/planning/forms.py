from wtforms import IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, InputRequired, Length, Optional

from goalmap.fields import Form
from goalmap.goals.forms import GoalForm
from goalmap.planning.service import DECISIONS
from goalmap.resources.forms import HOURS, AllocationForm, AvailabilityForm, ExactDecimalField


class ReviewForm(Form):
    decision = StringField(
        validators=[AnyOf(DECISIONS, message="Choose carry over, done or drop.")]
    )
    reason = StringField("Why drop it? (optional)", validators=[Length(max=500)])
    # For a goal carried over whose dates fall outside the new quarter: clear them, or
    # move them by the quarters' distance. Never kept silently.
    dates = SelectField(
        "Its dates",
        choices=[
            SelectChoice("clear", "Clear its dates"),
            SelectChoice("move", "Move its dates into the new quarter"),
        ],
        default="clear",
    )


class OurGoalForm(GoalForm):
    lane_id = IntegerField("Lane", validators=[InputRequired()])
    value_id = SelectField("Which shared value does it serve?", coerce=int, validators=[Optional()])

    def set_values(self, values) -> None:
        self.value_id.choices = [SelectChoice(0, "—")] + [
            SelectChoice(v.id, v.name) for v in values
        ]


class NoteRowForm(AllocationForm):
    """One goal's row of the Resources step (prefixed ``goal-<id>``): the member's note
    of what the goal takes. Many share the page's one form, so the per-form token (which
    a prefix would rename) is off: CSRFProtect checks every POST already."""

    class Meta:
        csrf = False


class AvailabilityRowForm(AvailabilityForm):
    """The Resources step's row of what the member has this quarter (prefixed
    ``availability``); its token is the page's, as for ``NoteRowForm``."""

    class Meta:
        csrf = False

    # Short enough for a phone's row, beside the budget and its Save.
    hours_per_week = ExactDecimalField("Hours a week", validators=HOURS)
