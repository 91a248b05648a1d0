"""Money as the platforms hold it: Decimal amounts with the range and scale a platform can take
(checked at validate, so `1e309`, `1e-400` or 310 digits are refused with file, line and field,
never sent), the ISO 4217 currency a provider instance declares, and its exponent (JPY 0, EUR 2,
KWD 3), which turns integer minor units into exact major units."""

from __future__ import annotations

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


@cache
def _exponents() -> dict[str, int]:
    """ISO 4217's active codes → number of minor-unit digits, from the `iso4217` package (ISO's own
    published table). Codes without a minor unit (gold XAU, SDR XDR, the test code XTS) are left
    out: no budget is kept in them. The copy in iso4217_table.py while the installed package is the
    one it was written from (importing the package parses its XML table); the package otherwise."""
    from provisioner.providers import iso4217_table

    if installed_iso4217_sha256() == iso4217_table.SOURCE_SHA256:
        return dict(iso4217_table.EXPONENTS)
    import iso4217

    return {c.code: c.exponent for c in iso4217.Currency if c.exponent is not None}


def installed_iso4217_sha256() -> str | None:
    """SHA-256 of the installed `iso4217` package's code and table (found, not imported), or None."""
    import hashlib
    from importlib.util import find_spec

    spec = find_spec("iso4217")
    if spec is None or spec.origin is None:
        return None
    folder = Path(spec.origin).parent
    try:
        return hashlib.sha256((folder / "__init__.py").read_bytes() + b"\0" + (folder / "table.xml").read_bytes()
                              ).hexdigest()
    except OSError:
        return None


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
