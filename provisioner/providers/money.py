"""Decimal money fields with the range and scale a platform can hold, checked at validate, so an
amount like `1e309`, `1e-400` or 310 digits is refused with file, line and field, never sent."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal


def _short(value: Decimal) -> str:
    text = str(value)
    return text if len(text) <= 24 else f"{value:.6e}"


def money_check(places: int, below: Decimal, positive: bool = False) -> Callable[[Decimal], Decimal]:
    """A pydantic AfterValidator for a Decimal amount `0 <= amount < below` (`0 < amount` when
    `positive`) with at most `places` decimal places (trailing zeros do not count: 10.50 has 1)."""

    def check(value: Decimal) -> Decimal:
        if not value.is_finite():
            raise ValueError("must be a finite amount")
        if value < 0 or (positive and value == 0) or value >= below:
            low = "greater than 0" if positive else "at least 0"
            raise ValueError(f"{_short(value)} is out of range: must be {low} and less than {int(below):,}")
        exponent = value.normalize().as_tuple().exponent
        if isinstance(exponent, int) and -exponent > places:
            raise ValueError(f"{_short(value)} has more than {places} decimal places")
        return value

    return check
