"""A corpus of bad workspaces: each gets the exact error a user sees (file, line, field) from
`plan`, and not one request reaches any platform — not even a login."""

from __future__ import annotations

import json
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from tests.config.test_workspace_errors import GOOD_CAMPAIGN as SPRING
from tests.conftest import Platforms, cli, quickstart_providers

CRITEO = ("  c1:\n    provider: criteo\n    name: C1\n    goal: Retention\n"
          "    spendLimit: {{spendLimitType: capped, spendLimitRenewal: daily, spendLimitAmount: {amount}}}\n")

CORPUS = {
    "malformed YAML": ("campaigns:\n  spring: {name: [\n", "campaigns.yaml:2: error: invalid YAML"),
    "duplicate key in a mapping": ("campaigns:\n" + SPRING.replace("    name: Spring\n", "    name: A\n    name: B\n"),
                                   "campaigns.yaml:5: error: duplicate key 'name' (first written on line 4)"),
    "unknown field": ("campaigns:\n" + SPRING.replace("    name:", "    nam:"),
                      "campaigns.yaml:4: error: campaigns.spring.nam: unknown field 'nam' (did you mean 'name'?)"),
    "wrong type": ("campaigns:\n" + SPRING.replace("amount: 100,", "amount: lots,"),
                   "campaigns.yaml:5: error: campaigns.spring.budget.amount: Input should be a valid integer"),
    "bad enum": ("campaigns:\n" + SPRING.replace("type: daily", "type: yearly"),
                 "campaigns.yaml:5: error: campaigns.spring.budget.type: Input should be 'daily'"),
    "out of range": ("campaigns:\n" + SPRING.replace("amount: 100,", "amount: 2000000000,"),
                     "campaigns.yaml:5: error: campaigns.spring.budget.amount: Input should be less than 2000000000"),
    "end before start": ("campaigns:\n" + SPRING.replace("2030-03-31", "2030-01-31"),
                         "campaigns.yaml:7: error: campaigns.spring.endDate: endDate must be after startDate"),
    "unknown provider": ("campaigns:\n" + SPRING.replace("provider: topsort", "provider: tiktok"),
                         "campaigns.yaml:3: error: campaigns.spring.provider: no provider instance 'tiktok'"),
    "binary file": (b"\x89PNG\r\n\x1a\n\x00\x00", "campaigns.yaml: error: file is binary"),
    "money too large for the platform": (
        "campaigns:\n" + CRITEO.format(amount="1e309"),
        "campaigns.yaml:6: error: campaigns.c1.spendLimit.spendLimitAmount: 1E+309 is out of range: must be at "
        "least 0 and less than 1,000,000,000,000"),
    "money below the smallest unit": (
        "campaigns:\n" + CRITEO.format(amount="1e-400"),
        "campaigns.yaml:6: error: campaigns.c1.spendLimit.spendLimitAmount: 1E-400 has more than 2 decimal places"),
    "money of 310 digits": (
        "campaigns:\n" + CRITEO.format(amount="9" * 310),
        "campaigns.yaml:6: error: campaigns.c1.spendLimit.spendLimitAmount: 1.000000e+310 is out of range"),
    "money with fractions of a cent": (
        "campaigns:\n" + CRITEO.format(amount="10.005"),
        "campaigns.yaml:6: error: campaigns.c1.spendLimit.spendLimitAmount: 10.005 has more than 2 decimal places"),
    "bid above the platform's int range": (
        "campaigns:\n" + SPRING.replace("{amount: 5,", "{amount: 2000000000,"),
        "campaigns.yaml:8: error: campaigns.spring.bids.0.amount: Input should be less than 2000000000"),
    "key of dots only": (
        "campaigns:\n" + SPRING.replace("  spring:", '  "..":'),
        "campaigns.yaml:2: error: campaigns...: campaign key '..' must be 1-64 letters, digits, '.', '_' or '-', "
        "and not only dots"),
    "key of one dot": ("campaigns:\n" + SPRING.replace("  spring:", '  ".":'), "campaign key '.' must be"),
}


@pytest.mark.parametrize("case", sorted(CORPUS))
def test_bad_workspace_is_refused_before_any_request(case: str, tmp_path: Path, platforms: Platforms,
                                                     secret_env: dict[str, str]) -> None:
    content, expected = CORPUS[case]
    (tmp_path / "providers.yaml").write_text(quickstart_providers(platforms))
    target = tmp_path / "campaigns.yaml"
    target.write_bytes(content) if isinstance(content, bytes) else target.write_text(content)
    result = cli("plan", str(tmp_path), "--no-save")
    assert result.exit_code == 1
    assert expected in result.stderr, result.stderr
    assert "nothing was sent to any platform" in result.stderr
    assert platforms.requests("topsort") == [] and platforms.requests("criteo") == []


