"""Paused-first launches: a Topsort campaign is created inactive, the next plan shows only its
activation (with the spend it starts, counted by the guardrails), and applying that switches it
on; `launch: paused` is refused by validate on the platforms that cannot, with their reason."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import httpx

from provisioner.providers.registry import providers
from tests.conftest import REPO, Platforms, cli, state_of


def _live_topsort(platforms: Platforms, campaign_id: str) -> dict[str, object]:
    with httpx.Client(base_url=platforms.url("topsort"), headers={"Authorization": "Bearer ui"}) as client:
        response = client.get("/public/v1/campaign-service/campaigns", params={"vendor_id": "acme-shoes"})
        response.raise_for_status()
    return next(c for c in response.json()["campaigns"] if c["campaignId"] == campaign_id)


def _paused(workspace: Path) -> None:
    campaigns = workspace / "campaigns.yaml"
    campaigns.write_text(campaigns.read_text().replace("    provider: topsort\n    name: Spring sale\n",
                                                       "    provider: topsort\n    launch: paused\n"
                                                       "    name: Spring sale\n"))


def _changes(plan_file: Path) -> list[tuple[str, str]]:
    return [(c["key"], c["action"]) for c in json.loads(plan_file.read_text())["changes"] if c["action"] != "no-op"]


def test_paused_first_on_topsort_end_to_end(workspace: Path, platforms: Platforms, tmp_path: Path) -> None:
    _paused(workspace)
    first = tmp_path / "create.json"
    planned = cli("plan", str(workspace), "--out", str(first))
    assert planned.exit_code == 0, planned.output
    assert "+ isActive = false" in planned.stdout.split("+ topsort.spring-sale: create")[1].split("\n+ ")[0]
    # created paused, it commits nothing yet: only summer-shoes (weekly) starts spending on Topsort
    assert "  topsort EUR daily: 0.00 -> 0.00 (±0.00)\n" in planned.stdout.split("\n\n")[0]
    assert cli("apply", str(first)).exit_code == 0

    creates = [r.body for r in platforms.requests("topsort", "POST") if r.body.get("externalCampaignId")]
    assert {c["externalCampaignId"]: c["isActive"] for c in creates if "isActive" in c} == {"spring-sale": False}
    spring_id = state_of(workspace)["spring-sale"]["id"]
    assert _live_topsort(platforms, spring_id)["isActive"] is False

    second = tmp_path / "activate.json"
    activation = cli("plan", str(workspace), "--out", str(second), "--detailed-exitcode")
    assert activation.exit_code == 2, activation.output
    assert _changes(second) == [("spring-sale", "activate")]
    assert f"> topsort.spring-sale (id {spring_id}): activate" in activation.stdout
    assert "~ isActive: false -> true" in activation.stdout
    assert "topsort EUR daily: 0.00 -> 500.00 (+500.00); starts spending: spring-sale" in activation.stdout
    assert "1 to activate" in activation.stdout

    platforms.clear()
    applied = cli("apply", str(second))
    assert applied.exit_code == 0, applied.output
    assert [r.body for r in platforms.requests("topsort", "PATCH")] == [{"isActive": True}]
    assert _live_topsort(platforms, spring_id)["isActive"] is True
    assert cli("plan", str(workspace), "--no-save", "--detailed-exitcode").exit_code == 0


def test_the_activation_is_counted_by_the_guardrails(workspace: Path, platforms: Platforms, tmp_path: Path) -> None:
    """Paused-first cannot slip past a budget cap: the create commits nothing, the activation all."""
    _paused(workspace)
    campaigns = workspace / "campaigns.yaml"
    campaigns.write_text(campaigns.read_text().replace("  summer-shoes:", "  summer-shoes:\n    launch: paused"))
    (workspace / "policy.yaml").write_text("policy:\n  max_increase_per_run: {EUR: 100}\n"
                                           "  allow_uncapped: true\n")  # quickstart's prospecting is uncapped
    (workspace / "campaigns.yaml").write_text(campaigns.read_text().replace("spendLimitAmount: 123.45",
                                                                            "spendLimitAmount: 99"))
    created = cli("apply", str(workspace), "--auto-approve")
    assert created.exit_code == 0, created.output  # nothing spends yet but 99.00 on Criteo
    platforms.clear()
    blocked = cli("plan", str(workspace), "--no-save")
    assert blocked.exit_code == 3, blocked.output
    assert "BLOCK max_increase_per_run: topsort EUR daily: increase 500.00 EUR (0.00 -> 500.00) > limit 100 EUR" \
        in blocked.stdout
    assert cli("apply", str(workspace), "--auto-approve").exit_code == 3
    assert platforms.requests("topsort", "PATCH") == []


NOT_PAUSABLE = {"criteo": "retargeting-eu", "sessionm": "spring-points", "targeter": "CLIENT-PROP-123456",
                "skala": "oslo-flat-open-house"}


def _mixed(tmp_path: Path) -> Path:
    root = tmp_path / "mixed"
    shutil.copytree(REPO / "examples" / "mixed", root, ignore=shutil.ignore_patterns(".provisioner"))
    return root


def test_validate_refuses_launch_paused_where_the_platform_cannot(tmp_path: Path) -> None:
    root = _mixed(tmp_path)
    for path in root.glob("*.yaml"):
        text = path.read_text()
        for key in NOT_PAUSABLE.values():
            text = text.replace(f"  {key}:\n", f"  {key}:\n    launch: paused\n")
        path.write_text(text)
    result = cli("validate", str(root))
    assert result.exit_code == 1
    for platform, key in NOT_PAUSABLE.items():
        reason = providers()[platform].capabilities.why_not("launch_paused")
        assert reason
        assert (f"error: campaigns.{key}.launch: {platform} cannot launch a campaign paused: {reason}; "
                "set `launch: active`") in result.stderr, result.stderr
    assert "4 problem(s)" in result.stderr


def test_a_workspace_default_names_itself_and_campaigns_may_opt_out(tmp_path: Path) -> None:
    root = _mixed(tmp_path)
    (root / "launch.yaml").write_text("launch: paused\n")
    result = cli("validate", str(root))
    assert result.exit_code == 1
    assert "criteo cannot launch a campaign paused (the workspace's `launch: paused`" in result.stderr
    assert "topsort" not in result.stderr  # Topsort can: its campaigns launch paused
    for path in root.glob("*.yaml"):
        text = path.read_text()
        for key in NOT_PAUSABLE.values():
            text = text.replace(f"  {key}:\n", f"  {key}:\n    launch: active\n")
        path.write_text(text)
    assert cli("validate", str(root)).exit_code == 0
