"""Form fields shared by several areas."""

from flask_wtf import FlaskForm
from wtforms import DateField, StringField


class DayField(DateField):
    """A date field whose complaint says what to type."""

    def process_formdata(self, valuelist) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError("Enter a date like 2027-01-31.") from error


def strip(value: str | None) -> str | None:
    """A WTForms filter: ignore spaces around what was typed."""
    return value.strip() if isinstance(value, str) else value


def drop_nul(value):
    """A WTForms filter: NUL characters never reach the database (PostgreSQL refuses them)."""
    return value.replace("\x00", "") if isinstance(value, str) else value


class Form(FlaskForm):
    """The base of Goalmap's forms: every text field drops NUL characters."""

    class Meta:
        def bind_field(self, form, unbound_field, options):
            if issubclass(unbound_field.field_class, StringField):
                options["filters"] = (*unbound_field.kwargs.get("filters", ()), drop_nul)
            return unbound_field.bind(form=form, **options)
