"""The load cache writes the campaigns' declared values by column: what campaigns repeat is one
object for all of them after a warm load, and the warm load still equals the cold one exactly
(values, their types, the key order of every mapping); a damaged or older cache loads cold, and
plan → apply → drift → apply → plan over the shared values changes no other campaign."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from provisioner.config.cache import CACHE_FORMAT, cache_path, read_cache, write_cache
from provisioner.config.models import CachedCampaignConfig
from provisioner.config.workspace import load_workspace
from provisioner.sandbox.core import Emulator
from provisioner.sandbox.server import EmulatorServer
from tests.conftest import cli, make_workspace, serving, skala_providers, state_of


def _typed(value: Any) -> Any:
    """A value with every mapping's key order and every leaf's type spelt out (1, 1.0, True apart)."""
    if isinstance(value, dict):
        return ["dict", [(key, _typed(item)) for key, item in value.items()]]
    if isinstance(value, list):
        return ["list", [_typed(item) for item in value]]
    return [type(value).__name__, repr(value)]


def _rows(declared: list[dict[str, Any]]) -> list[list[Any]]:
    return [[f"k{n}", "skala", "skala", "c.yaml", n + 1, values] for n, values in enumerate(declared)]


def _round_trip(tmp_path: Path, declared: list[dict[str, Any]]) -> list[dict[str, Any]]:
    write_cache(tmp_path, "key", {"campaigns": _rows(declared)})
    cached = read_cache(tmp_path, "key")
    assert cached is not None
    return [row[5] for row in cached["campaigns"]]


CTA = {"type": "SELECT", "text": "LEARN_MORE"}


def _skala(n: int, **more: Any) -> dict[str, Any]:
    return {"company": {"id": 10}, "campaignType": {"id": 100}, "startDate": "2030-04-01",
            "landingPage": f"https://example.com/{n}",
            "campaignFieldValues": {"headline": {"type": "FREETEXT", "text": f"Open house {n}"},
                                    "image": {"type": "PICTURE", "picture": {"id": 3301}}, "cta": dict(CTA)},
            "budgetOptionId": 500, **more}


def test_repeated_values_are_one_object_and_every_campaign_reads_back_equal(tmp_path: Path) -> None:
    declared = [_skala(n) for n in range(6)] + [_skala(6, extra=[1, 2])] + [{}] + [_skala(n) for n in range(8, 10)]
    warm = _round_trip(tmp_path, declared)
    assert [_typed(values) for values in warm] == [_typed(values) for values in declared]
    first, second = warm[0], warm[1]
    assert second["company"] is first["company"] and second["campaignType"] is first["campaignType"]
    assert second["campaignFieldValues"]["image"] is first["campaignFieldValues"]["image"]
    assert second["campaignFieldValues"]["cta"] is first["campaignFieldValues"]["cta"]
    assert second["campaignFieldValues"] is not first["campaignFieldValues"]  # their headlines differ
    assert len({id(values) for values in warm}) == len(warm)  # each campaign's own mapping
    assert warm[9]["company"] is first["company"]  # the same shape after campaigns of another


def test_writing_the_cache_leaves_the_cold_values_sharing_what_they_repeat(tmp_path: Path) -> None:
    declared = [_skala(n) for n in range(4)]
    before = [_typed(values) for values in declared]
    write_cache(tmp_path, "key", {"campaigns": _rows(declared)})
    assert [_typed(values) for values in declared] == before  # equal values, key order and types
    assert declared[1]["company"] is declared[0]["company"]
    assert declared[3]["campaignFieldValues"]["cta"] is declared[0]["campaignFieldValues"]["cta"]


def test_values_json_would_change_are_neither_cached_nor_shared(tmp_path: Path) -> None:
    declared = [{"a": [1, 2]}, {"a": (1, 2)}, {"a": [1, 2]}]  # a tuple and a list: JSON spells them alike
    write_cache(tmp_path, "key", {"campaigns": _rows(declared)})
    assert not cache_path(tmp_path).exists()
    assert [type(values["a"]) for values in declared] == [list, tuple, list]
    assert declared[2]["a"] is not declared[0]["a"]


@pytest.mark.parametrize("values", [
    [1, True, 1.0, "1", None, 0, 0.0, -0.0, [1], {"x": 1}],  # equal in Python, apart in JSON
    [1, True, 1.0, 0, False, 0.0, -0.0],  # ... numbers only
    [{"x": 1, "y": 2}, {"y": 2, "x": 1}],  # the same items in another order
])
def test_values_json_spells_apart_are_never_merged(tmp_path: Path, values: list[Any]) -> None:
    declared = [{"a": {"v": value}, "b": {"v": value}} for value in values for _ in range(3)]
    warm = _round_trip(tmp_path, declared)
    assert [_typed(row) for row in warm] == [_typed(row) for row in declared]
    for n in range(0, len(warm), 3):
        assert warm[n]["a"] is warm[n + 1]["a"] is warm[n + 2]["a"]  # what is spelt alike is shared
        assert all(warm[n]["a"] is not warm[m]["a"] for m in range(0, len(warm), 3) if m != n)


SKALA_CAMPAIGN = """\
  {key}:
    provider: skala
    company: {{id: 10}}
    campaignType: {{id: 100}}
    startDate: 2030-04-01
    endDate: 2030-04-14
    campaignFieldValues:
      headline: {{type: FREETEXT, text: Flat {key}}}
      description: {{type: FREETEXT, text: Open house Sunday}}
      image: {{type: PICTURE, picture: {{id: 3301}}}}
    budgetOptionId: 500
