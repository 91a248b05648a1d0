"""Budget guardrails: each rule's outcome (allow / warn / block, with the numbers), exit 3 for a
blocked plan, apply refusing it with zero writes (from the file, from an edited file, and from a
workspace with --auto-approve), and the override that must be given twice."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from provisioner.plans.money import CampaignSpend, Outcome, SpendLine
from provisioner.plans.planfile import _checksum
from provisioner.policy import Policy, evaluate
from provisioner.providers.base import Commitment
from provisioner.views.money import _notes
from tests.conftest import Platforms, cli

D = Decimal


def _row(key: str, before: str | None, after: str | None, period: str = "daily", capped: bool = True,
         currency: str = "EUR") -> CampaignSpend:
    was = Commitment(period, D(before)) if before is not None else None
    will = Commitment(period, D(after) if after is not None else None, capped=capped)
    return CampaignSpend(key, "topsort", currency, period, "update", was, will)


def _verdicts(policy: dict, rows: list[CampaignSpend] = (), lines: list[SpendLine] = (),  # type: ignore[assignment]
              currencies: dict | None = None, override: bool = False) -> list[tuple[str, str, str, bool]]:
    outcomes = evaluate(Policy.model_validate(policy), list(lines), list(rows), currencies or {}, override)
    return [(o.rule, o.outcome.value, o.subject, o.overridden) for o in outcomes]


def test_max_campaign_budget_allow_block_and_unknown_warns() -> None:
    rows = [_row("a", "100.00", "450.00"), _row("b", "100.00", "900.00"),
            _row("c", None, None, period="flight")]
    policy = {"max_campaign_budget": {"EUR": {"daily": 500, "flight": 1000}}}
    assert _verdicts(policy, rows) == [
        ("max_campaign_budget", "block", "topsort.b daily", False),
        ("max_campaign_budget", "warn", "topsort.c flight", False),
        ("max_campaign_budget", "allow", "all", False)]
    block = evaluate(Policy.model_validate(policy), [], rows, {})[0]
    assert block.detail == "daily budget 900.00 EUR > limit 500 EUR"


def test_max_increase_per_run_per_instance_currency_and_period() -> None:
    small = SpendLine("topsort", "EUR", "daily", D("500.00"), D("650.00"))
    large = SpendLine("topsort", "EUR", "weekly", D("100.00"), D("2100.00"))
    outcomes = evaluate(Policy(max_increase_per_run={"EUR": D(1000)}), [small, large], [], {})
    assert [(o.subject, o.outcome.value) for o in outcomes] == [("topsort EUR weekly", "block"), ("all", "allow")]
    assert outcomes[0].detail == "increase 2000.00 EUR (100.00 -> 2100.00) > limit 1000 EUR"
    assert "150.00 EUR <= 1000 EUR" in outcomes[1].detail


def test_max_increase_percent_and_warn_only() -> None:
    rows = [_row("a", "100.00", "140.00"), _row("b", "100.00", "180.00"), _row("new", None, "5000.00")]
    assert _verdicts({"max_increase_percent": 50}, rows) == [
        ("max_increase_percent", "block", "topsort.b daily", False),
        ("max_increase_percent", "allow", "all", False)]  # a new budget has no percentage
    assert _verdicts({"max_increase_percent": 50, "warn_only": ["max_increase_percent"]}, rows)[0][1] == "warn"


def test_capped_to_uncapped_blocked_unless_allowed() -> None:
    rows = [_row("a", "100.00", None, capped=False)]
    assert _verdicts({"allow_uncapped": False}, rows) == [("allow_uncapped", "block", "topsort.a", False)]
    assert _verdicts({"allow_uncapped": True}, rows) == [("allow_uncapped", "allow", "all", False)]
    # without an explicit allowance, an unbounded budget breaks every limit
    assert _verdicts({"max_increase_percent": 500}, rows)[0][:2] == ("max_increase_percent", "block")


def test_a_new_uncapped_campaign_starts_uncapped_it_was_never_capped() -> None:
    rows = [_row("a", "100.00", None, capped=False), _row("new", None, None, capped=False)]
    details = {o.subject: o.detail for o in evaluate(Policy(allow_uncapped=False), [], rows, {})}
    assert details["topsort.a"] == "capped (100.00 EUR daily) -> uncapped: unbounded spend is not allowed"
    assert details["topsort.new"] == "starts uncapped: unbounded spend is not allowed"
    line = SpendLine("topsort", "EUR", "daily", D("100.00"), D("0"), unbounded=True, starts=["new"],
                     newly_unbounded=["a", "new"])
    assert _notes(line) == ["capped -> uncapped: a", "starts uncapped: new", "starts spending: new"]


def test_allowed_currencies_is_not_overridden_by_the_flag() -> None:
    verdicts = _verdicts({"allowed_currencies": ["EUR"]}, currencies={"topsort": "USD", "criteo": "EUR"},
                         override=True)
    assert verdicts == [("allowed_currencies", "block", "topsort", False),
                        ("allowed_currencies", "allow", "all", False)]


def test_the_flag_overrides_spend_blocks_and_says_so() -> None:
    rows = [_row("b", "100.00", "900.00")]
    assert _verdicts({"max_campaign_budget": {"EUR": 500}}, rows, override=True)[0] == \
        ("max_campaign_budget", "block", "topsort.b daily", True)


def test_no_policy_no_outcomes() -> None:
    assert evaluate(None, [], [_row("b", "1", "2")], {"topsort": "EUR"}) == []
    assert Outcome.BLOCK.value == "block"


# -- through the CLI, against the emulators over HTTP -----------------------------------------------
POLICY = """\
policy:
  max_campaign_budget: {EUR: {daily: 600}}
  allowed_currencies: [EUR]
