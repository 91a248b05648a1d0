"""Each provider normalises its own money into exact major units of the instance's currency
(ISO 4217 exponents: JPY 0, EUR 2, KWD 3), and validate asks for the currency where campaigns
carry money, with file, line and field."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from provisioner.providers.base import Commitment
from provisioner.providers.criteo.schema import CriteoCampaign
from provisioner.providers.money import exponent, from_minor, scaled
from provisioner.providers.sessionm.schema import SessionMCampaign
from provisioner.providers.skala.schema import SkalaCampaign
from provisioner.providers.topsort.schema import TopsortCampaign
from tests.conftest import TOPSORT_SPRING, cli

D = Decimal


@pytest.mark.parametrize("currency, digits, minor, major", [
    ("EUR", 2, 123456, "1234.56"), ("JPY", 0, 5000, "5000"), ("KWD", 3, 1234, "1.234"), ("BHD", 3, 5, "0.005"),
    ("CLF", 4, 1, "0.0001"),
])
def test_iso_4217_exponents_make_minor_units_exact_major_units(currency: str, digits: int, minor: int,
                                                               major: str) -> None:
    assert exponent(currency) == digits
    assert str(from_minor(minor, currency)) == major


def test_unknown_codes_and_codes_without_minor_units_are_refused() -> None:
    for code in ("EURO", "eur", "XAU", "ZZZ"):
        with pytest.raises(ValueError, match="ISO 4217"):
            exponent(code)
    assert str(scaled(D("12.5"), "EUR")) == "12.50" and str(scaled(D("12.345"), "EUR")) == "12.345"  # never rounds


def test_topsort_budget_in_minor_units_and_inactive_commits_nothing() -> None:
    fields = {"budget": {"amount": 65000, "type": "daily"}}
    assert TopsortCampaign.commitments(fields, "EUR") == [Commitment("daily", D("650.00"))]
    assert TopsortCampaign.commitments(fields, "JPY") == [Commitment("daily", D("65000"))]
    paused = TopsortCampaign.commitments({**fields, "isActive": False}, "EUR")[0]
    assert not paused.active and paused.committed == 0
    assert TopsortCampaign.commitments({"name": "no budget"}, "EUR") == []
    assert TopsortCampaign.commitments(fields, None)[0].unknown  # no currency: never a guess


def test_criteo_spend_limits_with_their_renewal() -> None:
    capped = {"spendLimit": {"spendLimitType": "capped", "spendLimitRenewal": "monthly", "spendLimitAmount": "99.9"}}
    assert CriteoCampaign.commitments(capped, "EUR") == [Commitment("monthly", D("99.90"))]
    uncapped = CriteoCampaign.commitments({"spendLimit": {"spendLimitType": "uncapped"}}, "EUR")[0]
    assert uncapped.unbounded and uncapped.committed == 0


def test_skala_custom_budget_known_budget_option_unknown_cancelled_nothing() -> None:
    assert SkalaCampaign.commitments({"customBudget": "12500.5"}, "NOK") == [Commitment("flight", D("12500.50"))]
    option = SkalaCampaign.commitments({"budgetOptionId": 500}, "NOK")[0]
    assert option.unknown
    cancelled = SkalaCampaign.commitments({"customBudget": "10", "status": "CANCELLED"}, "NOK")[0]
    assert not cancelled.active
    assert SessionMCampaign.commitments({"name": "x"}, "EUR") == []  # no money on SessionM


PROVIDERS = """\
providers:
  topsort:
    base_url: sandbox
    vendor_id: v1
  skala:
    base_url: sandbox
    brand_id: 1
    currency: {currency}
"""
CAMPAIGNS = "campaigns:\n" + TOPSORT_SPRING


def test_validate_asks_for_the_currency_where_campaigns_carry_money(tmp_path: Path) -> None:
    (tmp_path / "providers.yaml").write_text(PROVIDERS.format(currency="NOK"))
    (tmp_path / "campaigns.yaml").write_text(CAMPAIGNS)
    result = cli("validate", str(tmp_path))
    assert result.exit_code == 1
    assert "providers.yaml:2: error: providers.topsort.currency: campaigns of this instance carry money (spring): " \
           "declare the account's currency as an ISO 4217 code, e.g. `currency: EUR`" in result.stderr
    assert "skala" not in result.stderr  # no Skala campaign: its currency is optional, and valid


def test_a_currency_that_is_not_iso_4217_is_refused_with_its_line(tmp_path: Path) -> None:
    (tmp_path / "providers.yaml").write_text(PROVIDERS.format(currency="eur"))
    result = cli("validate", str(tmp_path))
    assert result.exit_code == 1
    assert "providers.yaml:8: error: providers.skala.currency: 'eur' is not an ISO 4217 currency code " \
           "(codes are capitals: EUR)" in result.stderr


class _Recording(dict):  # type: ignore[type-arg]
    """Live fields that remember which top-level fields were read."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.read: set[str] = set()

    def get(self, key: str, default: object = None) -> object:  # type: ignore[override]
        self.read.add(key)
        return super().get(key, default)

    def __getitem__(self, key: str) -> object:
        self.read.add(key)
        return super().__getitem__(key)


@pytest.mark.parametrize("model, fields", [
    (TopsortCampaign, {"name": "x", "budget": {"amount": 1500, "type": "daily"}, "isActive": False,
                       "startDate": "2030-03-01T00:00:00Z", "status": "approved"}),
    (CriteoCampaign, {"name": "x", "goal": "Retention", "spendLimit": {"spendLimitType": "capped",
                      "spendLimitRenewal": "monthly", "spendLimitAmount": D("100.25")}, "budgetAutomation": {}}),
    (CriteoCampaign, {"name": "x", "spendLimit": {"spendLimitType": "uncapped"}}),
    (SkalaCampaign, {"customBudget": "1999.5", "budgetOptionId": 500, "status": "CANCELLED",
                     "startDate": "2030-04-01"}),
    (SkalaCampaign, {"budgetOptionId": 500, "status": "ACTIVE", "landingPage": "https://example.com"}),
])
def test_commitments_read_only_the_declared_money_fields(model: type[TopsortCampaign],
                                                        fields: dict[str, object]) -> None:
    """The plan computes commitments once per distinct value of `money_fields` (spend.py): a model
    that read any other field would be summed wrong, so each one is held to what it declares."""
    recording = _Recording(fields)
    commitments = model.commitments(recording, "EUR")
    assert model.money_fields is not None and commitments
    assert recording.read <= set(model.money_fields)
    assert model.commitments({k: v for k, v in fields.items() if k in model.money_fields}, "EUR") == commitments