"""
KEYS = ("a-flat", "b-flat", "c-flat")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[EmulatorServer]:
    yield from serving("skala", tmp_path / "platform")


@pytest.fixture
def ws(tmp_path: Path, server: EmulatorServer, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SKALA_USERNAME", "ola.nordmann.7f3e")
    monkeypatch.setenv("SKALA_PASSWORD", "pw-SECRET-51c2d9")
    campaigns = "campaigns:\n" + "".join(SKALA_CAMPAIGN.format(key=key) for key in KEYS)
    return make_workspace(tmp_path / "ws", skala_providers(server.url), campaigns)


def _declared(root: Path) -> list[Any]:
    return [_typed(c.desired) for c in load_workspace([root]).campaigns.values()]


def test_a_warm_load_shares_what_campaigns_repeat_and_equals_the_cold_one(ws: Path) -> None:
    cold = load_workspace([ws])
    assert not any(isinstance(c, CachedCampaignConfig) for c in cold.campaigns.values())
    assert cold.campaigns[KEYS[1]].desired["company"] is cold.campaigns[KEYS[0]].desired["company"]
    warm = load_workspace([ws])
    assert all(isinstance(c, CachedCampaignConfig) for c in warm.campaigns.values())
    assert [_typed(c.desired) for c in warm.campaigns.values()] == [_typed(c.desired) for c in cold.campaigns.values()]
    first, second = (warm.campaigns[key].desired for key in KEYS[:2])
    assert second["company"] is first["company"]
    assert second["campaignFieldValues"]["image"] is first["campaignFieldValues"]["image"]
    assert warm.digest() == cold.digest()


@pytest.mark.parametrize("damage", [
    lambda d: d["declared"][0].__setitem__(0, 2),  # fewer campaigns in the group than rows naming it
    lambda d: d["declared"][0].__setitem__(0, 4),  # more
    lambda d: d["campaigns"][0].__setitem__(5, 7),  # a group that is not there
    lambda d: d["declared"][0][2][0].__setitem__(0, 9),  # a column of no known kind
    lambda d: d["declared"][0][1].__setitem__(0, 5),  # a key that is not text
    lambda d: d.pop("declared"),
])
def test_a_damaged_column_loads_cold(ws: Path, damage: Any) -> None:
    cold = _declared(ws)
    path = cache_path(ws)
    document = json.loads(path.read_text())
    assert document["format"] == CACHE_FORMAT and len(document["declared"]) == 1
    damage(document)
    path.write_text(json.dumps(document))
    assert not any(isinstance(c, CachedCampaignConfig) for c in load_workspace([ws]).campaigns.values())
    assert _declared(ws) == cold
    assert cli("validate", str(ws)).exit_code == 0


def test_a_cache_of_the_previous_format_is_ignored(ws: Path) -> None:
    cold = _declared(ws)
    path = cache_path(ws)
    document = json.loads(path.read_text())
    groups = document.pop("declared")
    for row in document["campaigns"]:  # as format 2 wrote it: each row's declared mapping in full
        row[5] = cold[0] if isinstance(row[5], int) else row[5]
    document["format"] = 2
    path.write_text(json.dumps(document))
    assert groups and not any(isinstance(c, CachedCampaignConfig) for c in load_workspace([ws]).campaigns.values())


def test_plan_apply_drift_apply_plan_over_shared_values_changes_no_other_campaign(ws: Path,
                                                                                  server: EmulatorServer) -> None:
    emulator: Emulator = server.emulator
    assert cli("plan", str(ws), "--no-save", "--detailed-exitcode").exit_code == 2  # cold: writes the cache
    warm = load_workspace([ws])
    shared = [warm.campaigns[key].desired for key in KEYS]
    assert shared[1]["company"] is shared[0]["company"]
    declared = copy.deepcopy(shared)

    assert cli("apply", str(ws), "--auto-approve").exit_code == 0  # warm load, every create in one process
    assert [state_of(ws)[key]["attrs"] for key in KEYS] == declared
    assert cli("plan", str(ws), "--no-save", "--detailed-exitcode").exit_code == 0

    order_id = state_of(ws)["b-flat"]["id"]  # drift on one campaign: apply puts it back
    emulator.ui_edit(order_id, {"campaignFieldValues": {"description": "Edited in the Skala UI"}})
    emulator.requests.clear()
    updated = cli("apply", str(ws), "--auto-approve")
    assert updated.exit_code == 0, updated.output
    assert [r.path for r in emulator.requests if r.method == "PUT"] == [f"/api/campaign-order/{order_id}"]
    assert [state_of(ws)[key]["attrs"] for key in KEYS] == declared
    assert cli("plan", str(ws), "--no-save", "--detailed-exitcode").exit_code == 0
    assert [load_workspace([ws]).campaigns[key].desired for key in KEYS] == declared
