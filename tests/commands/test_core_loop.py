"""The core loop through the CLI against the Topsort and Criteo emulators over real HTTP:
plan → apply → empty plan → out-of-band edit → drift → YAML edit → one-field PATCH."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import httpx
import pytest

from tests.conftest import Platforms, all_text_under, assert_no_secrets, cli, state_of


def _plan(root: Path, out: Path, *extra: str):  # type: ignore[no-untyped-def]
    return cli("plan", str(root), "--out", str(out), "--detailed-exitcode", *extra)


def test_create_then_empty_plan(workspace: Path, platforms: Platforms, tmp_path: Path) -> None:
    plan_file = tmp_path / "spring.json"
    first = _plan(workspace, plan_file)
    assert first.exit_code == 2, first.output
    assert "+ topsort.spring-sale: create" in first.stdout
    assert "Plan: 4 to create" in first.stdout
    assert platforms.requests("topsort", "POST") == [] and platforms.requests("criteo", "PATCH") == []

    applied = cli("apply", str(plan_file))
    assert applied.exit_code == 0, applied.output
    assert "Apply complete: 4 succeeded, 0 failed." in applied.stdout
    creates = platforms.requests("topsort", "POST")
    assert len(creates) == 2
    assert creates[0].query["vendor_id"] == ["acme-shoes"]
    assert {c.body["externalCampaignId"] for c in creates} == {"spring-sale", "summer-shoes"}
    criteo_create = [r for r in platforms.requests("criteo", "POST") if r.path.endswith("/campaigns")]
    assert criteo_create[0].path == "/2026-07/marketing-solutions/campaigns"
    assert criteo_create[0].body["data"]["attributes"]["advertiserId"] == "12345"

    again = _plan(workspace, tmp_path / "again.json")
    assert again.exit_code == 0, again.output
    assert "No changes" in again.stdout
    state = state_of(workspace)
    assert set(state) == {"spring-sale", "summer-shoes", "retargeting-eu", "prospecting"}
    assert all(r["status"] == "managed" and r["id"] for r in state.values())
    outputs = [first.output, applied.output, again.output, all_text_under(workspace), plan_file.read_text()]
    assert_no_secrets(*outputs)
    issued = {r.headers["authorization"].removeprefix("Bearer ") for r in platforms.requests("criteo")
              if r.headers.get("authorization", "").startswith("Bearer ")}
    assert issued and not [t for t in issued if any(t in text for text in outputs)]  # platform tokens too


def _topsort_patch(platforms: Platforms, campaign_id: str, body: dict) -> None:
    with httpx.Client(base_url=platforms.url("topsort"), headers={"Authorization": "Bearer ui"}) as client:
        response = client.patch(f"/public/v1/campaign-service/campaigns/{campaign_id}", json=body)
        assert response.status_code == 200, response.text


def test_out_of_band_edit_is_drift_and_yaml_edit_is_one_field_patch(
        workspace: Path, platforms: Platforms, tmp_path: Path) -> None:
    assert cli("apply", str(workspace), "--auto-approve").exit_code == 0
    spring_id = state_of(workspace)["spring-sale"]["id"]

    _topsort_patch(platforms, spring_id, {"budget": {"amount": 65000, "type": "daily"}})
    drift = cli("drift", str(workspace))
    assert drift.exit_code == 2, drift.output
    assert "topsort.spring-sale" in drift.stdout and "budget.amount: 50000 (last applied) -> 65000" in drift.stdout
    markdown = cli("drift", str(workspace), "--format", "markdown")
    assert "<code>topsort.spring-sale</code>" in markdown.stdout and "<code>budget.amount</code>" in markdown.stdout

    # Bring the YAML in line with the hand edit, and change one more field.
    campaigns = workspace / "campaigns.yaml"
    text = campaigns.read_text().replace("amount: 50000", "amount: 65000")
    campaigns.write_text(text.replace("name: Summer shoes", "name: Summer shoes 2027"))
    plan_file = tmp_path / "edit.json"
    planned = _plan(workspace, plan_file)
    assert planned.exit_code == 2, planned.output
    plan = json.loads(plan_file.read_text())
    changed = [(c["key"], c["action"], [d["path"] for d in c["diffs"]]) for c in plan["changes"]
               if c["action"] != "no-op"]
    assert changed == [("summer-shoes", "update", ["name"])]
    assert next(c for c in plan["changes"] if c["key"] == "spring-sale")["record_state"] is True

    platforms.clear()
    assert cli("apply", str(plan_file)).exit_code == 0
    patches = platforms.requests("topsort", "PATCH")
    assert [p.body for p in patches] == [{"name": "Summer shoes 2027"}]
    assert cli("drift", str(workspace)).exit_code == 0  # state learned the hand edit we adopted
    assert _plan(workspace, tmp_path / "final.json").exit_code == 0


def test_stale_plan_is_refused_with_what_changed(workspace: Path, platforms: Platforms, tmp_path: Path) -> None:
    assert cli("apply", str(workspace), "--auto-approve").exit_code == 0
    campaigns = workspace / "campaigns.yaml"
    campaigns.write_text(campaigns.read_text().replace("amount: 50000", "amount: 70000"))
    plan_file = tmp_path / "stale.json"
    assert _plan(workspace, plan_file).exit_code == 2
    spring_id = state_of(workspace)["spring-sale"]["id"]
    _topsort_patch(platforms, spring_id, {"budget": {"amount": 55000, "type": "daily"}})

    platforms.clear()
    refused = cli("apply", str(plan_file))
    assert refused.exit_code == 1
    assert "the plan is stale" in refused.stderr
    assert "campaign spring-sale: live campaign changed since the plan" in refused.stderr
    assert "55000" in refused.stderr
    assert platforms.requests("topsort", "PATCH") == []

    # A config change after planning is named too.
    assert _plan(workspace, plan_file).exit_code == 2
    campaigns.write_text(campaigns.read_text().replace("name: Prospecting", "name: Prospecting NL"))
    refused = cli("apply", str(plan_file))
    assert refused.exit_code == 1
    assert "campaign prospecting: configuration of name changed" in refused.stderr


def test_edited_plan_file_is_refused(workspace: Path, tmp_path: Path) -> None:
    plan_file = tmp_path / "p.json"
    assert _plan(workspace, plan_file).exit_code == 2
    plan_file.write_text(plan_file.read_text().replace("50000", "5000000"))
    refused = cli("apply", str(plan_file))
    assert refused.exit_code == 1
    assert "modified after it was written (checksum mismatch)" in refused.stderr


def test_criteo_batch_partial_failure(workspace: Path, platforms: Platforms, tmp_path: Path) -> None:
    campaigns = workspace / "campaigns.yaml"
    text = campaigns.read_text().replace("spendLimitRenewal: daily", "spendLimitRenewal: lifetime")
    text += """
  brand-awareness:
    provider: criteo
    name: Brand awareness
    goal: Acquisition
    spendLimit: {spendLimitType: capped, spendLimitRenewal: lifetime, spendLimitAmount: 500}
