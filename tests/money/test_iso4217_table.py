"""The written-out ISO 4217 exponents (providers/iso4217_table.py) are exactly what the installed
`iso4217` package gives, and are used only while that package is the one they were written from:
any other package's table is asked directly, so an update of the package never leaves a stale copy."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from provisioner.providers import iso4217_table, money


def _from_package() -> dict[str, int]:
    import iso4217

    return {c.code: c.exponent for c in iso4217.Currency if c.exponent is not None}


def render() -> str:
    """The module's table body as this test would write it (run this file to print it)."""
    import iso4217

    return f"# iso4217 {iso4217.__version__}\nSOURCE_SHA256 = {money.installed_iso4217_sha256()!r}\n" \
           f"EXPONENTS = {dict(sorted(_from_package().items()))!r}\n"


def test_the_exponents_used_are_the_installed_packages() -> None:
    """Whichever answers (the copy while the package is its source, else the package), the exponents
    are the installed package's. A newer iso4217 from the registry (pyproject allows any) is asked
    directly, so it must not fail this test: only the copy's fidelity to its own source is checked."""
    money._exponents.cache_clear()
    try:
        assert money._exponents() == _from_package()
    finally:
        money._exponents.cache_clear()
    if money.installed_iso4217_sha256() == iso4217_table.SOURCE_SHA256:
        assert _from_package() == iso4217_table.EXPONENTS


def test_another_package_is_asked_directly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(money, "installed_iso4217_sha256", lambda: "another table")
    monkeypatch.setattr(iso4217_table, "EXPONENTS", {"EUR": 7})  # what a stale copy would say
    money._exponents.cache_clear()
    try:
        assert money._exponents() == _from_package()
        assert money.exponent("EUR") == 2
    finally:
        money._exponents.cache_clear()


def test_a_currency_check_imports_no_iso4217_package(tmp_path: Path) -> None:
    """The copy answers: checking and scaling currencies does not import the package (its XML parse)."""
    script = ("import sys\nfrom provisioner.providers.money import check_currency, exponent\n"
              "print(check_currency('EUR'), exponent('JPY'), exponent('KWD'), 'iso4217' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=tmp_path)
    # (a newer package than the copy's source is imported and asked: correct, only slower)
    imported = money.installed_iso4217_sha256() != iso4217_table.SOURCE_SHA256
    assert done.stdout.split() == ["EUR", "0", "3", str(imported)]


if __name__ == "__main__":
    print(render())