"""


@pytest.fixture
def applied(workspace: Path, platforms: Platforms) -> Path:
    (workspace / "policy.yaml").write_text(POLICY)
    result = cli("apply", str(workspace), "--auto-approve")
    assert result.exit_code == 0, result.output
    campaigns = workspace / "campaigns.yaml"
    campaigns.write_text(campaigns.read_text().replace("amount: 50000", "amount: 90000"))  # 500.00 -> 900.00
    platforms.clear()
    return workspace


def _writes(platforms: Platforms) -> list[object]:
    """Requests that change something: not reads (GET, Criteo's POST search) nor token logins."""
    return [r for name in ("topsort", "criteo") for r in platforms.requests(name) if r.method != "GET"
            and not r.path.endswith(("/oauth2/token", "/campaigns/search"))]


def test_blocked_plan_exits_3_and_apply_refuses_it_with_zero_writes(
        applied: Path, platforms: Platforms, tmp_path: Path) -> None:
    plan_file = tmp_path / "blocked.json"
    for extra in ((), ("--detailed-exitcode",)):
        result = cli("plan", str(applied), "--out", str(plan_file), *extra)
        assert result.exit_code == 3, result.output
    assert result.stdout.startswith("Spend (committed budgets")
    assert "topsort EUR daily: 500.00 -> 900.00 (+400.00)" in result.stdout
    assert ("BLOCK max_campaign_budget: topsort.spring-sale daily: daily budget 900.00 EUR > limit 600 EUR"
            in result.stdout)
    assert "Blocked by policy (max_campaign_budget)" in result.stderr and "--allow-spend-increase" in result.stderr
    saved = json.loads(plan_file.read_text())
    assert [o["outcome"] for o in saved["policy"] if o["rule"] == "max_campaign_budget"] == ["block"]

    refused = cli("apply", str(plan_file))
    assert refused.exit_code == 3, refused.output
    assert "policy blocks this plan" in refused.stderr
    assert _writes(platforms) == []

    auto = cli("apply", str(applied), "--auto-approve")
    assert auto.exit_code == 3, auto.output
    assert _writes(platforms) == []


def test_an_edited_plan_file_cannot_bypass_the_policy(applied: Path, platforms: Platforms, tmp_path: Path) -> None:
    plan_file = tmp_path / "blocked.json"
    assert cli("plan", str(applied), "--out", str(plan_file)).exit_code == 3
    document = json.loads(plan_file.read_text())
    document.pop("checksum")
    document["policy"] = [dict(o, outcome="allow") for o in document["policy"]]  # "approved" by hand
    plan_file.write_text(json.dumps({**document, "checksum": _checksum(document)}))
    refused = cli("apply", str(plan_file))
    assert refused.exit_code == 3, refused.output
    assert "blocks the plan as it stands now" in refused.stderr
    assert _writes(platforms) == []


def test_the_override_is_explicit_twice(applied: Path, platforms: Platforms, tmp_path: Path) -> None:
    plan_file = tmp_path / "override.json"
    planned = cli("plan", str(applied), "--out", str(plan_file), "--allow-spend-increase", "--detailed-exitcode")
    assert planned.exit_code == 2, planned.output
    assert "made with --allow-spend-increase" in planned.stdout
    assert "BLOCK (overridden) max_campaign_budget: topsort.spring-sale daily" in planned.stdout
    assert f"provisioner apply {plan_file} --allow-spend-increase" in planned.stderr

    without = cli("apply", str(plan_file))
    assert without.exit_code == 3, without.output
    assert "apply it with --allow-spend-increase too" in without.stderr
    assert _writes(platforms) == []

    applied_now = cli("apply", str(plan_file), "--allow-spend-increase")
    assert applied_now.exit_code == 0, applied_now.output
    patches = platforms.requests("topsort", "PATCH")
    assert [p.body["budget"]["amount"] for p in patches] == [90000]
    assert cli("plan", str(applied), "--no-save", "--detailed-exitcode").exit_code == 0


def test_a_currency_the_policy_does_not_allow_blocks_even_with_the_flag(
        workspace: Path, platforms: Platforms) -> None:
    (workspace / "policy.yaml").write_text("policy:\n  allowed_currencies: [SEK]\n")
    result = cli("plan", str(workspace), "--no-save", "--allow-spend-increase")
    assert result.exit_code == 3, result.output
    assert "BLOCK allowed_currencies: topsort: declares EUR, which the policy does not allow (allowed: SEK)" \
        in result.stdout
    assert "no flag overrides this rule" in result.stderr


def test_a_bad_policy_is_a_validate_error_with_file_and_line(workspace: Path) -> None:
    (workspace / "policy.yaml").write_text("policy:\n  max_campaign_budget: {EUR: {dayly: 5}}\n"
                                           "  allowed_currencies: [EURO]\n")
    result = cli("validate", str(workspace))
    assert result.exit_code == 1
    assert "policy.yaml:2: error: policy.max_campaign_budget.EUR" in result.stderr
    assert "policy.yaml:3: error: policy.allowed_currencies.0" in result.stderr
