"""The currency table read straight from the `iso4217` package's table.xml is exactly the one the
package's own `Currency` enum gives (the package itself is imported only by this comparison)."""

from __future__ import annotations

import iso4217

from provisioner.providers import money


def test_exponents_read_from_the_table_file_equal_the_packages_enum() -> None:
    from_enum = {c.code: c.exponent for c in iso4217.Currency if c.exponent is not None}
    assert money._exponents() == from_enum
    # the codes the examples and the docs rely on, and the ones without a minor unit left out
    assert (from_enum["EUR"], from_enum["JPY"], from_enum["KWD"]) == (2, 0, 3)
    assert not {"XAU", "XDR", "XTS"} & money._exponents().keys()


def test_the_fallback_through_the_package_gives_the_same_table() -> None:
    assert money._exponents_from_package() == money._exponents()
