"""Targeter through the CLI against its emulator over real HTTP: plan → apply → empty plan → YAML edit
("cannot update in place") → drift "unknown"; no second create; a lost state file recovered by the 200
answer; both 201 forms in `provisioner show`; a token renewed on 401; secrets never shown or stored."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from provisioner.sandbox.registry import make_emulator
from provisioner.sandbox.server import EmulatorServer
from tests.conftest import cli, make_workspace, state_of

SECRETS = {"TARGETER_API_KEY": "tgk-SECRET-7f3e21", "TARGETER_API_SECRET": "tgs-SECRET-0b9d44"}
CAMPAIGNS = """\
campaigns:
  CLIENT-PROP-123456:
    provider: targeter
    name: Majorstuenveien 14
    material:
      - https://client-assets.com/property.jpg
    target_url: https://client-website.no/property/123
  TORSHOV-SUMMER-01:
    provider: targeter
    name: Sommerkampanje Torshov
    material: [https://cdn.megler.no/bilde1.jpg, https://cdn.megler.no/video.mp4]
    target_url: https://megler.no/kontor/torshov
"""


@pytest.fixture
def targeter(tmp_path: Path) -> Iterator[EmulatorServer]:
    with EmulatorServer(make_emulator("targeter", tmp_path / "platform-data")) as server:
        yield server


@pytest.fixture
def ws(tmp_path: Path, targeter: EmulatorServer, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    return make_workspace(tmp_path / "ws", f"""\
providers:
  targeter:
    base_url: {targeter.url}
    api_key: ${{env:TARGETER_API_KEY}}
    api_secret: ${{env:TARGETER_API_SECRET}}
    parallelism: 1
""", CAMPAIGNS)



def posts(server: EmulatorServer) -> list[Any]:
    return [r for r in server.emulator.requests if r.path == "/api/campaign"]



def assert_no_secrets(server: EmulatorServer, root: Path, *texts: str) -> None:
    tokens = {r.headers["authorization"].split(" ", 1)[1] for r in posts(server)}
    files = [p.read_text("utf-8", errors="replace") for p in root.rglob("*") if p.is_file()]
    for text in [*texts, *files]:
        for value in [*SECRETS.values(), *tokens]:
            assert value not in text


def test_plan_apply_replan_edit_and_drift(ws: Path, targeter: EmulatorServer, tmp_path: Path) -> None:
    plan_file = tmp_path / "first.json"
    first = cli("plan", str(ws), "--out", str(plan_file), "--detailed-exitcode")
    assert first.exit_code == 2, first.output
    assert "Note: targeter: live state is not observable (the Targeter API cannot read campaigns back" \
           in first.stdout
    assert "+ targeter.CLIENT-PROP-123456: create" in first.stdout and "Plan: 2 to create" in first.stdout
    assert targeter.emulator.requests == []  # planning sends nothing: the only call would create

    applied = cli("apply", str(plan_file))
    assert applied.exit_code == 0, applied.output
    assert [(r.path, r.status) for r in targeter.emulator.requests] == [
        ("/api/auth/token", 200), ("/api/campaign", 201), ("/api/campaign", 201)]
    sent = {r.body["source"]["reference_id"] for r in posts(targeter)}
    assert sent == {"CLIENT-PROP-123456", "TORSHOV-SUMMER-01"}

    again = cli("plan", str(ws), "--out", str(tmp_path / "again.json"), "--detailed-exitcode")
    assert again.exit_code == 0, again.output
    assert "No changes" in again.stdout

    campaigns = ws / "campaigns.yaml"
    campaigns.write_text(CAMPAIGNS.replace("name: Majorstuenveien 14", "name: Majorstuenveien 14 B"))
    edit_file = tmp_path / "edit.json"
    edited = cli("plan", str(ws), "--out", str(edit_file), "--detailed-exitcode")
    assert edited.exit_code == 2, edited.output
    assert '! name: "Majorstuenveien 14" -> "Majorstuenveien 14 B"' in edited.stdout
    assert ("cannot update in place: the Targeter API cannot change a campaign once it exists (posting it "
            "again only returns its link); edit it in the Targeter app, or give it a new key") in edited.stdout
    plan = json.loads(edit_file.read_text())
    assert [(c["key"], c["action"], [(d["path"], bool(d["blocked"])) for d in c["diffs"]])
            for c in plan["changes"] if c["action"] != "no-op"] == [
        ("CLIENT-PROP-123456", "cannot-update", [("name", True)])]

    drift = cli("drift", str(ws))
    assert drift.exit_code == 0, drift.output
    assert "Unknown: targeter: not observable (the Targeter API cannot read campaigns back" in drift.stdout
    assert "in sync" not in drift.stdout
    assert len(posts(targeter)) == 2  # neither the re-plans nor drift sent anything
    assert_no_secrets(targeter, ws, first.output, applied.output, again.output, edited.output, drift.output,
                      plan_file.read_text(), edit_file.read_text(), json.dumps(state_of(ws)))


def test_applying_twice_never_creates_twice(ws: Path, targeter: EmulatorServer) -> None:
    first = cli("apply", str(ws), "--auto-approve")
    assert first.exit_code == 0, first.output
    targeter.emulator.requests.clear()
    second = cli("apply", str(ws), "--auto-approve")
    assert second.exit_code == 0, second.output
    assert "No changes" in second.stdout
    assert posts(targeter) == [] and len(targeter.emulator.backend.campaigns()) == 2


def test_lost_state_is_recovered_by_the_200_answer_not_a_duplicate(ws: Path, targeter: EmulatorServer) -> None:
    assert cli("apply", str(ws), "--auto-approve").exit_code == 0
    ids = {k: v["id"] for k, v in state_of(ws).items()}
    for name in ("state.json", "state.journal"):
        (ws / ".provisioner" / name).unlink(missing_ok=True)
    assert state_of(ws) == {}

    targeter.emulator.requests.clear()
    recovered = cli("apply", str(ws), "--auto-approve")
    assert recovered.exit_code == 0, recovered.output
    assert [r.status for r in posts(targeter)] == [200, 200]
    assert "warning: the platform already had this campaign (create-or-retrieve): recorded it" \
        in recovered.stdout
    assert len(targeter.emulator.backend.campaigns()) == 2  # still one campaign per reference_id
    state = state_of(ws)
    assert {k: v["id"] for k, v in state.items()} == ids  # the same campaigns, found by their links
    assert state["CLIENT-PROP-123456"]["outputs"] == {
        "campaign_link": f"https://sandbox.targeter.tech/campaigns/{ids['CLIENT-PROP-123456']}"}
    assert cli("plan", str(ws), "--no-save", "--detailed-exitcode").exit_code == 0


def test_both_201_forms_are_recorded_and_shown(ws: Path, targeter: EmulatorServer) -> None:
    targeter.emulator.backend.set_creation_mode("prefilled", "TORSHOV-SUMMER-01")
    applied = cli("apply", str(ws), "--auto-approve")
    assert applied.exit_code == 0, applied.output
    automatic = targeter.emulator.backend.campaign("CLIENT-PROP-123456")["campaign_id"]
    prefilled_link = "https://sandbox.targeter.tech/campaigns?create=true&source_id=TORSHOV-SUMMER-01"
    assert "    next_step: a person must finish the creation in Targeter" in applied.stdout

    state = state_of(ws)
    assert state["CLIENT-PROP-123456"]["id"] == automatic
    assert state["CLIENT-PROP-123456"]["outputs"] == {
        "campaign_id": automatic,
        "ad_creation_link": f"https://sandbox.targeter.tech/campaigns/{automatic}/ads/create"}
    assert state["TORSHOV-SUMMER-01"]["outputs"] == {
        "campaign_link": prefilled_link, "next_step": "a person must finish the creation in Targeter"}

    shown = cli("show", str(ws)).stdout
    assert f"targeter.CLIENT-PROP-123456: managed, id {automatic}" in shown
    assert f"    ad_creation_link: https://sandbox.targeter.tech/campaigns/{automatic}/ads/create" in shown
    assert "targeter.TORSHOV-SUMMER-01: managed, id -" in shown
    assert f"    campaign_link: {prefilled_link}" in shown
    assert "    next_step: a person must finish the creation in Targeter" in shown


def test_token_expired_by_the_platform_is_renewed_on_401(ws: Path, targeter: EmulatorServer) -> None:
    # The platform's clock jumps an hour after each campaign it creates, expiring the token in use.
    def platform_clock() -> float:
        return time.time() + 3700 * sum(1 for r in posts(targeter) if r.status == 201)

    targeter.emulator.clock = platform_clock
    applied = cli("apply", str(ws), "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert [(r.path, r.status) for r in targeter.emulator.requests] == [
        ("/api/auth/token", 200), ("/api/campaign", 201),
        ("/api/campaign", 401), ("/api/auth/token", 200), ("/api/campaign", 201)]
    assert len(targeter.emulator.backend.campaigns()) == 2
    assert_no_secrets(targeter, ws, applied.output)


def test_bad_url_is_a_validation_error_with_its_line_and_nothing_is_sent(
        ws: Path, targeter: EmulatorServer) -> None:
    text = CAMPAIGNS.replace("https://cdn.megler.no/video.mp4", "cdn.megler.no/video.mp4")
    (ws / "campaigns.yaml").write_text(text.replace("https://megler.no/kontor/torshov", "megler.no/torshov"))
    for command in ("validate", "plan"):
        result = cli(command, str(ws))
        assert result.exit_code == 1
        assert "campaigns.yaml:11: error: campaigns.TORSHOV-SUMMER-01.material.1: " in result.stderr
        assert "campaigns.yaml:12: error: campaigns.TORSHOV-SUMMER-01.target_url: " in result.stderr
        assert "nothing was sent to any platform" in result.stderr
    assert targeter.emulator.requests == []
