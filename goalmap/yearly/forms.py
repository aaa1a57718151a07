from wtforms import FieldList, TextAreaField
from wtforms.validators import InputRequired, Length, ValidationError
from wtforms.widgets import HiddenInput

from goalmap.fields import DayField, Form, VersionField, drop_nul, strip

OUT_OF_DATE = "This form is out of date; reload the page."


class StartForm(Form):
    """Start the review of the day the page showed as due (sent hidden), so that partners
    pressing at once, or a second tab, land on the same review."""

    day = DayField(widget=HiddenInput(), validators=[InputRequired(OUT_OF_DATE)])


class YearlyAnswersForm(Form):
    """An answer to each of the review's questions, in their order."""

    answers = FieldList(
        TextAreaField(filters=[strip, drop_nul], validators=[Length(max=4000)]),
        min_entries=1,
        max_entries=12,
    )

    def validate_answers(self, field) -> None:
        if not any(entry.data for entry in field.entries):
            raise ValidationError("Answer at least one of the questions.")


class KeepChangeForm(Form):
    """What the couple keeps and what they change, saved over the version it was shown."""

    keep = TextAreaField(
        "What we keep",
        filters=[strip],
        validators=[Length(max=4000, message="Keep it under 4000 characters.")],
    )
    change = TextAreaField(
        "What we change",
        filters=[strip],
        validators=[Length(max=4000, message="Keep it under 4000 characters.")],
    )
    version = VersionField()

    def validate_keep(self, field) -> None:
        if not field.data and not self.change.data:
            raise ValidationError("Write what you keep, what you change, or both.")


class KeepForm(Form):
    """Keep the review as it was shown (its version)."""

    seen = VersionField()
