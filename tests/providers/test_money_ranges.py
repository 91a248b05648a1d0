"""Money the platforms cannot hold is refused at validate: range and decimal places per platform."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import ValidationError

from provisioner.providers.criteo.schema import SpendLimit
from provisioner.providers.skala.schema import SkalaCampaign


def skala(budget: object) -> SkalaCampaign:
    return SkalaCampaign.model_validate({
        "company": {"id": 1}, "campaignType": {"id": 2}, "startDate": "2030-03-01", "endDate": "2030-03-31",
        "customBudget": budget, "customAdPlatformTypes": ["FACEBOOK"]})


@pytest.mark.parametrize("amount, problem", [
    ("1e309", "out of range"), ("1e-400", "more than 2 decimal places"), ("9" * 310, "out of range"),
    ("0.001", "more than 2 decimal places"), ("-0.01", "out of range"), ("NaN", "finite"),
    ("1000000000000", "out of range"),
])
def test_criteo_and_skala_refuse_amounts_they_cannot_hold(amount: str, problem: str) -> None:
    with pytest.raises(ValidationError, match=problem):
        SpendLimit(spendLimitType="capped", spendLimitRenewal="daily", spendLimitAmount=amount)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match=problem):
        skala(amount)


@pytest.mark.parametrize("amount", ["0.01", "123.45", "10.50", "10.500", "999999999999.99", 7])
def test_ordinary_amounts_pass(amount: object) -> None:
    spend = SpendLimit(spendLimitType="capped", spendLimitRenewal="daily", spendLimitAmount=amount)  # type: ignore[arg-type]
    assert spend.spendLimitAmount == Decimal(str(amount))
    assert skala(amount).customBudget == Decimal(str(amount))


def test_skala_budget_must_be_positive() -> None:
    with pytest.raises(ValidationError, match="greater than 0"):
        skala("0")
