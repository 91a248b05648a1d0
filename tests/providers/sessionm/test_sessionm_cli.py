"""SessionM through the CLI against its emulator over real loopback HTTP: create → no-op re-plan →
a YAML edit that cannot be applied in place → an out-of-band edit seen as drift; a 200-with-error
failing one campaign while the others apply; adoption by external_id after a lost state file; and
the api_key (which sits in every URL) and api_secret never leaving the process."""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from provisioner.sandbox.faults import FaultInjector, FaultKind
from provisioner.sandbox.registry import make_emulator
from provisioner.sandbox.server import EmulatorServer
from tests.conftest import cli, make_workspace, state_of

REPO = Path(__file__).resolve().parents[3]
KEY, SECRET = "smk-SECRET-7b3e1f0a", "sms-SECRET-42d9c6"
CAMPAIGNS = """\
campaigns:
  spring-points:
    provider: sessionm
    name: Spring double points
    status: live
    starts_at: 2030-03-01T00:00:00Z
    ends_at: 2030-03-31T23:59:59Z
    campaign_type: promotion
    targeting: {user.tags: {$in: [gold]}}
    metadata: {season: spring}
  welcome-inbox:
    provider: sessionm
    name: Welcome inbox
    status: draft
    starts_at: 2030-01-01T09:00:00+01:00
    ends_at: 2030-12-31T09:00:00+01:00
    template: messaging
"""




def assert_no_secrets(*texts: str) -> None:
    for text in texts:
        assert KEY not in text and SECRET not in text


def everything_under(root: Path) -> str:
    return "\n".join(p.read_text("utf-8", errors="replace") for p in root.rglob("*") if p.is_file())


@pytest.fixture
def server(tmp_path: Path) -> Iterator[EmulatorServer]:
    with EmulatorServer(make_emulator("sessionm", tmp_path / "platform")) as running:
        yield running


