"""Skala through the CLI against its emulator over real HTTP: create → empty plan → YAML edit is a
PUT that keeps field-value ids → out-of-band edit is drift; create-only fields; interrupted
creates found again; plan-time name errors; secrets never shown; logout at the end of each run."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from provisioner.sandbox.core import Emulator, PlatformRequest
from provisioner.sandbox.faults import FaultInjector, FaultKind
from provisioner.sandbox.server import EmulatorServer
from provisioner.states.state import PENDING
from provisioner.states.statemgr import state_manager_for
from tests.conftest import cli, make_workspace, serving, state_of

USERNAME, PASSWORD = "ola.nordmann.7f3e", "pw-SECRET-51c2d9"
ADMIN = "admin.kari.9b1d"

CAMPAIGNS = """\
campaigns:
  oslo-flat:
    provider: skala
    company: {id: 10}
    campaignType: {id: 100}
    startDate: 2030-04-01
    endDate: 2030-04-14
    landingPage: https://oslo.example.no/listings/14
    campaignFieldValues:
      headline: {type: FREETEXT, text: Bright flat at Majorstuen}
      description: {type: FREETEXT, text: Open house Sunday}
      image: {type: PICTURE, picture: {id: 3301}}
    budgetOptionId: 500
  bergen-jobs:
    provider: skala
    company: {id: 11}
    campaignType: {id: 101}
    startDate: 2030-05-01
    endDate: 2030-05-31
    campaignFieldValues:
      title: {type: FREETEXT, text: Electricians wanted}
    customBudget: "12500.50"
    customAdPlatformTypes: [FACEBOOK, LINKEDIN]
"""


@pytest.fixture
def server(tmp_path: Path) -> Iterator[EmulatorServer]:
    yield from serving("skala", tmp_path / "platform")


@pytest.fixture
def emulator(server: EmulatorServer) -> Emulator:
    return server.emulator


@pytest.fixture
def ws(tmp_path: Path, server: EmulatorServer, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SKALA_USERNAME", USERNAME)
    monkeypatch.setenv("SKALA_PASSWORD", PASSWORD)
    return make_workspace(tmp_path / "ws", f"""\
providers:
  skala:
    base_url: {server.url}
    username: ${{env:SKALA_USERNAME}}
    password: ${{env:SKALA_PASSWORD}}
    brand_id: 1
    currency: NOK
