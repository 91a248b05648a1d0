"""Renaming a campaign's key, through the CLI on the emulators: `state mv` then the YAML rename on
Criteo and Skala (the next plan is empty, nothing is sent); `state mv` refused where the key is the
platform's identity; `moved:` on Topsort is one PATCH of externalCampaignId and nothing else; on
SessionM the plan says the rename is impossible and why; `state show` shows the CI run of an apply."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from provisioner.sandbox.server import EmulatorServer
from tests.accounts.conftest import clear, writes
from tests.conftest import cli, state_of


def _rename_in_yaml(file: Path, old: str, new: str, moved: bool = False) -> None:
    text = file.read_text().replace(f"\n  {old}:\n", f"\n  {new}:\n")
    if moved:
        text += f"moved:\n  - {{from: {old}, to: {new}}}\n"
    file.write_text(text)


@pytest.mark.parametrize(("instance", "old", "new"), [("criteo", "prospecting", "prospecting-2030"),
                                                      ("skala", "sandbox-company-oslo-2030-04-01", "oslo-flat")])
def test_state_mv_then_yaml_rename_plans_nothing_and_sends_nothing(
        root: Path, servers: dict[str, EmulatorServer], instance: str, old: str, new: str) -> None:
    assert cli("import", str(root), "--provider", instance).exit_code == 0
    campaign_id = state_of(root)[old]["id"]
    clear(servers)
    moved = cli("state", "mv", str(root), "--key", old, "--to", new)
    assert moved.exit_code == 0, moved.output
    assert servers[instance].emulator.requests == []  # state only: not even a login
    _rename_in_yaml(root / f"imported-{instance}.yaml", old, new)
    planned = cli("plan", str(root), "--detailed-exitcode", "--no-save", "--target", f"{instance}.*")
    assert planned.exit_code == 0, planned.output
    assert writes(servers) == []
    assert state_of(root)[new]["id"] == campaign_id and old not in state_of(root)


def test_state_mv_is_refused_where_the_key_is_the_platform_identity(root: Path) -> None:
    assert cli("import", str(root), "--provider", "topsort").exit_code == 0
    refused = cli("state", "mv", str(root), "--key", "spring-sale", "--to", "spring-2030")
    assert refused.exit_code == 1
    assert "topsort's externalCampaignId" in refused.stderr
    assert "moved:\n  - from: spring-sale\n    to: spring-2030" in refused.stderr
    assert "spring-sale" in state_of(root) and "spring-2030" not in state_of(root)
    assert cli("state", "mv", str(root), "--key", "nope", "--to", "x").exit_code == 1


def test_moved_on_topsort_is_one_patch_of_external_campaign_id(
        root: Path, servers: dict[str, EmulatorServer], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert cli("import", str(root), "--provider", "topsort").exit_code == 0
    campaign_id = state_of(root)["spring-sale"]["id"]
    _rename_in_yaml(root / "imported-topsort.yaml", "spring-sale", "spring-2030", moved=True)
    assert cli("validate", str(root)).exit_code == 0
    plan_file = tmp_path / "moved.json"
    clear(servers)
    planned = cli("plan", str(root), "--detailed-exitcode", "--out", str(plan_file), "--target", "topsort.*")
    assert planned.exit_code == 2, planned.output
    assert 'externalCampaignId: "spring-sale" -> "spring-2030"' in planned.stdout
    changes = [c for c in json.loads(plan_file.read_text())["changes"] if c["action"] != "no-op"]
    assert [(c["key"], c["action"], c["moved_from"], [d["path"] for d in c["diffs"]]) for c in changes] == \
        [("spring-2030", "update", "spring-sale", ["externalCampaignId"])]

    monkeypatch.setenv("GITHUB_SHA", "0123abc")
    monkeypatch.setenv("GITHUB_RUN_ID", "777")
    monkeypatch.setenv("GITHUB_SERVER_URL", "https://github.com")
    monkeypatch.setenv("GITHUB_REPOSITORY", "acme/ads")
    applied = cli("apply", str(plan_file))
    assert applied.exit_code == 0, applied.output
    sent = [(m, p) for _, m, p in writes(servers)]
    assert sent == [("PATCH", f"/public/v1/campaign-service/campaigns/{campaign_id}")]
    patch = next(r for r in servers["topsort"].emulator.requests if r.method == "PATCH")
    assert patch.body == {"externalCampaignId": "spring-2030"}
    state = state_of(root)
    assert "spring-sale" not in state and state["spring-2030"]["id"] == campaign_id
    assert state["spring-2030"]["applied_by"] == {"commit": "0123abc",
                                                   "run": "https://github.com/acme/ads/actions/runs/777"}
    shown = cli("state", "show", str(root), "--key", "spring-2030")
    assert "commit: 0123abc" in shown.stdout and "run: https://github.com/acme/ads/actions/runs/777" in shown.stdout
    assert "autumn" in state and "applied_by" not in state["autumn"]  # written by import, not by this apply

    clear(servers)
    again = cli("plan", str(root), "--detailed-exitcode", "--no-save", "--target", "topsort.*")
    assert again.exit_code == 0, again.output
    assert writes(servers) == []


def test_moved_on_sessionm_is_blocked_with_the_reason(root: Path, servers: dict[str, EmulatorServer]) -> None:
    assert cli("import", str(root), "--provider", "sessionm").exit_code == 0
    _rename_in_yaml(root / "imported-sessionm.yaml", "double-points", "points-x2", moved=True)
    clear(servers)
    planned = cli("plan", str(root), "--detailed-exitcode", "--no-save", "--target", "sessionm.*")
    assert planned.exit_code == 2, planned.output
    assert "! sessionm.points-x2" in planned.stdout and "the rename is impossible on sessionm" in planned.stdout
    assert "SessionM's Campaigns API has no update endpoint" in planned.stdout
    applied = cli("apply", str(root), "--auto-approve", "--target", "sessionm.*")
    assert applied.exit_code == 1
    assert writes(servers) == [] and "double-points" in state_of(root)


def test_state_list_and_show(root: Path) -> None:
    assert cli("import", str(root), "--provider", "criteo").exit_code == 0
    listed = cli("state", "list", str(root))
    assert listed.exit_code == 0 and "criteo.retargeting-eu  id " in listed.stdout
    as_json = json.loads(cli("state", "list", str(root), "--format", "json").stdout)
    assert {r["key"] for r in as_json} == {"retargeting-eu", "prospecting"}
    shown = cli("state", "show", str(root), "--key", "retargeting-eu")
    assert shown.exit_code == 0 and "spendLimit:" in shown.stdout and "applied by" not in shown.stdout
    assert yaml.safe_load(cli("state", "show", str(root), "--key", "retargeting-eu", "--format", "json").stdout)
    missing = cli("state", "show", str(root), "--key", "nope")
    assert missing.exit_code == 1 and "Not in state: nope" in missing.stderr


def test_moved_section_errors_name_file_line_and_field(tmp_path: Path) -> None:
    root = tmp_path / "bad"
    root.mkdir()
    (root / "ws.yaml").write_text("""\
providers:
  criteo: {base_url: sandbox, advertiser_id: "1", currency: EUR}
campaigns:
  a: {provider: criteo, name: A, goal: Acquisition, spendLimit: {spendLimitType: uncapped}}
  b: {provider: criteo, name: B, goal: Acquisition, spendLimit: {spendLimitType: uncapped}}
moved:
  - {from: old, to: not-declared}
  - {from: b, to: a}
  - {from: x, to: a}
  - {from: y, to: a}
  - just-a-string
""")
    result = cli("validate", str(root))
    assert result.exit_code == 1
    file = root / "ws.yaml"
    assert f"{file}:7: error: moved[0].to: 'not-declared' is not a campaign declared" in result.stderr
    assert f"{file}:8: error: moved[1].from: 'b' is still declared under campaigns:" in result.stderr
    assert f"{file}:10: error: moved[3]: a key moves at most once (see {file}:9)" in result.stderr
    assert "moved[4]: moved takes a list of {from: OLD_KEY, to: NEW_KEY}" in result.stderr
