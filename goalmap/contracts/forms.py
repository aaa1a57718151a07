from wtforms import BooleanField, IntegerField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, ValidationError

from goalmap.contracts.service import Terms
from goalmap.fields import DayField, Form, VersionField, strip
from goalmap.models import CADENCES

LONG = [Length(max=1000)]


class TermsForm(Form):
    commitment = TextAreaField(
        "What I commit to, in my words",
        filters=[strip],
        validators=[DataRequired("Say what you commit to."), *LONG],
    )
    success = TextAreaField(
        "How we will know it worked",
        filters=[strip],
        validators=[DataRequired("Say how success will be recognised."), *LONG],
    )
    support = TextAreaField(
        "What I ask of you (e.g. cover two evenings a week)", filters=[strip], validators=LONG
    )
    cadence = SelectField(
        "Check in", choices=[SelectChoice(k, v) for k, v in CADENCES.items()], default="weekly"
    )
    starts_on = DayField("From", validators=[InputRequired("Say when it starts.")])
    ends_on = DayField("Until", validators=[InputRequired("Say when it ends.")])
    shown_to_partner = BooleanField(
        "Ask my partner to witness it: they will see these terms (never the goal's notes)"
    )

    def validate_ends_on(self, field) -> None:
        if field.data and self.starts_on.data and field.data <= self.starts_on.data:
            raise ValidationError("It ends after it starts.")

    def terms(self) -> Terms:
        return Terms(
            self.commitment.data,
            self.success.data,
            self.support.data or "",
            self.cadence.data,
            self.starts_on.data,
            self.ends_on.data,
        )


class SignForm(Form):
    seen = IntegerField(validators=[InputRequired(), NumberRange(min=1, max=10_000)])


class CheckInForm(Form):
    progress = IntegerField(
        "Progress (%)",
        validators=[
            InputRequired("Say how far you are, 0 to 100."),
            NumberRange(min=0, max=100, message="From 0 to 100."),
        ],
    )
    note = TextAreaField("How it went", filters=[strip], validators=LONG)


class EncourageForm(Form):
    words = TextAreaField(
        "Your encouragement",
        filters=[strip],
        validators=[DataRequired("Write a few words."), *LONG],
    )


class CloseForm(Form):
    seen = VersionField()
    goal_done = BooleanField("Mark the goal done too")
    reflection = TextAreaField("What you learned, in a few words", filters=[strip], validators=LONG)
