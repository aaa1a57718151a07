from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, Length

from goalmap.fields import strip
from goalmap.models.people import COLOURS


class NameForm(FlaskForm):
    """Name a new or existing lane or stage.

    Several of these share a page under different prefixes; CSRFProtect checks
    every POST already, so the per-form token (which a prefix would rename) is off.
    """

    class Meta:
        csrf = False

    name = StringField("Name", filters=[strip], validators=[DataRequired(), Length(max=40)])


class PartnershipForm(FlaskForm):
    name = StringField(
        "Partnership name", filters=[strip], validators=[DataRequired(), Length(max=120)]
    )


class ColourForm(FlaskForm):
    colour = RadioField(
        "Your colour",
        choices=[SelectChoice(value, label) for value, label in COLOURS.items()],
        validators=[DataRequired()],
    )


class OrderForm(FlaskForm):
    direction = HiddenField(validators=[AnyOf(["up", "down"], message="Choose up or down.")])
