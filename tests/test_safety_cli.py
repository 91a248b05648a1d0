"""Issue 11's safety features through the CLI on the emulators: drift that tells the platform's own
changes from a person's, `ignore:` rules, flight-date checks with the injected clock, Skala's
campaign-type rules at plan time, and ownership (not-owned, `adopt: true`, `protect: true`)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from provisioner.sandbox.core import Emulator
from provisioner.sandbox.server import EmulatorServer
from tests.conftest import Platforms, cli, make_workspace, serving, skala_providers, state_of

TOPSORT = """\
providers:
  topsort:
    base_url: {url}
    api_key: ${{env:TOPSORT_API_KEY}}
    vendor_id: acme-shoes
    currency: EUR
"""
SALE = """\
campaigns:
  spring-sale:
    provider: topsort
    name: Spring sale
    budget: {amount: 50000, type: daily}
    startDate: START
    endDate: 2031-03-31T00:00:00Z
    bids: [{amount: 25, target: {type: product, id: p_8983}}]
"""


def topsort_workspace(root: Path, platforms: Platforms, start: str = "2030-03-01T00:00:00Z",
                      extra: str = "") -> Path:
    return make_workspace(root, TOPSORT.format(url=platforms.url("topsort")),
                          SALE.replace("START", start) + extra)


def edit(root: Path, old: str, new: str) -> None:
    text = (root / "campaigns.yaml").read_text()
    assert old in text
    (root / "campaigns.yaml").write_text(text.replace(old, new, 1))


def writes(platforms: Platforms, name: str) -> list[Any]:
    return [r for r in platforms.requests(name) if r.method in ("POST", "PATCH", "PUT", "DELETE")]


def drift_json(root: Path) -> tuple[int, dict[str, Any]]:
    result = cli("drift", str(root), "--format", "json")
    return result.exit_code, json.loads(result.stdout)


# -- drift: the platform's own changes apart from a person's --------------------------------------
def test_drift_exits_2_for_the_budget_edit_only_and_lists_the_moved_start_as_the_platform(
        tmp_path: Path, platforms: Platforms, secret_env: dict[str, str]) -> None:
    root = topsort_workspace(tmp_path / "ws", platforms, start="2024-01-01T00:00:00Z")
    planned = cli("plan", str(root), "--out", str(tmp_path / "p.json"))
    assert planned.exit_code == 0, planned.output
    assert ("warning: startDate 2024-01-01T00:00:00Z is in the past: Topsort sets a start date in the past "
            "to the creation time") in planned.stdout
    assert cli("apply", str(tmp_path / "p.json")).exit_code == 0
    campaign_id = state_of(root)["spring-sale"]["id"]
    live = platforms.emulator("topsort").backend.get_campaign(campaign_id)
    assert live["startDate"] == live["createdAt"]  # the platform moved the past start to now

    # Nothing changed by a person yet: the moved start is reported, but it is not drift.
    code, report = drift_json(root)
    assert code == 0
    assert [(d["kind"], [f["path"] for f in d["diffs"]]) for d in report["drift"]] == [
        ("platform-changed", ["startDate"])]

    platforms.emulator("topsort").backend.ui_edit(campaign_id, {"budget": {"amount": 90000, "type": "daily"}})
    drift = cli("drift", str(root))
    assert drift.exit_code == 2, drift.output
    assert "Drift: 1 campaign(s) changed outside provisioner." in drift.stdout
    assert "budget.amount: 50000 (last applied) -> 90000 (live)" in drift.stdout
    human, platform = drift.stdout.split("Changed by the platform itself")
    assert "startDate" not in human and "budget.amount" not in platform
    assert "Topsort set the start date, which was in the past at creation, to the creation time" in platform
    code, report = drift_json(root)
    assert code == 2
    assert sorted((d["kind"], f["path"]) for d in report["drift"] for f in d["diffs"]) == [
        ("changed", "budget.amount"), ("platform-changed", "startDate")]
    # the plan would not send the past start again (the platform would only move it again)
    replanned = cli("plan", str(root), "--no-save", "--format", "json")
    change = json.loads(replanned.stdout)["changes"][0]
    assert (change["action"], [d["path"] for d in change["diffs"]]) == ("update", ["budget.amount"])

    # With the budget ignored, drift is clean and the plan neither updates nor hides it.
    edit(root, "    provider: topsort\n", "    provider: topsort\n    ignore: [budget.amount]\n")
    code, report = drift_json(root)
    assert code == 0
    assert [d["kind"] for d in report["drift"]] == ["platform-changed"]
    ignoring = cli("plan", str(root), "--no-save", "--detailed-exitcode")
    assert ignoring.exit_code == 0, ignoring.output
    assert "Ignored (ignore: rules), left as they are on the platform:" in ignoring.stdout
    assert "topsort.spring-sale: budget.amount: 90000 (live), 50000 (config)" in ignoring.stdout
    assert not [r for r in writes(platforms, "topsort") if r.method == "PATCH"]


def test_a_person_moving_a_running_campaigns_start_is_drift(tmp_path: Path, platforms: Platforms,
                                                             secret_env: dict[str, str]) -> None:
    """Today's bug: a later live start was excused whenever the recorded start had passed."""
    root = topsort_workspace(tmp_path / "ws", platforms, start="2024-01-01T00:00:00Z")
    assert cli("apply", str(root), "--auto-approve").exit_code == 0
    campaign_id = state_of(root)["spring-sale"]["id"]
    platforms.emulator("topsort").backend.ui_edit(campaign_id, {"startDate": "2030-02-01T00:00:00Z"})
    code, report = drift_json(root)
    assert code == 2
    assert [(d["kind"], [f["path"] for f in d["diffs"]]) for d in report["drift"]] == [
        ("changed", ["startDate"])]


