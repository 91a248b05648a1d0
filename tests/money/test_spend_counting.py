"""The spend summary adds up unchanged campaigns once per distinct list of commitments, times the
campaigns sharing it; the totals must be exactly (value and exponent) those of adding one campaign
after the other, or it adds them one by one."""

from __future__ import annotations

import random
from decimal import Decimal, InvalidOperation

import pytest

import provisioner.spend as spend
from provisioner.plans.money import SpendLine
from provisioner.providers.base import Commitment
from provisioner.providers.money import scaled
from provisioner.spend import _add_steady, _lines, _Steady

AMOUNTS = [Decimal("100.25"), Decimal("100.250"), Decimal("0"), Decimal("0.00"), Decimal("-0.00"), Decimal("1E+2"),
           Decimal("7"), Decimal("0.1000000000000000055511151231257827"), Decimal("1E+30"), Decimal("1E-30"),
           Decimal("-5"), Decimal("99999999999999999999999999.99"), None]


def _exact(lines: list[SpendLine]) -> list[tuple[object, ...]]:
    """Each line with its totals' exact spellings (Decimal("1.0") == Decimal("1.00"), but not here)."""
    return [(line.provider, line.currency, line.period, str(line.before), str(line.after), line.unbounded_before,
             line.unbounded, line.unknown_before, line.unknown_after) for line in lines]


def _by_slot(lines: list[SpendLine]) -> list[SpendLine]:
    return sorted(lines, key=lambda line: (line.provider, line.currency or "", line.period))


def test_counted_totals_are_exactly_the_totals_added_one_campaign_after_the_other(
        monkeypatch: pytest.MonkeyPatch) -> None:
    outcomes: list[bool] = []
    add_counted = spend._add_counted

    def recorded(*args: object) -> bool:
        outcomes.append(add_counted(*args))  # type: ignore[arg-type]
        return outcomes[-1]
    monkeypatch.setattr(spend, "_add_counted", recorded)
    rng = random.Random(6)
    for _ in range(3000):
        amounts = rng.sample(AMOUNTS, rng.randint(1, 4))
        lists = [[Commitment(rng.choice(("daily", "total", "lifetime")), amount, capped=rng.random() < 0.9,
                             active=rng.random() < 0.9) for _ in range(rng.randint(1, 2))] for amount in amounts]
        groups: dict[tuple[str, int], _Steady] = {}
        order: list[_Steady] = []
        for _ in range(rng.randint(1, 30)):  # campaigns, in the plan's order
            provider, commitments = rng.choice(("a", "b")), rng.choice(lists)
            group = groups.get((provider, id(commitments)))
            if group is None:
                currency = "EUR" if provider == "a" else None
                group = groups[(provider, id(commitments))] = _Steady(provider, currency, commitments)
            else:
                group.count += 1
            order.append(group)
        one_by_one: dict[tuple[str, str, str], SpendLine] = {}
        _add_steady(one_by_one, order, counted=False)  # the summary's way before counting: one campaign after the other
        try:
            for line in one_by_one.values():
                if line.currency:
                    line.before, line.after = scaled(line.before, line.currency), scaled(line.after, line.currency)
        except InvalidOperation:  # (beyond the context's precision: the summary fails alike)
            with pytest.raises(InvalidOperation):
                _lines([], list(groups.values()), order)
            continue
        got = _lines([], list(groups.values()), order)
        assert _exact(_by_slot(got)) == _exact(_by_slot(list(one_by_one.values())))
    assert True in outcomes and False in outcomes  # counted where exact, one by one elsewhere
