from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, StringField
from wtforms.validators import AnyOf, DataRequired, Length

from goalmap.models.people import COLOURS


class NameForm(FlaskForm):
    """Name a new or existing lane or stage.

    Several of these share a page under different prefixes; CSRFProtect checks
    every POST already, so the per-form token (which a prefix would rename) is off.
    """

    class Meta:
        csrf = False

    name = StringField("Name", validators=[DataRequired(), Length(max=40)])


class PartnershipForm(FlaskForm):
    name = StringField("Partnership name", validators=[DataRequired(), Length(max=120)])


class ColourForm(FlaskForm):
    colour = RadioField("Your colour", choices=list(COLOURS.items()), validators=[DataRequired()])


class OrderForm(FlaskForm):
    direction = HiddenField(validators=[AnyOf(["up", "down"], message="Choose up or down.")])
