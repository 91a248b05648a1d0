"""Money as the platforms hold it: Decimal amounts with the range and scale a platform can take
(checked at validate, so `1e309`, `1e-400` or 310 digits are refused with file, line and field,
never sent), the ISO 4217 currency a provider instance declares, and its exponent (JPY 0, EUR 2,
KWD 3), which turns integer minor units into exact major units."""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Callable
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, Field


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


# The fields of one <CcyNtry> of ISO's table that the exponents come from (the alphabetic code, the
# numeric code, the minor unit: digits or "N.A."); values are plain text, no markup or entities.
_TABLE_ENTRY = re.compile(rb"<CcyNtry>(.*?)</CcyNtry>", re.DOTALL)
_TABLE_FIELD = re.compile(rb"<(Ccy|CcyNbr|CcyMnrUnts)>\s*([^<]*?)\s*</\1>")


@cache
def _exponents() -> dict[str, int]:
    """ISO 4217's active codes → number of minor-unit digits, from ISO's own published table as the
    `iso4217` package ships it. Codes without a minor unit (gold XAU, SDR XDR, the test code XTS) are
    left out: no budget is kept in them.

    The table is read straight from the package's table.xml: importing the package parses the XML
    with ElementTree and builds an enum of every currency, about 10 ms of every `validate` or
    `plan`. A test checks that this gives exactly what the package's `Currency` enum gives."""
    spec = importlib.util.find_spec("iso4217")  # finds the package without running it
    locations = spec.submodule_search_locations if spec is not None else None
    try:
        data = (Path(locations[0]) / "table.xml").read_bytes() if locations else None
    except OSError:
        data = None
    if data is None:  # a build of the package without its table file: ask the package itself
        return _exponents_from_package()
    exponents: dict[str, int] = {}
    seen: set[str] = set()
    for entry in _TABLE_ENTRY.findall(data):
        fields = {name.decode(): value.decode() for name, value in _TABLE_FIELD.findall(entry)}
        code = fields.get("Ccy")
        if not code or code in seen:
            continue  # an entry without a currency (Antarctica), or a further country of one already read
        seen.add(code)  # as the package does, a code's first entry says its numeric code and minor unit
        minor = fields.get("CcyMnrUnts", "")
        if fields.get("CcyNbr") and minor.isdigit():
            exponents[code] = int(minor)
    return exponents


def _exponents_from_package() -> dict[str, int]:
    import iso4217

    return {c.code: c.exponent for c in iso4217.Currency if c.exponent is not None}


def exponent(currency: str) -> int:
    """Digits after the decimal point in the currency's major unit (JPY 0, EUR 2, BHD 3)."""
    try:
        return _exponents()[currency]
    except KeyError:
        raise ValueError(f"{currency!r} is not an ISO 4217 currency code") from None


def check_currency(code: str) -> str:
    """A pydantic AfterValidator: an active ISO 4217 code with a minor unit, in capitals."""
    if code not in _exponents():
        hint = " (codes are capitals: " + code.upper() + ")" if code.upper() in _exponents() else ""
        raise ValueError(f"{code!r} is not an ISO 4217 currency code{hint}, e.g. EUR, USD, JPY")
    return code


Currency = Annotated[str, AfterValidator(check_currency),
                     Field(pattern=r"^[A-Za-z]{3}$", description="ISO 4217 code of the account's currency, e.g. EUR")]


def from_minor(units: int, currency: str) -> Decimal:
    """Integer minor units → exact major units: 1234 EUR cents → 12.34, 1234 JPY → 1234."""
    return scaled(Decimal(units).scaleb(-exponent(currency)), currency)


def scaled(amount: Decimal, currency: str) -> Decimal:
    """`amount` written with exactly the currency's number of decimals (12.5 EUR → 12.50).
    Never rounds: an amount with more decimals than the currency has keeps them."""
    places = exponent(currency)
    quantum = Decimal(1).scaleb(-places)
    exact = amount.quantize(quantum) if amount == amount.quantize(quantum) else amount
    return exact
