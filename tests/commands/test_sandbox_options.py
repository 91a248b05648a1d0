"""Fault injection for `base_url: sandbox` is read from the environment by the CLI alone, and
reaches the in-process emulators through the engine."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import cli, make_workspace

PROVIDERS = "providers:\n  topsort: {base_url: sandbox, vendor_id: v, currency: EUR, max_retries: 0}\n"
CAMPAIGNS = """\
campaigns:
  t1:
    provider: topsort
    name: T1
    budget: {amount: 100, type: daily}
    startDate: 2030-03-01T00:00:00Z
    endDate: 2030-03-31T00:00:00Z
    bids: [{amount: 5, target: {type: product, id: p1}}]
"""


def test_sandbox_faults_from_the_environment_reach_the_emulator(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_workspace(tmp_path / "ws", PROVIDERS, CAMPAIGNS)
    calm = cli("plan", str(root), "--no-save")
    assert calm.exit_code == 0 and "+ topsort.t1" in calm.stdout
    monkeypatch.setenv("PROVISIONER_SANDBOX_FAULTS", "1:500")  # every request fails
    monkeypatch.setenv("PROVISIONER_SANDBOX_SEED", "7")
    faulty = cli("plan", str(root), "--no-save")
    assert faulty.exit_code == 1 and "topsort: cannot read live state" in faulty.stderr


def test_read_errors_travel_in_the_plan_document(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_workspace(tmp_path / "ws", PROVIDERS, CAMPAIGNS)
    monkeypatch.setenv("PROVISIONER_SANDBOX_FAULTS", "1:503")
    drift = cli("drift", str(root), "--format", "json")
    assert drift.exit_code == 1
    document = json.loads(drift.stdout)
    assert list(document["read_errors"]) == ["topsort"] and "503" in document["read_errors"]["topsort"]
    assert "Error: topsort: cannot read live state:" in drift.stderr


def test_provisioner_now_pins_the_plans_clock(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_workspace(tmp_path / "ws", PROVIDERS, CAMPAIGNS)
    monkeypatch.setenv("PROVISIONER_NOW", "2031-05-04T12:00:00+02:00")
    result = cli("plan", str(root), "--no-save", "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["created_at"] == "2031-05-04T10:00:00Z"
    monkeypatch.setenv("PROVISIONER_NOW", "next tuesday")
    refused = cli("plan", str(root), "--no-save")
    assert refused.exit_code == 1 and "PROVISIONER_NOW='next tuesday' is not an ISO 8601 time" in refused.stderr
