"""Bad input gets an error naming file, line and field, and nothing is sent anywhere."""

from __future__ import annotations

from pathlib import Path

import pytest

from provisioner.config.workspace import load_workspace
from provisioner.errors import ConfigError
from tests.conftest import SANDBOX_PROVIDERS, TOPSORT_SPRING, cli

PROVIDERS = SANDBOX_PROVIDERS

GOOD_CAMPAIGN = TOPSORT_SPRING


def _errors(tmp_path: Path, campaigns: str, providers: str = PROVIDERS) -> list[str]:
    (tmp_path / "providers.yaml").write_text(providers)
    (tmp_path / "campaigns.yaml").write_text(campaigns)
    with pytest.raises(ConfigError) as raised:
        load_workspace([tmp_path], environ={})
    return [str(d) for d in raised.value.diagnostics]


@pytest.mark.parametrize("campaigns, expected", [
    ("campaigns:\n" + GOOD_CAMPAIGN.replace("    name: Spring\n", "    nmae: Spring\n"),
     "campaigns.yaml:4: error: campaigns.spring.nmae: unknown field 'nmae' (did you mean 'name'?)"),
    ("campaigns:\n" + GOOD_CAMPAIGN.replace("amount: 100", "amount: 10.5"),
     "campaigns.yaml:5: error: campaigns.spring.budget.amount: Input should be a valid integer"),
    ("campaigns:\n" + GOOD_CAMPAIGN.replace("type: daily", "type: hourly"),
     "campaigns.yaml:5: error: campaigns.spring.budget.type: Input should be 'daily', 'weekly', 'monthly' or 'total'"),
    ("campaigns:\n" + GOOD_CAMPAIGN.replace("2030-03-31", "2030-02-01"),
     "campaigns.yaml:7: error: campaigns.spring.endDate: endDate must be after startDate"),
    ("campaigns:\n" + GOOD_CAMPAIGN + GOOD_CAMPAIGN,
     "campaigns.yaml:9: error: duplicate key 'spring' (first written on line 2)"),
    ("campaigns:\n" + GOOD_CAMPAIGN.replace("provider: topsort", "provider: topsrot"),
     "campaigns.yaml:3: error: campaigns.spring.provider: no provider instance 'topsrot' (did you mean 'topsort'?)"),
    ("campaigns:\n  spring: [\n", "campaigns.yaml:2: error: invalid YAML"),
    ("campaigns:\n  bad key!:\n    provider: topsort\n",
     "campaigns.yaml:2: error: campaigns.bad key!: campaign key 'bad key!' must be 1-64 letters"),
    ("campaigns:\n  c1:\n    provider: criteo\n    name: X\n    goal: Retention\n"
     "    spendLimit: {spendLimitType: uncapped, spendLimitAmount: 5}\n",
     "campaigns.yaml:6: error: campaigns.c1.spendLimit: spendLimitAmount is only allowed when"),
    ("campaigns:\n" + GOOD_CAMPAIGN + "    targetRoas: 25\n",
     "campaigns.yaml:9: error: campaigns.spring.targetRoas: Input should be less than or equal to 20"),
])
def test_campaign_errors_name_file_line_and_field(tmp_path: Path, campaigns: str, expected: str) -> None:
    errors = _errors(tmp_path, campaigns)
    assert any(expected in e for e in errors), errors
    assert all(str(tmp_path) in e for e in errors)


def test_every_problem_is_reported_not_just_the_first(tmp_path: Path) -> None:
    bad = GOOD_CAMPAIGN.replace("type: daily", "type: hourly").replace("name: Spring", "nmae: Spring")
    errors = _errors(tmp_path, "campaigns:\n" + bad)
    assert len(errors) == 3, errors  # the typo, the bad enum, and the name now missing
    assert any("campaigns.spring.name: required field is missing" in e for e in errors)


@pytest.mark.parametrize("providers, expected", [
    (PROVIDERS.replace("base_url: sandbox\n    vendor_id", "base_url: https://api.topsort.com\n"
                       "    api_key: tsk-literal-value\n    vendor_id"),
     "providers.yaml:4: error: providers.topsort.api_key: 'api_key' holds a secret and must reference the environment"),
    (PROVIDERS.replace("base_url: sandbox\n    vendor_id", "base_url: https://api.topsort.com\n"
                       "    api_key: ${env:NOT_SET_ANYWHERE}\n    vendor_id"),
     "providers.yaml:4: error: providers.topsort.api_key: environment variable NOT_SET_ANYWHERE"),
    (PROVIDERS.replace("base_url: sandbox\n    vendor_id", "base_url: http://ads.example.com\n    vendor_id"),
     "providers.yaml:3: error: providers.topsort.base_url: plain http is only allowed to a loopback host"),
    (PROVIDERS + "  fb:\n    base_url: sandbox\n",
     "providers.yaml:10: error: providers.fb: unknown provider type 'fb'"),
])
def test_provider_errors(tmp_path: Path, providers: str, expected: str) -> None:
    errors = _errors(tmp_path, "campaigns:\n" + GOOD_CAMPAIGN, providers)
    assert any(expected in e for e in errors), errors