@pytest.fixture
def root(tmp_path: Path, server: EmulatorServer, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SESSIONM_API_KEY", KEY)
    monkeypatch.setenv("SESSIONM_API_SECRET", SECRET)
    return make_workspace(
        tmp_path / "ws",
        f"providers:\n  sessionm:\n    base_url: {server.url}\n    api_key: ${{env:SESSIONM_API_KEY}}\n"
        "    api_secret: ${env:SESSIONM_API_SECRET}\n    max_retries: 0\n", CAMPAIGNS)


def requests(server: EmulatorServer, method: str) -> list[Any]:
    return [r for r in server.emulator.requests if r.method == method]


def test_create_noop_cannot_update_in_place_and_drift(root: Path, server: EmulatorServer, tmp_path: Path,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="httpx")  # httpx logs every URL, and the URL holds the key
    plan_file = tmp_path / "create.json"
    first = cli("plan", str(root), "--out", str(plan_file), "--detailed-exitcode")
    assert first.exit_code == 2, first.output
    assert "+ sessionm.spring-points: create" in first.stdout and "Plan: 2 to create" in first.stdout
    assert requests(server, "POST") == []

    applied = cli("apply", str(plan_file))
    assert applied.exit_code == 0, applied.output
    assert "Apply complete: 2 succeeded, 0 failed." in applied.stdout
    posts = requests(server, "POST")
    assert {p.path for p in posts} == {f"/priv/v1/apps/{KEY}/campaigns"}
    bodies = {p.body["campaign"]["external_id"]: p.body["campaign"] for p in posts}
    assert bodies["spring-points"]["targeting"] == {"user.tags": {"$in": ["gold"]}}
    assert bodies["welcome-inbox"]["starts_at"] == "2030-01-01T08:00:00Z"  # sent in UTC
    # §8: each create is preceded by a permalink lookup (the list may hide inactive campaigns)
    lookups = [r.path for r in requests(server, "GET") if r.path.endswith("/info")]
    assert sorted(lookups) == [f"/priv/v1/apps/{KEY}/external/campaigns/{k}/info"
                               for k in ("spring-points", "welcome-inbox")]

    again = cli("plan", str(root), "--out", str(tmp_path / "again.json"), "--detailed-exitcode")
    assert again.exit_code == 0, again.output
    assert "No changes" in again.stdout

    # A YAML edit: SessionM has no update endpoint, so it is planned as "cannot update in place".
    campaigns = root / "campaigns.yaml"
    campaigns.write_text(CAMPAIGNS.replace("name: Welcome inbox", "name: Welcome inbox 2027"))
    edit_file = tmp_path / "edit.json"
    edited = cli("plan", str(root), "--out", str(edit_file), "--detailed-exitcode")
    assert edited.exit_code == 2, edited.output
    assert "cannot update in place: SessionM's Campaigns API has no update endpoint" in edited.stdout
    plan = json.loads(edit_file.read_text())
    [change] = [c for c in plan["changes"] if c["action"] != "no-op"]
    assert (change["key"], change["action"]) == ("welcome-inbox", "cannot-update")
    assert [(d["path"], d["after"]) for d in change["diffs"]] == [("name", "Welcome inbox 2027")]
    assert "name is only set when the campaign is created" in change["diffs"][0]["blocked"]
    server.emulator.requests.clear()
    refused = cli("apply", str(edit_file))
    assert refused.exit_code == 1 and "FAILED [cannot-update-in-place]" in refused.stdout
    assert {r.method for r in server.emulator.requests} == {"GET"}  # apply does not pretend
    campaigns.write_text(CAMPAIGNS)

    # An edit in the SessionM UI is drift, named by campaign and field.
    spring_id = state_of(root)["spring-points"]["id"]
    server.emulator.ui_edit(spring_id, {"ends_at": "2030-04-15 00:00:00"})
    drift = cli("drift", str(root))
    assert drift.exit_code == 2, drift.output
    assert f"sessionm.spring-points (id {spring_id})" in drift.stdout
    assert 'ends_at: "2030-03-31T23:59:59Z" (last applied) -> "2030-04-15T00:00:00Z" (live)' in drift.stdout
    assert "welcome-inbox" not in drift.stdout

    assert_no_secrets(first.output, first.stderr, applied.output, again.output, edited.output, refused.output,
                      drift.output, plan_file.read_text(), edit_file.read_text(), everything_under(root),
                      caplog.text)
    assert "/priv/v1/apps/***/campaigns" in caplog.text


def test_a_200_with_error_fails_that_campaign_and_the_others_apply(root: Path, server: EmulatorServer) -> None:
    taken = {"name": "Welcome inbox", "status": "live", "starts_at": "2030-01-01T00:00:00Z",
             "ends_at": "2030-02-01T00:00:00Z"}
    with httpx.Client(base_url=server.url, auth=("ui-key", "ui-secret")) as client:  # created in the UI
        assert client.post("/priv/v1/apps/ui-key/campaigns", json={"campaign": taken}).json()["status"] == "ok"
    extra = CAMPAIGNS + """\
  summer-feed:
    provider: sessionm
    name: Summer feed
    status: live
    starts_at: 2030-06-01T00:00:00Z
    ends_at: 2030-08-31T00:00:00Z
"""
    (root / "campaigns.yaml").write_text(extra)
    applied = cli("apply", str(root), "--auto-approve")
    assert applied.exit_code == 1, applied.output
    assert "sessionm.welcome-inbox: create FAILED [validation]" in applied.stdout
    assert "Name has already been taken" in applied.stdout
    assert "Apply complete: 2 succeeded, 1 failed." in applied.stdout
    failed = [p for p in requests(server, "POST") if p.body["campaign"].get("external_id") == "welcome-inbox"]
    assert [p.status for p in failed] == [200]  # a failure although the platform answered 200
    assert set(state_of(root)) == {"spring-points", "summer-feed"}
    assert_no_secrets(applied.output, everything_under(root))


def test_lost_state_file_adopts_by_external_id_without_a_duplicate(root: Path, server: EmulatorServer,
                                                                   tmp_path: Path) -> None:
    assert cli("apply", str(root), "--auto-approve").exit_code == 0
    before = state_of(root)
    (root / ".provisioner" / "state.json").unlink()
    # Without state, nothing says this workspace made them: taken over only on purpose (issue 11).
    refused = cli("plan", str(root), "--out", str(tmp_path / "refused.json"), "--detailed-exitcode")
    assert refused.exit_code == 2, refused.output
    assert {c["key"]: c["action"] for c in json.loads((tmp_path / "refused.json").read_text())["changes"]} == \
        {"spring-points": "not-owned", "welcome-inbox": "not-owned"}
    assert "set `adopt: true` on the campaign" in refused.stdout
    adopting = CAMPAIGNS.replace("    provider: sessionm", "    provider: sessionm\n    adopt: true")
    (root / "campaigns.yaml").write_text(adopting)
    plan_file = tmp_path / "adopt.json"
    planned = cli("plan", str(root), "--out", str(plan_file), "--detailed-exitcode")
    assert planned.exit_code == 2, planned.output
    assert {c["key"]: c["action"] for c in json.loads(plan_file.read_text())["changes"]} == \
        {"spring-points": "adopt", "welcome-inbox": "adopt"}
    assert cli("apply", str(plan_file)).exit_code == 0
    assert len(requests(server, "POST")) == 2
    assert {k: r["id"] for k, r in state_of(root).items()} == {k: r["id"] for k, r in before.items()}
    assert cli("plan", str(root), "--out", str(tmp_path / "p.json"), "--detailed-exitcode").exit_code == 0


def test_a_campaign_the_list_does_not_show_is_found_by_permalink_before_create(
        root: Path, server: EmulatorServer, monkeypatch: pytest.MonkeyPatch) -> None:
    # A real SessionM lists active campaigns only; make the emulator hide the draft one.
    backend = server.emulator.backend
    everything = backend.list_campaigns
    monkeypatch.setattr(backend, "list_campaigns", lambda: [c for c in everything() if c["status"] == "live"])
    hidden = backend.create_campaign({"name": "Welcome inbox", "status": "draft", "external_id": "welcome-inbox",
                                      "starts_at": "2030-01-01T08:00:00Z", "ends_at": "2030-12-31T08:00:00Z",
                                      "template": "messaging"})
    # Found only at apply time, it is still not this workspace's to take (issue 11) ...
    refused = cli("apply", str(root), "--auto-approve")
    assert refused.exit_code == 1, refused.output
    assert "welcome-inbox: create FAILED [not-owned]" in refused.stdout and "adopt: true" in refused.stdout
    assert "welcome-inbox" not in state_of(root)
    # ... unless the campaign says so.
    (root / "campaigns.yaml").write_text(CAMPAIGNS.replace("    template: messaging", "    template: messaging\n"
                                                                                       "    adopt: true"))
    applied = cli("apply", str(root), "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert "already existed on the platform: recorded, not created" in applied.stdout
    assert [p.body["campaign"]["external_id"] for p in requests(server, "POST")] == ["spring-points"]
    assert state_of(root)["welcome-inbox"]["id"] == str(hidden["id"])


def test_secrets_stay_out_of_errors_that_quote_the_url(root: Path, server: EmulatorServer) -> None:
    server.emulator.faults = FaultInjector(rate=1.0, kinds=(FaultKind.DROP_BEFORE,))
    planned = cli("plan", str(root), "--out", str(root / "p.json"))
    assert planned.exit_code == 1
    assert "GET /priv/v1/apps/***/campaigns" in planned.stderr
    assert_no_secrets(planned.output, planned.stderr, everything_under(root))


def test_the_example_workspace_runs_in_the_sandbox(tmp_path: Path) -> None:
    root = tmp_path / "example"
    shutil.copytree(REPO / "examples" / "sessionm", root, ignore=shutil.ignore_patterns(".provisioner"))
    assert cli("validate", str(root)).exit_code == 0
    first = cli("plan", str(root), "--out", str(tmp_path / "1.json"), "--detailed-exitcode")
    assert first.exit_code == 2 and "Plan: 2 to create" in first.stdout, first.output
    assert cli("apply", str(tmp_path / "1.json")).exit_code == 0
    assert cli("plan", str(root), "--out", str(tmp_path / "2.json"), "--detailed-exitcode").exit_code == 0
    edited = cli("sandbox", "edit", "sessionm", "spring-points", "status=paused",
                 "--state-dir", str(root / ".provisioner" / "sandbox"))
    assert edited.exit_code == 0, edited.output
    drift = cli("drift", str(root))
    assert drift.exit_code == 2 and "sessionm.spring-points" in drift.stdout
    assert 'status: "live" (last applied) -> "paused" (live)' in drift.stdout