def test_budget_change_with_another_budget_field_ignored_keeps_the_live_value(
        tmp_path: Path, platforms: Platforms, secret_env: dict[str, str]) -> None:
    """Topsort's update resends the whole budget: the ignored amount must go back as it is live."""
    root = topsort_workspace(tmp_path / "ws", platforms, extra="    ignore: [budget.amount]\n")
    assert cli("apply", str(root), "--auto-approve").exit_code == 0
    campaign_id = state_of(root)["spring-sale"]["id"]
    backend = platforms.emulator("topsort").backend
    backend.ui_edit(campaign_id, {"budget": {"amount": 70000, "type": "daily"}})
    edit(root, "type: daily", "type: weekly")
    # the spend summary (and so the policy) counts what apply sends: the live amount, not the config's
    planned = cli("plan", str(root), "--no-save")
    assert "topsort EUR weekly: 0.00 -> 700.00 (+700.00)" in planned.stdout, planned.output
    assert cli("apply", str(root), "--auto-approve").exit_code == 0
    assert {k: backend.get_campaign(campaign_id)["budget"][k] for k in ("amount", "type")} == {
        "amount": 70000, "type": "weekly"}


def test_ignore_paths_are_validated(tmp_path: Path, platforms: Platforms, secret_env: dict[str, str]) -> None:
    root = topsort_workspace(tmp_path / "ws", platforms, extra="    ignore: [budgt.amount]\n")
    result = cli("validate", str(root))
    assert result.exit_code == 1
    assert "campaigns.spring-sale.ignore: 'budgt.amount' names no field: 'budgt' is unknown " \
           "(did you mean 'budget'?)" in result.output


