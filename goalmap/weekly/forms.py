from wtforms import FieldList, IntegerField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, ValidationError

from goalmap.fields import Form, strip

ENERGY = [("", "Rather not say")] + [
    (str(n), label)
    for n, label in enumerate(("Drained", "Low", "Steady", "Good", "Full of energy"), start=1)
]


class AnswersForm(Form):
    """An answer for each of the week's prompts (in their order), and how the week felt."""

    replies = FieldList(
        TextAreaField(filters=[strip], validators=[Length(max=2000)]), min_entries=1, max_entries=8
    )
    energy = SelectField(
        "Your energy this week",
        choices=[SelectChoice(value, label) for value, label in ENERGY],
        default="",
    )

    def validate_replies(self, field) -> None:
        if not any(entry.data for entry in field.entries):
            raise ValidationError("Answer at least one of the questions.")

    def energy_level(self) -> int | None:
        return int(self.energy.data) if self.energy.data else None


class QuestionsForm(Form):
    prompts = TextAreaField(
        "Questions, one per line, in the order you ask them",
        filters=[strip],
        validators=[DataRequired("Keep at least one question."), Length(max=2000)],
    )
    seen = IntegerField(validators=[InputRequired(), NumberRange(min=0, max=10_000)])

    def validate_prompts(self, field) -> None:
        lines = self.lines()
        if len(lines) > 8:
            raise ValidationError("Keep it to 8 questions at most.")
        if any(len(line) > 200 for line in lines):
            raise ValidationError("Keep each question under 200 characters.")

    def lines(self) -> list[str]:
        return [line.strip() for line in (self.prompts.data or "").splitlines() if line.strip()]
