from wtforms import HiddenField, StringField
from wtforms.validators import AnyOf, DataRequired, Length, Optional

from goalmap.fields import DayField, Form, VersionField, strip


class MilestoneForm(Form):
    """A milestone's words and, if it has one, its target date."""

    title = StringField(
        "Milestone",
        filters=[strip],
        validators=[DataRequired("Name the milestone."), Length(max=200)],
    )
    target_on = DayField("Target date (optional)", validators=[Optional()])
    version = VersionField()


class NewMilestoneForm(MilestoneForm):
    title = StringField(
        "New milestone",
        filters=[strip],
        validators=[DataRequired("Name the milestone."), Length(max=200)],
    )


class OrderForm(Form):
    direction = HiddenField(validators=[AnyOf(("up", "down"), message="Move it up or down.")])


def checklist(goal, milestones, editable: bool, new_milestone=None, **context) -> dict:
    """What a goal's checklist section (``milestones/_milestones.html``) shows: the
    milestones, whether the member may change them, and the forms to change them."""
    return {
        "goal": goal,
        "milestones": milestones,
        "editable": editable,
        "new_milestone": new_milestone or NewMilestoneForm(formdata=None),
        "milestone_form": lambda milestone: MilestoneForm(formdata=None, obj=milestone),
        **context,
    }
