"""Issue 9 item 3: a saved plan whose values were edited and whose checksum was recomputed is refused,
naming the campaign and the field, and nothing is sent; apply sends only what the configuration gives.
Through the CLI, on the Topsort and Criteo emulators over HTTP."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from provisioner.plans.planfile import _checksum, read_plan
from provisioner.plans.projection import differences
from tests.conftest import Platforms, cli, state_of

Plan = dict[str, Any]


def change(plan: Plan, key: str) -> dict[str, Any]:
    return next(c for c in plan["changes"] if c["key"] == key)


def topsort_budget(plan: Plan) -> None:
    change(plan, "spring-sale")["after"]["budget"]["amount"] = 99999


def topsort_name(plan: Plan) -> None:
    change(plan, "summer-shoes")["after"]["name"] = "Winter boots"


def criteo_amount(plan: Plan) -> None:
    change(plan, "retargeting-eu")["after"]["spendLimit"]["spendLimitAmount"] = "9999.99"


def topsort_bid(plan: Plan) -> None:
    change(plan, "spring-sale")["after"]["bids"][0]["amount"] = 900


def dropped_change(plan: Plan) -> None:  # a reviewer would not see this create; apply must not make it
    plan["changes"] = [c for c in plan["changes"] if c["key"] != "prospecting"]


def written(platforms: Platforms) -> list[Any]:
    return [r for name in ("topsort", "criteo") for r in platforms.requests(name)
            if r.method in ("POST", "PATCH", "PUT", "DELETE") and not r.path.endswith(("/token", "/search"))]


def tamper(path: Path, edit: Callable[[Plan], None]) -> None:
    data = json.loads(path.read_text())
    del data["checksum"]
    edit(data)
    data["checksum"] = _checksum(data)  # the checksum is no signature: anyone can recompute it
    path.write_text(json.dumps(data))


@pytest.mark.parametrize(("edit", "campaign", "field", "in_file"), [
    (topsort_budget, "spring-sale", "after.budget.amount", "99999"),
    (topsort_name, "summer-shoes", "after.name", '"Winter boots"'),
    (criteo_amount, "retargeting-eu", "after.spendLimit.spendLimitAmount", "9999.99"),
    (topsort_bid, "spring-sale", "after.bids", "900"),
    (dropped_change, "prospecting", "no change for it, the configuration gives action", "create"),
])
def test_an_edited_create_plan_is_refused_naming_campaign_and_field(
        workspace: Path, platforms: Platforms, tmp_path: Path, edit: Callable[[Plan], None], campaign: str | None,
        field: str, in_file: str) -> None:
    plan_file = tmp_path / "plan.json"
    assert cli("plan", str(workspace), "--out", str(plan_file)).exit_code == 0
    tamper(plan_file, edit)
    platforms.clear()
    applied = cli("apply", str(plan_file))
    assert applied.exit_code == 1, applied.output
    where = f"campaign {campaign}:" if campaign else "the plan:"
    line = next(line for line in applied.stderr.splitlines() if where in line)
    assert field in line and in_file in line and "the plan file was edited" in line, applied.stderr
    assert written(platforms) == []  # zero writes
    assert state_of(workspace) == {}


def test_a_prune_flag_switched_on_in_the_file_is_refused(workspace: Path, platforms: Platforms,
                                                         tmp_path: Path) -> None:
    """Planned without --prune, the campaign removed from config is only a warning; a plan file edited
    to say prune would retire it, which nobody reviewed."""
    assert cli("apply", str(workspace), "--auto-approve").exit_code == 0
    campaigns = workspace / "campaigns.yaml"
    text = campaigns.read_text()
    campaigns.write_text(text[:text.index("  summer-shoes:")] + text[text.index("  retargeting-eu:"):])
    plan_file = tmp_path / "plan.json"
    assert cli("plan", str(workspace), "--out", str(plan_file)).exit_code == 0
    tamper(plan_file, lambda plan: plan.update(prune=True))
    platforms.clear()
    refused = cli("apply", str(plan_file))
    assert refused.exit_code == 1
    expected = 'campaign summer-shoes: the plan file has no change for it, the configuration gives action "retire"'
    assert expected in refused.stderr, refused.stderr
    assert written(platforms) == [] and "summer-shoes" in state_of(workspace)


def test_an_edited_update_is_refused_and_the_fresh_plan_is_what_gets_sent(
        workspace: Path, platforms: Platforms, tmp_path: Path) -> None:
    assert cli("apply", str(workspace), "--auto-approve").exit_code == 0
    campaigns = workspace / "campaigns.yaml"
    campaigns.write_text(campaigns.read_text().replace("spendLimitAmount: 123.45", "spendLimitAmount: 150.00"))
    plan_file = tmp_path / "update.json"
    assert cli("plan", str(workspace), "--out", str(plan_file)).exit_code == 0

    def diff_after(plan: Plan) -> None:
        edited = change(plan, "retargeting-eu")
        edited["diffs"][0]["after"] = "15000.00"
        edited["after"]["spendLimit"]["spendLimitAmount"] = "15000.00"
    tamper(plan_file, diff_after)
    platforms.clear()
    refused = cli("apply", str(plan_file))
    assert refused.exit_code == 1
    assert "campaign retargeting-eu:" in refused.stderr and "diffs[spendLimit.spendLimitAmount].after" in refused.stderr
    assert written(platforms) == []

    assert cli("plan", str(workspace), "--out", str(plan_file)).exit_code == 0  # untouched: applied as planned
    applied = cli("apply", str(plan_file))
    assert applied.exit_code == 0, applied.output
    (patch,) = [r for r in written(platforms) if r.method == "PATCH"]
    assert patch.body["data"][0]["attributes"]["spendLimit"]["spendLimitAmount"] == {"value": 150}


def test_the_projection_ignores_what_is_written_for_people(workspace: Path, tmp_path: Path) -> None:
    plan_file = tmp_path / "plan.json"
    assert cli("plan", str(workspace), "--out", str(plan_file)).exit_code == 0
    saved = read_plan(plan_file)
    fresh = read_plan(plan_file)
    fresh.created_at, fresh.warnings = "2031-01-01T00:00:00Z", ["a note"]
    fresh.changes[0].reason, fresh.changes[0].warnings = "another wording", ["w"]
    assert differences(saved, fresh) == []
    fresh.changes[0].record_state = not fresh.changes[0].record_state
    assert [(k, f) for k, f, _, _ in differences(saved, fresh)] == [(fresh.changes[0].key, "record_state")]


def test_edited_targets_are_refused_naming_the_campaigns_they_would_add(
        workspace: Path, platforms: Platforms, tmp_path: Path) -> None:
    """A targeted plan's file edited to target everything: apply re-plans with the file's targets, so
    the campaigns nobody reviewed have no change in the file, and apply refuses naming them."""
    plan_file = tmp_path / "targeted.json"
    assert cli("plan", str(workspace), "--out", str(plan_file), "--target", "spring-sale").exit_code == 0
    tamper(plan_file, lambda plan: plan.update(targets=[]))
    platforms.clear()
    refused = cli("apply", str(plan_file))
    assert refused.exit_code == 1, refused.output
    for key in ("summer-shoes", "retargeting-eu", "prospecting"):
        assert f'campaign {key}: the plan file has no change for it, the configuration gives action "create"' \
            in refused.stderr, refused.stderr
    assert written(platforms) == [] and state_of(workspace) == {}
