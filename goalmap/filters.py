"""Template filters for numbers people read."""

from decimal import Decimal

from flask import Flask


def hours(value: Decimal | None) -> str:
    """12 rather than 12.0; 12.5 stays 12.5."""
    if value is None:
        return "0"
    return f"{value.normalize():f}" if value == value.to_integral() else f"{value:f}".rstrip("0")


def money(value: Decimal | None, currency: str) -> str:
    """An exact amount with two decimals and the currency code, e.g. 1,250.00 EUR."""
    return f"{(value or Decimal(0)):,.2f} {currency}"


def init_app(app: Flask) -> None:
    app.add_template_filter(hours)
    app.add_template_filter(money)