def test_duplicate_campaign_keys_across_files(tmp_path: Path, platforms: Platforms, secret_env: dict[str, str]) -> None:
    (tmp_path / "providers.yaml").write_text(quickstart_providers(platforms))
    (tmp_path / "a.yaml").write_text("campaigns:\n" + SPRING)
    (tmp_path / "b.yaml").write_text("campaigns:\n" + SPRING)
    result = cli("plan", str(tmp_path), "--no-save")
    assert result.exit_code == 1
    assert "b.yaml:2: error: campaigns.spring: campaign 'spring' is declared twice (also in" in result.stderr
    assert platforms.requests("topsort") == []


@pytest.mark.parametrize("edit, expected", [
    (lambda p: p.replace("${env:TOPSORT_API_KEY}", "tsk-pasted-in-yaml"),
     "providers.yaml:4: error: providers.topsort.api_key: 'api_key' holds a secret and must reference the environment"),
    (lambda p: p.replace("${env:CRITEO_CLIENT_SECRET}", "${env:NOT_EXPORTED}"),
     "providers.yaml:10: error: providers.criteo.client_secret: environment variable NOT_EXPORTED"),
    (lambda p: p.replace("http://127.0.0.1", "http://ads.example.com", 1),
     "providers.yaml:3: error: providers.topsort.base_url: plain http is only allowed to a loopback host"),
])
def test_bad_provider_settings(edit, expected: str, tmp_path: Path, platforms: Platforms,  # type: ignore[no-untyped-def]
                               secret_env: dict[str, str]) -> None:
    (tmp_path / "providers.yaml").write_text(edit(quickstart_providers(platforms)))
    (tmp_path / "campaigns.yaml").write_text("campaigns:\n" + SPRING)
    result = cli("plan", str(tmp_path), "--no-save")
    assert result.exit_code == 1 and expected in result.stderr, result.stderr
    assert "tsk-pasted-in-yaml" not in result.output
    assert platforms.requests("topsort") == [] and platforms.requests("criteo") == []


def _alias_bomb(levels: int) -> str:
    """A campaign whose free-form targetingFilters hold `levels` nested lists of nine aliases."""
    lines = ['      l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, levels + 1):
        lines.append(f"      l{level}: &l{level} [" + ",".join([f"*l{level - 1}"] * 9) + "]")
    return SPRING + "    targetingFilters:\n" + "\n".join(lines) + "\n"


def test_alias_bomb_is_refused_quickly_in_bounded_memory(tmp_path: Path, platforms: Platforms,
                                                         secret_env: dict[str, str]) -> None:
    """~450 bytes describing 9**9 nodes: unfixed, it exhausts memory. Run as a real process capped
    at 1 GB so that a regression fails this test instead of the machine."""
    (tmp_path / "providers.yaml").write_text(quickstart_providers(platforms))
    (tmp_path / "campaigns.yaml").write_text("campaigns:\n" + _alias_bomb(9))

    def cap_memory() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))

    result = subprocess.run([sys.executable, "-m", "provisioner", "plan", str(tmp_path), "--no-save"],
                            check=False, capture_output=True, text=True, timeout=60, preexec_fn=cap_memory)
    assert result.returncode == 1, result.stderr
    # the first alias of l4 (66,430 nodes) is on line 15, in l5
    assert "campaigns.yaml:15: error: an alias here expands to 66,430 nodes" in result.stderr, result.stderr
    assert "nothing was sent to any platform" in result.stderr
    assert platforms.requests("topsort") == [] and platforms.requests("criteo") == []


def test_ordinary_anchors_still_work(tmp_path: Path, platforms: Platforms, secret_env: dict[str, str]) -> None:
    """A shared budget block and an anchored filter used by a few campaigns are not bombs."""
    campaigns = "campaigns:\n" + SPRING.replace("{amount: 100, type: daily}", "&shared {amount: 100, type: daily}")
    campaigns += "    targetingFilters: &filters {brand: [acme, [x, y]]}\n"
    for key in ("summer", "autumn"):
        campaigns += (SPRING.replace("spring:", f"{key}:").replace("name: Spring", f"name: {key}")
                      .replace("{amount: 100, type: daily}", "*shared") + "    targetingFilters: *filters\n")
    (tmp_path / "providers.yaml").write_text(quickstart_providers(platforms))
    (tmp_path / "campaigns.yaml").write_text(campaigns)
    result = cli("plan", str(tmp_path), "--out", str(tmp_path / "plan.json"))
    assert result.exit_code == 0, result.stderr
    assert "3 to create" in result.stdout
    changes = json.loads((tmp_path / "plan.json").read_text())["changes"]
    assert [c["after"]["budget"] for c in changes] == [{"amount": 100, "type": "daily"}] * 3
    assert [c["after"]["targetingFilters"] for c in changes] == [{"brand": ["acme", ["x", "y"]]}] * 3
