"""Repeated strings of per-campaign data are one object each (memory at 50,000 campaigns), and
sharing them changes no value: the state loads to the same entries and dumps to the same bytes,
and refresh reads the same live campaigns."""

from __future__ import annotations

import copy
import json
from pathlib import Path

from provisioner.engine import make_plan, open_run
from provisioner.plans.action import Action, DriftKind
from provisioner.plans.change import DriftEntry, FieldDiff, ResourceChange
from provisioner.providers.base import LiveCampaign
from provisioner.providers.http import HttpContext
from provisioner.refresh import refresh
from provisioner.sandboxing import Sandboxes, SandboxOptions
from provisioner.sharing import share_strings
from provisioner.states.state import ResourceState
from provisioner.states.statefile import dump_state, load_state
from provisioner.testing.converge import converge
from tests.reliability import workspace_gen


def _fresh(text: str) -> str:
    return (text + ".")[:-1]  # an equal string that is a distinct object (as the JSON decoder makes them)


def test_share_strings_makes_equal_strings_one_object_and_changes_no_value() -> None:
    start, kind = "2030-03-01T00:00:00Z", "daily"
    values = [{"startDate": _fresh(start), "budget": {"type": _fresh(kind), "amount": 1500},
               "tags": [_fresh(kind), [_fresh(start)], {"t": _fresh(kind)}], "active": True, "n": None}
              for _ in range(3)]
    before = copy.deepcopy(values)
    memo: dict[str, str] = {}
    for value in values:
        share_strings(value, memo)
    assert values == before  # the same values, keys and order
    assert [list(v) for v in values] == [list(v) for v in before]
    first = values[0]
    for value in values[1:]:
        assert value["startDate"] is first["startDate"]
        assert value["budget"]["type"] is first["budget"]["type"] is first["tags"][0]
        assert value["tags"][1][0] is first["startDate"]
        assert value["tags"][2]["t"] is first["budget"]["type"]
    assert values[1]["startDate"] is not before[1]["startDate"]  # really replaced, not by chance


def _state_text(count: int) -> str:
    resources = {f"k{i}": {"key": f"k{i}", "provider": "topsort", "provider_type": "topsort", "status": "managed",
                           "id": f"id-{i}", "attrs": {"name": f"N{i}", "startDate": "2030-03-01T00:00:00Z",
                                                       "budget": {"amount": 1500, "type": "daily"},
                                                       "tags": ["a", "b"]},
                           "outputs": {"url": "https://x/y"}, "updated_at": "2030-01-01T00:00:00Z",
                           "created_at": "2030-01-01T00:00:00Z", "applied_by": {"commit": "abc", "run": "1"}}
                 for i in range(count)}
    return json.dumps({"format_version": 1, "lineage": "L", "serial": 3, "resources": resources},
                      indent=1, sort_keys=True)


def test_loaded_state_shares_its_repeated_strings_and_dumps_to_the_same_bytes() -> None:
    text = _state_text(3)
    state = load_state(text, "state.json")
    assert dump_state(state) == text
    first, second = state.resources["k0"], state.resources["k1"]
    assert second.attrs["startDate"] is first.attrs["startDate"]
    assert second.attrs["budget"]["type"] is first.attrs["budget"]["type"]
    assert second.attrs["tags"][0] is first.attrs["tags"][0]
    assert second.outputs["url"] is first.outputs["url"]
    assert second.updated_at is first.updated_at is first.created_at
    assert second.provider is first.provider and second.status is first.status
    assert first.key == "k0" and first.id == "id-0" and second.attrs["name"] == "N1"


def test_entries_without_outputs_or_ci_details_share_one_empty_mapping_and_dump_the_same() -> None:
    data = json.loads(_state_text(3))
    for name in ("k1", "k2"):
        data["resources"][name]["outputs"] = {}
        del data["resources"][name]["applied_by"]
    text = json.dumps(data, indent=1, sort_keys=True)
    state = load_state(text, "state.json")
    assert dump_state(state) == text
    first, second, third = (state.resources[k] for k in ("k0", "k1", "k2"))
    assert second.outputs is third.outputs is second.applied_by is third.applied_by == {}
    assert first.outputs == {"url": "https://x/y"} and first.applied_by == {"commit": "abc", "run": "1"}


def test_refresh_shares_repeated_live_strings_and_reads_the_same_campaigns(tmp_path: Path) -> None:
    root = workspace_gen.write(tmp_path / "ws", 3)
    context = HttpContext(sleep=lambda seconds: None)
    sandboxes = Sandboxes(SandboxOptions())
    assert converge([root], context, sandboxes=sandboxes).converged
    run = open_run([str(root)], context, sandboxes=sandboxes)
    assert not make_plan(run).has_changes()  # plans exactly as before, after sharing
    views = refresh(run.workspace, run.statemgr.state, run.sessions)
    run.close()
    topsort = views["topsort"].campaigns
    assert len(topsort) == 3
    first, second = topsort[0].fields, topsort[1].fields
    assert first["startDate"] == second["startDate"] and first["startDate"] is second["startDate"]
    assert first["budget"]["type"] is second["budget"]["type"]
    assert first["name"] != second["name"]


def test_per_campaign_records_keep_no_instance_dict() -> None:
    # slots: a per-campaign __dict__ costs ~100-200 bytes each, 50,000 times over
    records = [LiveCampaign("1", {"a": 1}), ResourceState("k", "p", "t"),
               ResourceChange("k", "p", "t", Action.NOOP), FieldDiff("a", 1, 2),
               DriftEntry("k", "p", "1", DriftKind.CHANGED)]
    for record in records:
        assert not hasattr(record, "__dict__"), type(record).__name__
    live = LiveCampaign("1", {"name": "A"}, key="k", name="A")
    assert live == LiveCampaign("1", {"name": "A"}, key="k", name="A") and live.outputs == {}
