"""Form fields shared by several areas, and the base every form is built on."""

import re
from datetime import date

from flask import has_request_context, request
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, PasswordField, StringField, TextAreaField
from wtforms.csrf.core import CSRFTokenField
from wtforms.validators import NumberRange, StopValidation
from wtforms.widgets import HiddenInput

from goalmap.scoping import MAX_INTEGER

# The days Goalmap plans on. Outside them a date is a typo, and near the calendar's end
# "the quarter after" would not exist.
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2999, 12, 31)
SUBMITTING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Line breaks of every kind, and the other control characters, in a one-line field.
_BREAKS = re.compile(r"[\r\n\t\v\f\x1c-\x1e\x85\u2028\u2029]+")
_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1b\x7f]")
_AUTO = object()  # "read the request", as Flask-WTF's own default means
# What a hidden input is rendered without (see ``Form.Meta.render_field``).
HIDDEN_DROPS = ("id", "required", "min", "max", "step", "minlength", "maxlength")


class DayField(DateField):
    """A date field whose complaint says what to type, and which keeps to planning days."""

    def process_formdata(self, valuelist) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError("Enter a date like 2027-01-31.") from error
        if self.data is not None and not FIRST_DAY <= self.data <= LAST_DAY:
            self.data = None
            raise ValueError(f"Enter a date between {FIRST_DAY.year} and {LAST_DAY.year}.")


class VersionField(IntegerField):
    """The version of a record a form was shown with, sent back hidden; a value this
    server could not have handed out (not ASCII digits, beyond an INTEGER) means the
    form is out of date."""

    widget = HiddenInput()

    def process_formdata(self, valuelist) -> None:
        text = valuelist[0] if valuelist else ""
        if not text:
            self.data = None
        elif re.fullmatch(r"[0-9]{1,10}", text) and int(text) <= MAX_INTEGER:
            self.data = int(text)
        else:
            self.data = None
            raise ValueError("This form is out of date; reload the page.")

    def _value(self) -> str:
        # The version set last (after a conflict: the current one), never the one sent.
        return "" if self.data is None else str(self.data)


def strip(value: str | None) -> str | None:
    """A WTForms filter: ignore spaces around what was typed."""
    return value.strip() if isinstance(value, str) else value


def drop_nul(value):
    """A WTForms filter: NUL characters never reach the database (PostgreSQL refuses them)."""
    return value.replace("\x00", "") if isinstance(value, str) else value


def one_line(value):
    """A WTForms filter for one-line fields: a pasted line break becomes a space, and
    other control characters are dropped, so one line stays one line everywhere."""
    if not isinstance(value, str):
        return value
    return _CONTROLS.sub("", _BREAKS.sub(" ", value))


def whole_number(_form, field) -> None:
    """A validator run before a whole-number field's range check: a number beyond the
    database's integers is refused with a message (the range check would fail on it).
    Ids have no range: a number beyond them is a record not found (``get_or_404``)."""
    if field.data is not None and abs(field.data) > MAX_INTEGER:
        field.errors[:] = ["That number is too large."]
        raise StopValidation()


class Form(FlaskForm):
    """The base of Goalmap's forms.

    A form reads the request's form fields only: Goalmap takes no file uploads, so a
    part sent as a file is no field's value, and a JSON body is not a form. Every text
    field drops NUL characters; one-line text fields hold one line; whole-number fields
    with a range refuse numbers no column can hold."""

    class Meta:
        def wrap_formdata(self, form, formdata):
            if formdata is not _AUTO:
                return formdata
            if has_request_context() and request.method in SUBMITTING and request.form:
                return request.form
            return None

        def bind_field(self, form, unbound_field, options):
            kind = unbound_field.field_class
            filters = unbound_field.kwargs.get("filters", ())
            if issubclass(kind, StringField):
                filters = (*filters, drop_nul)
                if not issubclass(kind, TextAreaField | PasswordField):
                    filters = (*filters, one_line)
                options["filters"] = filters
            if issubclass(kind, CSRFTokenField):
                # Rendered without an id: a page holds several forms, and an id would be
                # the same in each ("csrf_token"); the token goes by its name alone.
                options["render_kw"] = {**unbound_field.kwargs.get("render_kw", {}), "id": False}
            validators = unbound_field.kwargs.get("validators") or ()
            if issubclass(kind, IntegerField) and any(
                isinstance(v, NumberRange) for v in validators
            ):
                options["validators"] = (whole_number, *validators)
            return unbound_field.bind(form=form, **options)

        def render_field(self, field, render_kw):
            # A hidden input has no label to point at it, so no id (a page showing a form
            # twice would repeat it: two "csrf_token"s), and takes none of the checks a
            # browser runs on what people type, which HTML allows on visible inputs only.
            hidden = render_kw.get("type", getattr(field.widget, "input_type", None))
            if hidden == "hidden":
                render_kw = {**dict.fromkeys(HIDDEN_DROPS, False), **render_kw}
            return super().render_field(field, render_kw)

    def __init__(self, *args, formdata=_AUTO, **kwargs):
        super().__init__(*args, formdata=formdata, **kwargs)