# -- flight dates, with the injected clock ----------------------------------------------------------
def test_create_with_a_past_end_date_is_refused_by_plan_with_zero_writes(
        tmp_path: Path, platforms: Platforms, secret_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROVISIONER_NOW", "2031-06-01T00:00:00Z")  # the flight ended on 2031-03-31
    root = topsort_workspace(tmp_path / "ws", platforms)
    planned = cli("plan", str(root), "--out", str(tmp_path / "p.json"), "--detailed-exitcode")
    assert planned.exit_code == 2, planned.output
    assert "! topsort.spring-sale: invalid" in planned.stdout
    assert "endDate 2031-03-31T00:00:00Z has already passed (now is 2031-06-01T00:00:00Z)" in planned.stdout
    assert "1 refused before any write" in planned.stdout
    applied = cli("apply", str(tmp_path / "p.json"))
    assert applied.exit_code == 1
    assert "spring-sale: invalid FAILED [invalid]" in applied.stdout
    assert writes(platforms, "topsort") == [] and state_of(root) == {}


def test_budget_increase_after_the_flight_ended_is_a_warning(
        tmp_path: Path, platforms: Platforms, secret_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    root = topsort_workspace(tmp_path / "ws", platforms)
    assert cli("apply", str(root), "--auto-approve").exit_code == 0
    edit(root, "amount: 50000", "amount: 80000")
    monkeypatch.setenv("PROVISIONER_NOW", "2031-06-01T00:00:00Z")
    planned = cli("plan", str(root), "--no-save")
    assert "~ topsort.spring-sale" in planned.stdout
    assert ("warning: budget.amount increases from 50000 to 80000, but the flight ended at 2031-03-31T00:00:00Z "
            "(endDate): the campaign spends nothing more unless its dates change") in planned.stdout


# -- ownership ---------------------------------------------------------------------------------------
def test_a_campaign_another_workspace_created_is_not_taken_over(
        tmp_path: Path, platforms: Platforms, secret_env: dict[str, str]) -> None:
    first = topsort_workspace(tmp_path / "first", platforms)
    assert cli("apply", str(first), "--auto-approve").exit_code == 0
    owner_id = state_of(first)["spring-sale"]["id"]
    platforms.clear()

    second = topsort_workspace(tmp_path / "second", platforms)  # the same key, another workspace
    edit(second, "amount: 50000", "amount: 1000")
    planned = cli("plan", str(second), "--out", str(tmp_path / "p.json"), "--detailed-exitcode")
    assert planned.exit_code == 2, planned.output
    assert f"! topsort.spring-sale (id {owner_id}): not-owned" in planned.stdout
    assert "this workspace did not create it" in planned.stdout and "adopt: true" in planned.stdout
    assert cli("apply", str(tmp_path / "p.json")).exit_code == 1
    assert writes(platforms, "topsort") == [] and state_of(second) == {}

    edit(second, "    provider: topsort\n", "    provider: topsort\n    adopt: true\n")
    adopted = cli("apply", str(second), "--auto-approve")
    assert adopted.exit_code == 0, adopted.output
    assert state_of(second)["spring-sale"]["id"] == owner_id
    assert [r.method for r in writes(platforms, "topsort")] == ["PATCH"]  # the budget, no second create


def test_protect_forbids_retiring_and_recreating(tmp_path: Path, platforms: Platforms,
                                                 secret_env: dict[str, str]) -> None:
    root = topsort_workspace(tmp_path / "ws", platforms, extra="    protect: true\n")
    assert cli("apply", str(root), "--auto-approve").exit_code == 0
    assert state_of(root)["spring-sale"].get("protected") is True
    campaign_id = state_of(root)["spring-sale"]["id"]

    (root / "campaigns.yaml").write_text("campaigns: {}\n")
    platforms.clear()
    pruned = cli("plan", str(root), "--prune", "--out", str(tmp_path / "prune.json"), "--detailed-exitcode")
    assert pruned.exit_code == 2, pruned.output
    assert "! topsort.spring-sale" in pruned.stdout and "protect: true" in pruned.stdout
    assert cli("apply", str(tmp_path / "prune.json")).exit_code == 1
    assert writes(platforms, "topsort") == []
    assert platforms.emulator("topsort").backend.get_campaign(campaign_id)["isActive"] is True

    # gone from the platform: creating a new one is not a change made in place
    protected = SALE.replace("START", "2030-03-01T00:00:00Z") + "    protect: true\n"
    (root / "campaigns.yaml").write_text(protected)
    platforms.emulator("topsort").backend.delete_campaign(campaign_id)
    recreate = cli("plan", str(root), "--no-save", "--format", "json")
    change = json.loads(recreate.stdout)["changes"][0]
    assert change["action"] == "protected" and "no longer exists on the platform" in change["reason"]


# -- Skala campaign-type rules ------------------------------------------------------------------------
SKALA_ORDER = """\
campaigns:
  oslo-flat:
    provider: skala
    company: {id: 10}
    campaignType: {id: 100}
    startDate: 2030-04-01
    endDate: 2030-04-14
    landingPage: https://oslo.example.no/listings/14
    campaignFieldValues:
      headline: {type: FREETEXT, text: "HEADLINE"}
      image: {type: PICTURE, picture: {id: 3301}}
    budgetOptionId: 500
"""
LONG_HEADLINE = "Bright three-room flat at Majorstuen Oslo"  # 41 characters; the type allows 40


@pytest.fixture
def skala(tmp_path: Path) -> Iterator[EmulatorServer]:
    yield from serving("skala", tmp_path / "skala-platform")


def skala_workspace(root: Path, server: EmulatorServer, username: str, headline: str,
                    monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SKALA_USERNAME", username)
    monkeypatch.setenv("SKALA_PASSWORD", "pw-SECRET-0a9e77")
    return make_workspace(root, skala_providers(server.url), SKALA_ORDER.replace("HEADLINE", headline))


def order_writes(emulator: Emulator) -> list[Any]:
    return [r for r in emulator.requests if r.method in ("POST", "PUT") and r.path.startswith("/api/campaign-order")]


def test_skala_headline_too_long_is_refused_at_plan_time_with_an_admin_login(
        tmp_path: Path, skala: EmulatorServer, monkeypatch: pytest.MonkeyPatch) -> None:
    assert len(LONG_HEADLINE) == 41
    root = skala_workspace(tmp_path / "ws", skala, "admin.kari.9b1d", LONG_HEADLINE, monkeypatch)
    planned = cli("plan", str(root), "--out", str(tmp_path / "p.json"), "--detailed-exitcode")
    assert planned.exit_code == 2, planned.output
    assert "! skala.oslo-flat: invalid" in planned.stdout
    assert ("skala would refuse it: campaignFieldValues.headline.text: 41 characters; campaign type "
            "'Property listing' allows at most 40 (maxLength)") in planned.stdout
    assert cli("apply", str(tmp_path / "p.json")).exit_code == 1
    assert order_writes(skala.emulator) == [] and skala.emulator.backend.orders() == []

    edit(root, LONG_HEADLINE, LONG_HEADLINE[:40])  # within the rule: planned and applied
    fixed = cli("apply", str(root), "--auto-approve")
    assert fixed.exit_code == 0, fixed.output
    assert len(skala.emulator.backend.orders()) == 1


def test_skala_rules_are_reported_unchecked_with_a_company_user_login(
        tmp_path: Path, skala: EmulatorServer, monkeypatch: pytest.MonkeyPatch) -> None:
    root = skala_workspace(tmp_path / "ws", skala, "ola.nordmann.7f3e", LONG_HEADLINE, monkeypatch)
    planned = cli("plan", str(root), "--out", str(tmp_path / "p.json"), "--detailed-exitcode")
    assert planned.exit_code == 2, planned.output
    assert "+ skala.oslo-flat: create" in planned.stdout
    assert ("Warning: skala: platform rules are unchecked for oslo-flat: campaign type rules (required fields, "
            "text lengths, select options, budget options) are checked by Skala only when the order is sent: "
            "campaign types are readable by Admins only, and this login is not one") in planned.stdout
    assert order_writes(skala.emulator) == []
    # ... and the emulator enforces the documented rule, so the failure at apply is real
    applied = cli("apply", str(tmp_path / "p.json"))
    assert applied.exit_code == 1
    assert "is longer than 40 characters" in applied.stdout
    assert skala.emulator.backend.orders() == []


def test_skala_select_option_and_required_field_are_checked(
        tmp_path: Path, skala: EmulatorServer, monkeypatch: pytest.MonkeyPatch) -> None:
    root = skala_workspace(tmp_path / "ws", skala, "admin.kari.9b1d", "Fine", monkeypatch)
    edit(root, "      image: {type: PICTURE, picture: {id: 3301}}\n",
         "      cta: {type: SELECT, text: BUY_NOW}\n")
    change = json.loads(cli("plan", str(root), "--no-save", "--format", "json").stdout)["changes"][0]
    assert change["action"] == "invalid"
    assert "campaignFieldValues.image: required by campaign type 'Property listing'" in change["reason"]
    assert "campaignFieldValues.cta.text: 'BUY_NOW' is not an option of campaign type 'Property listing' " \
           "(LEARN_MORE, SIGN_UP)" in change["reason"]
