"""Errors that teach: where YAML's own typing turned text into a boolean, number or date, `validate`
says so and how to quote it; an environment variable that is set but empty is named as empty."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import SANDBOX_PROVIDERS, TOPSORT_SPRING, cli

PROVIDERS = SANDBOX_PROVIDERS

CAMPAIGN = "campaigns:\n" + TOPSORT_SPRING


def _validate(tmp_path: Path, campaigns: str, providers: str = PROVIDERS) -> tuple[int, str]:
    (tmp_path / "providers.yaml").write_text(providers)
    (tmp_path / "campaigns.yaml").write_text(campaigns)
    result = cli("validate", str(tmp_path))
    return result.exit_code, result.output


@pytest.mark.parametrize("before, after, expected", [
    ("name: Spring", "name: yes",
     ('campaigns.yaml:4: error: campaigns.spring.name: Input should be a valid string — YAML read the unquoted '
      'yes as a boolean (true): quote it, name: "yes"')),
    ("name: Spring", "name: Off",
     'YAML read the unquoted Off as a boolean (false): quote it, name: "Off"'),
    ("name: Spring", "name: 2030",
     ('campaigns.yaml:4: error: campaigns.spring.name: Input should be a valid string — YAML read the unquoted '
      '2030 as a number: quote it, name: "2030"')),
    ("name: Spring", "name: 1:30",  # YAML 1.1 sexagesimal: 1*60 + 30
     'YAML read the unquoted 1:30 as a number (90): quote it, name: "1:30"'),
    ("name: Spring", "name: 2030-04-01",
     'YAML read the unquoted 2030-04-01 as a date: quote it, name: "2030-04-01"'),
    ("id: p1}", "id: 8983}",  # flow style, inside a list
     ('campaigns.spring.bids.0.target.id: Input should be a valid string — YAML read the unquoted 8983 as a '
      'number: quote it, id: "8983"')),
    ("type: daily}", "type: on}",  # one of fixed text choices
     ("campaigns.spring.budget.type: Input should be 'daily', 'weekly', 'monthly' or 'total' — YAML read the "
      'unquoted on as a boolean (true): quote it, type: "on"')),
])
def test_yaml_typing_is_named_with_the_fix(tmp_path: Path, before: str, after: str, expected: str) -> None:
    code, output = _validate(tmp_path, CAMPAIGN.replace(before, after, 1))
    assert code == 1
    assert expected in output


def test_provider_setting_typed_as_a_number(tmp_path: Path) -> None:
    code, output = _validate(tmp_path, CAMPAIGN, PROVIDERS.replace('advertiser_id: "12345"', "advertiser_id: 12345"))
    assert code == 1
    assert ('providers.yaml:8: error: providers.criteo.advertiser_id: Input should be a valid string — YAML read '
            'the unquoted 12345 as a number: quote it, advertiser_id: "12345"') in output


def test_a_wrong_value_that_yaml_did_not_type_gets_no_yaml_hint(tmp_path: Path) -> None:
    code, output = _validate(tmp_path, CAMPAIGN.replace("type: daily}", "type: hourly}"))
    assert code == 1 and "Input should be 'daily'" in output and "YAML read" not in output
    code, output = _validate(tmp_path, CAMPAIGN.replace("amount: 100,", "amount: 10.5,"))
    assert code == 1 and "valid integer" in output and "YAML read" not in output  # a number was wanted


REAL_TOPSORT = "providers:\n  topsort:\n    base_url: https://api.topsort.com\n    vendor_id: v1\n" \
               "    api_key: ${env:TOPSORT_API_KEY}\n    currency: EUR\n"


def test_an_empty_environment_variable_is_named_as_empty(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOPSORT_API_KEY", "")
    code, output = _validate(tmp_path, CAMPAIGN, REAL_TOPSORT)
    assert code == 1
    assert ("providers.yaml:5: error: providers.topsort.api_key: environment variable TOPSORT_API_KEY "
            "(referenced by 'api_key') is set but empty") in output
    assert "is not set" not in output


def test_an_unset_environment_variable_is_named_as_unset(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TOPSORT_API_KEY", raising=False)
    code, output = _validate(tmp_path, CAMPAIGN, REAL_TOPSORT)
    assert code == 1
    assert "environment variable TOPSORT_API_KEY (referenced by 'api_key') is not set" in output
    assert "empty" not in output