"""
    campaigns.write_text(text)
    assert cli("apply", str(workspace), "--auto-approve").exit_code == 0
    ids = {k: v["id"] for k, v in state_of(workspace).items()}
    # Someone spent 300 on retargeting-eu: lowering its lifetime limit to 200 must fail alone.
    platforms.emulator("criteo").ui_edit(ids["retargeting-eu"], {"spent": 300})
    text = campaigns.read_text().replace("spendLimitAmount: 123.45", "spendLimitAmount: 200")
    campaigns.write_text(text.replace("spendLimitAmount: 500", "spendLimitAmount: 450"))

    platforms.clear()
    result = cli("apply", str(workspace), "--auto-approve")
    assert result.exit_code == 1
    assert "criteo.retargeting-eu: update FAILED [campaign--campaign-update-check--cannot-decrease-lifetime" \
           "-spend-limit-below-what-is-already-spent]" in result.stdout
    assert "criteo.brand-awareness: update ok" in result.stdout
    patches = platforms.requests("criteo", "PATCH")
    assert len(patches) == 1 and len(patches[0].body["data"]) == 2  # one batch document
    amount = patches[0].body["data"][0]["attributes"]["spendLimit"]["spendLimitAmount"]
    assert amount in ({"value": 450}, {"value": 200})

    replanned = cli("plan", str(workspace), "--no-save", "--format", "json", "--detailed-exitcode")
    assert replanned.exit_code == 2
    pending = [(c["key"], c["action"]) for c in json.loads(replanned.stdout)["changes"] if c["action"] != "no-op"]
    assert pending == [("retargeting-eu", "update")]


def test_create_only_field_is_cannot_update_in_place(workspace: Path, tmp_path: Path) -> None:
    assert cli("apply", str(workspace), "--auto-approve").exit_code == 0
    campaigns = workspace / "campaigns.yaml"
    campaigns.write_text(campaigns.read_text().replace("goal: Retention", "goal: Acquisition"))
    planned = _plan(workspace, tmp_path / "p.json")
    assert planned.exit_code == 2
    assert "! criteo.retargeting-eu" in planned.stdout
    assert "cannot update in place: Criteo's PatchCampaign has no goal" in planned.stdout
    applied = cli("apply", str(tmp_path / "p.json"))
    assert applied.exit_code == 1 and "cannot-update-in-place" in applied.stdout


def test_apply_of_a_workspace_needs_confirmation(workspace: Path, platforms: Platforms) -> None:
    refused = cli("apply", str(workspace))  # no terminal, no --auto-approve
    assert refused.exit_code == 1
    assert "Refusing to apply without confirmation" in refused.stderr
    assert platforms.requests("topsort", "POST") == []


def test_criteo_batches_go_concurrently_and_keep_per_item_errors(
        workspace: Path, platforms: Platforms, monkeypatch: pytest.MonkeyPatch) -> None:
    """Batch PATCH documents are sent together within the instance's parallelism (issue 12); each
    item's answer still reaches its own campaign."""
    providers = workspace / "providers.yaml"
    one_per_patch = 'advertiser_id: "12345"\n    batch_size: 1'
    providers.write_text(providers.read_text().replace('advertiser_id: "12345"', one_per_patch))
    campaigns = workspace / "campaigns.yaml"
    campaigns.write_text(campaigns.read_text().replace("spendLimitRenewal: daily", "spendLimitRenewal: lifetime")
                         + """
  brand-awareness:
    provider: criteo
    name: Brand awareness
    goal: Acquisition
    spendLimit: {spendLimitType: capped, spendLimitRenewal: lifetime, spendLimitAmount: 500}
""")
    assert cli("apply", str(workspace), "--auto-approve").exit_code == 0
    ids = {k: v["id"] for k, v in state_of(workspace).items()}
    emulator = platforms.emulator("criteo")
    emulator.ui_edit(ids["retargeting-eu"], {"spent": 300})
    text = campaigns.read_text().replace("spendLimitAmount: 123.45", "spendLimitAmount: 200")
    campaigns.write_text(text.replace("spendLimitAmount: 500", "spendLimitAmount: 450"))

    # Each PATCH waits for the other: one sent after the other would break the barrier (a 500).
    both_in_flight = threading.Barrier(2, timeout=10)
    dispatch = emulator.dispatch

    def meeting(request):  # type: ignore[no-untyped-def]
        if request.method == "PATCH":
            both_in_flight.wait()
        return dispatch(request)

    monkeypatch.setattr(emulator, "dispatch", meeting)
    platforms.clear()
    result = cli("apply", str(workspace), "--auto-approve")
    assert result.exit_code == 1, result.output
    assert "criteo.retargeting-eu: update FAILED [campaign--campaign-update-check--cannot-decrease-lifetime" \
           "-spend-limit-below-what-is-already-spent]" in result.stdout
    assert "criteo.brand-awareness: update ok" in result.stdout
    patches = platforms.requests("criteo", "PATCH")
    assert sorted(len(p.body["data"]) for p in patches) == [1, 1] and all(p.status == 200 for p in patches)