def test_secret_value_never_echoed_in_errors(tmp_path: Path) -> None:
    providers = PROVIDERS.replace("base_url: sandbox\n    vendor_id", "base_url: https://api.topsort.com\n"
                                  "    api_key: tsk-literal-value\n    vendor_id")
    assert not any("tsk-literal-value" in e for e in _errors(tmp_path, "campaigns:\n" + GOOD_CAMPAIGN, providers))


def test_binary_and_oversize_files(tmp_path: Path) -> None:
    (tmp_path / "providers.yaml").write_text(PROVIDERS)
    (tmp_path / "blob.yaml").write_bytes(b"campaigns:\x00\x01")
    (tmp_path / "huge.yml").write_bytes(b"#" * 8_000_001)
    with pytest.raises(ConfigError) as raised:
        load_workspace([tmp_path], environ={})
    text = str(raised.value)
    assert "blob.yaml: error: file is binary" in text and "huge.yml: error: file is 8000001 bytes" in text


def test_duplicate_campaign_across_files(tmp_path: Path) -> None:
    (tmp_path / "more.yaml").write_text("campaigns:\n" + GOOD_CAMPAIGN)
    errors = _errors(tmp_path, "campaigns:\n" + GOOD_CAMPAIGN)
    assert any("campaigns.yaml:2: error: campaigns.spring: campaign 'spring' is declared twice" in e
               or "more.yaml:2: error: campaigns.spring: campaign 'spring' is declared twice" in e for e in errors)


def test_criteo_names_unique_per_advertiser(tmp_path: Path) -> None:
    campaign = ("  {key}:\n    provider: criteo\n    name: Same\n    goal: Retention\n"
                "    spendLimit: {{spendLimitType: uncapped}}\n")
    errors = _errors(tmp_path, "campaigns:\n" + campaign.format(key="a") + campaign.format(key="b"))
    assert any("campaigns.b.name: name 'Same' is also used by campaign 'a'" in e for e in errors), errors


def test_yaml_is_loaded_safely(tmp_path: Path) -> None:
    errors = _errors(tmp_path, "campaigns: !!python/object/apply:os.system ['echo pwned']\n")
    assert any("could not determine a constructor" in e or "invalid YAML" in e for e in errors), errors


def test_validate_command_exit_codes(tmp_path: Path) -> None:
    (tmp_path / "providers.yaml").write_text(PROVIDERS)
    (tmp_path / "campaigns.yaml").write_text("campaigns:\n" + GOOD_CAMPAIGN)
    ok = cli("validate", str(tmp_path))
    assert ok.exit_code == 0 and "Valid: 1 campaign(s)" in ok.stdout
    (tmp_path / "campaigns.yaml").write_text("campaigns:\n" + GOOD_CAMPAIGN.replace("name:", "nmae:"))
    bad = cli("validate", str(tmp_path))
    assert bad.exit_code == 1 and "nothing was sent to any platform" in bad.stderr


def test_invalid_workspace_sends_nothing(tmp_path: Path, platforms, secret_env) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import quickstart_providers

    (tmp_path / "providers.yaml").write_text(quickstart_providers(platforms))
    (tmp_path / "campaigns.yaml").write_text("campaigns:\n" + GOOD_CAMPAIGN.replace("amount: 100", "amount: -1"))
    for command in (["plan", str(tmp_path), "--no-save"], ["apply", str(tmp_path), "--auto-approve"],
                    ["drift", str(tmp_path)]):
        assert cli(*command).exit_code == 1
    assert platforms.requests("topsort") == [] and platforms.requests("criteo") == []


def test_validate_without_secrets_for_ci_jobs_that_have_none(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TOPSORT_API_KEY", raising=False)
    providers = PROVIDERS.replace("base_url: sandbox\n    vendor_id", "base_url: https://api.topsort.com\n"
                                  "    api_key: ${env:TOPSORT_API_KEY}\n    vendor_id")
    (tmp_path / "providers.yaml").write_text(providers)
    (tmp_path / "campaigns.yaml").write_text("campaigns:\n" + GOOD_CAMPAIGN)
    strict = cli("validate", str(tmp_path))
    assert strict.exit_code == 1 and "environment variable TOPSORT_API_KEY" in strict.stderr
    assert "required field is missing" not in strict.stderr  # one error per problem
    assert cli("validate", str(tmp_path), "--skip-secrets").exit_code == 0
    literal = providers.replace("${env:TOPSORT_API_KEY}", "tsk-literal")
    (tmp_path / "providers.yaml").write_text(literal)
    assert cli("validate", str(tmp_path), "--skip-secrets").exit_code == 1  # literals are never fine


def test_campaigns_are_checked_even_when_their_provider_settings_are_bad(tmp_path: Path) -> None:
    providers = PROVIDERS.replace("    vendor_id: v1\n", "    vendr_id: v1\n")
    errors = _errors(tmp_path, "campaigns:\n" + GOOD_CAMPAIGN.replace("type: daily", "type: hourly"), providers)
    assert any("providers.topsort.vendr_id: unknown field" in e for e in errors), errors
    assert any("campaigns.spring.budget.type" in e for e in errors), errors


def test_yaml_error_at_end_of_file_names_a_real_line(tmp_path: Path) -> None:
    errors = _errors(tmp_path, "campaigns:\n  spring: [\n    a,\n")
    assert errors and all(":3: error: invalid YAML" in e or ":2: error" in e for e in errors), errors
