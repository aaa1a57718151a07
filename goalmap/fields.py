"""Form fields shared by several areas."""

from wtforms import DateField


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