""", CAMPAIGNS)



def plan(root: Path, out: Path) -> Result:
    return cli("plan", str(root), "--out", str(out), "--detailed-exitcode")



def calls(emulator: Emulator, method: str, path: str = "") -> list[Any]:
    return [r for r in emulator.requests if r.method == method and r.path.startswith(path)]


def edit_campaigns(root: Path, old: str, new: str) -> None:
    text = (root / "campaigns.yaml").read_text()
    assert old in text
    (root / "campaigns.yaml").write_text(text.replace(old, new, 1))


def _order(emulator: Emulator, order_id: str) -> dict[str, Any]:
    return next(o for o in emulator.backend.orders() if str(o["id"]) == order_id)


def applied(root: Path) -> dict[str, dict[str, Any]]:
    result = cli("apply", str(root), "--auto-approve")
    assert result.exit_code == 0, result.output
    return state_of(root)


def test_create_update_keeps_field_value_ids_then_drift(ws: Path, emulator: Emulator, tmp_path: Path) -> None:
    first = plan(ws, tmp_path / "first.json")
    assert first.exit_code == 2, first.output
    assert calls(emulator, "POST", "/api/campaign-order") == []
    done = cli("apply", str(tmp_path / "first.json"))
    assert done.exit_code == 0, done.output
    creates = calls(emulator, "POST", "/api/campaign-order")
    assert [c.path for c in creates] == ["/api/campaign-order"] * 2  # single-order endpoint only
    bergen = next(c.body for c in creates if c.body["object"]["company"]["id"] == 11)
    assert bergen["customBudget"] == 12500.5 and "budgetOptionId" not in bergen
    assert all(c.headers.get("token") for c in creates)
    oslo_id = state_of(ws)["oslo-flat"]["id"]
    assert plan(ws, tmp_path / "again.json").exit_code == 0

    before = {v["reference"]: v["id"] for v in _order(emulator, oslo_id)["campaignFieldValues"]}
    edit_campaigns(ws, "Bright flat at Majorstuen", "Sunny flat at Majorstuen")
    edited = plan(ws, tmp_path / "edit.json")
    assert edited.exit_code == 2, edited.output
    saved = json.loads((tmp_path / "edit.json").read_text())
    assert [(c["key"], c["action"], [d["path"] for d in c["diffs"]]) for c in saved["changes"]
            if c["action"] != "no-op"] == [("oslo-flat", "update", ["campaignFieldValues.headline.text"])]

    emulator.requests.clear()
    assert cli("apply", str(tmp_path / "edit.json")).exit_code == 0
    puts = calls(emulator, "PUT")
    assert [p.path for p in puts] == [f"/api/campaign-order/{oslo_id}"]
    assert calls(emulator, "GET", f"/api/campaign-order/{oslo_id}")  # ids read from the live order
    body = puts[0].body
    assert {v["reference"]: v["id"] for v in body["campaignFieldValues"]} == before
    assert next(v for v in body["campaignFieldValues"] if v["reference"] == "headline")["text"] == \
        "Sunny flat at Majorstuen"
    assert body["object"] == {"startDate": "2030-04-01", "endDate": "2030-04-14",
                              "landingPage": "https://oslo.example.no/listings/14"}
    assert body["budgetOptionId"] == 500 and "company" not in body["object"]
    assert plan(ws, tmp_path / "after.json").exit_code == 0

    emulator.ui_edit(oslo_id, {"campaignFieldValues": {"description": "Edited in the Skala UI"}})
    drift = cli("drift", str(ws))
    assert drift.exit_code == 2, drift.output
    assert "skala.oslo-flat" in drift.stdout
    assert 'campaignFieldValues.description.text: "Open house Sunday" (last applied) -> ' \
           '"Edited in the Skala UI"' in drift.stdout


def test_company_or_campaign_type_change_cannot_update_in_place(ws: Path, emulator: Emulator,
                                                                tmp_path: Path) -> None:
    applied(ws)
    edit_campaigns(ws, "company: {id: 11}", "company: {id: 10}")
    edit_campaigns(ws, "campaignType: {id: 100}", "campaignType: {id: 101}")
    result = plan(ws, tmp_path / "moved.json")
    assert "cannot update in place: Skala's update (PUT /api/campaign-order/{id}) cannot change an " \
           "order's company" in result.stdout
    assert "order's campaign type" in result.stdout
    saved = {c["key"]: c for c in json.loads((tmp_path / "moved.json").read_text())["changes"]}
    assert saved["bergen-jobs"]["action"] == saved["oslo-flat"]["action"] == "cannot-update"
    emulator.requests.clear()
    cli("apply", str(tmp_path / "moved.json"))
    assert calls(emulator, "PUT") == [] and calls(emulator, "POST", "/api/campaign-order") == []


def _drop_answer_of_first_create(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    """The platform stores the order, the client never hears back (FaultKind.DROP_AFTER)."""
    handle, dropped = emulator.handle, []

    def flaky(request: PlatformRequest):  # type: ignore[no-untyped-def]
        if request.method == "POST" and request.path == "/api/campaign-order" and not dropped:
            dropped.append(request.path)
            emulator.faults = FaultInjector(rate=1.0, kinds=(FaultKind.DROP_AFTER,))
            try:
                return handle(request)
            finally:
                emulator.faults = FaultInjector()
        return handle(request)

    monkeypatch.setattr(emulator, "handle", flaky)


def test_ambiguous_create_is_found_not_duplicated(ws: Path, emulator: Emulator, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    _drop_answer_of_first_create(emulator, monkeypatch)
    result = cli("apply", str(ws), "--auto-approve")
    assert result.exit_code == 0, result.output
    assert "found the created campaign by lookup" in result.output
    orders = emulator.backend.orders()
    assert len(orders) == 2 and len(calls(emulator, "POST", "/api/campaign-order")) == 2
    state = state_of(ws)
    assert sorted(r["id"] for r in state.values()) == sorted(str(o["id"]) for o in orders)
    assert plan(ws, tmp_path / "after.json").exit_code == 0


def test_pending_entry_left_by_a_crash_is_resolved_by_lookup(ws: Path, emulator: Emulator,
                                                             tmp_path: Path) -> None:
    oslo_id = applied(ws)["oslo-flat"]["id"]
    statemgr = state_manager_for(ws, ".provisioner")
    statemgr.load()
    statemgr.lock("test: simulate a crash after sending the create")
    entry = statemgr.state.resources["oslo-flat"]
    entry.status, entry.id = PENDING, None
    statemgr.record(entry)
    statemgr.compact()
    statemgr.unlock()

    emulator.requests.clear()
    result = plan(ws, tmp_path / "resume.json")
    assert result.exit_code == 2, result.output
    change = next(c for c in json.loads((tmp_path / "resume.json").read_text())["changes"]
                  if c["key"] == "oslo-flat")
    assert (change["action"], change["id"]) == ("adopt", oslo_id)
    assert "interrupted" in change["reason"]
    assert cli("apply", str(tmp_path / "resume.json")).exit_code == 0
    assert calls(emulator, "POST", "/api/campaign-order") == [] and len(emulator.backend.orders()) == 2
    assert (state_of(ws)["oslo-flat"]["status"], state_of(ws)["oslo-flat"]["id"]) == ("managed", oslo_id)


def test_campaign_type_name_needs_admin_at_plan_time(ws: Path, emulator: Emulator, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    edit_campaigns(ws, "campaignType: {id: 100}", "campaignType: {name: Property listing}")
    refused = plan(ws, tmp_path / "names.json")
    assert refused.exit_code == 1
    assert "campaign type names need an Admin login; give campaignType.id instead" in refused.stderr
    assert "'Property listing' in oslo-flat" in refused.stderr
    assert not (tmp_path / "names.json").exists()
    assert calls(emulator, "PUT") == [] and calls(emulator, "POST", "/api/campaign-order") == []
    assert [r.path for r in emulator.requests if r.method == "POST"] == ["/api/login", "/api/logout"]

    monkeypatch.setenv("SKALA_USERNAME", ADMIN)  # an Admin may list campaign types
    assert cli("apply", str(ws), "--auto-approve").exit_code == 0
    oslo = next(c.body for c in calls(emulator, "POST", "/api/campaign-order")
                if c.body["object"]["company"]["id"] == 10)
    assert oslo["object"]["campaignType"] == {"id": 100}
    assert plan(ws, tmp_path / "after.json").exit_code == 0


def test_company_outside_the_login_rights_fails_at_plan_time(ws: Path, emulator: Emulator,
                                                             tmp_path: Path) -> None:
    edit_campaigns(ws, "company: {id: 11}", "company: {id: 20}")
    refused = plan(ws, tmp_path / "other.json")
    assert refused.exit_code == 1
    assert "read company 20: HTTP 403" in refused.stderr
    assert "this login lacks the right: CompanyUser for company 20" in refused.stderr
    assert calls(emulator, "POST", "/api/campaign-order") == []


def test_secrets_never_shown_and_logout_ends_every_run(ws: Path, emulator: Emulator, tmp_path: Path) -> None:
    outputs = [plan(ws, tmp_path / "p.json"), cli("apply", str(tmp_path / "p.json")),
               cli("drift", str(ws)), cli("show", str(ws), "--format", "json")]
    tokens = {r.headers["token"] for r in emulator.requests if "token" in r.headers}
    assert tokens
    logins = [r for r in emulator.requests if r.path == "/api/login"]
    logouts = [r for r in emulator.requests if r.path == "/api/logout"]
    assert logins[0].body == {"username": USERNAME, "password": PASSWORD}
    assert len(logouts) == len(logins) == 3  # plan, apply, drift; show talks to no platform
    assert {r.headers["token"] for r in logouts} <= tokens
    assert emulator.requests[-1].path == "/api/logout" and emulator.requests[-1].status == 200
    files = [p.read_text() for p in [*ws.rglob("*"), *tmp_path.glob("*.json")] if p.is_file()
             and "platform" not in p.parts]
    texts = [o.output for o in outputs] + files
    for secret in (USERNAME, PASSWORD, *tokens):
        assert not any(secret in text for text in texts)


def test_prune_cancels_the_order(ws: Path, emulator: Emulator, tmp_path: Path) -> None:
    bergen_id = applied(ws)["bergen-jobs"]["id"]
    text = (ws / "campaigns.yaml").read_text()
    (ws / "campaigns.yaml").write_text(text[:text.index("  bergen-jobs:")])
    result = cli("plan", str(ws), "--out", str(tmp_path / "prune.json"), "--prune")
    assert result.exit_code == 0, result.output
    assert cli("apply", str(tmp_path / "prune.json")).exit_code == 0
    assert [p.path for p in calls(emulator, "PUT")] == [f"/api/campaign-order/{bergen_id}/cancel"]
    assert _order(emulator, bergen_id)["status"] == "CANCELLED" and "bergen-jobs" not in state_of(ws)
