"""The workspace load cache: a warm load equals a cold one, any change of the files, the referenced
environment values or a corrupt cache file means a cold load, and the cache never holds a secret."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from provisioner.config.cache import CACHE_FORMAT, cache_path, read_cache, write_cache
from provisioner.config.models import CachedCampaignConfig, Workspace
from provisioner.config.workspace import load_workspace
from provisioner.errors import ConfigError
from tests.conftest import cli, make_workspace

SECRET = "sk-live-SECRET-value-31"
PROVIDERS = ("providers:\n  topsort: {base_url: 'https://api.topsort.example', vendor_id: v1, currency: EUR, "
             "api_key: '${env:TOPSORT_KEY}'}\n")
CAMPAIGNS = """\
campaigns:
  spring-sale:
    provider: topsort
    name: Spring sale
    budget: {amount: 50000, type: daily}
    startDate: 2030-03-01T00:00:00Z
    endDate: 2030-03-31T00:00:00+02:00
    bids: [{amount: 25, target: {type: product, id: p_8983}}]
  summer:
    provider: topsort
    name: Summer
    budget: {amount: 120000, type: weekly}
    startDate: 2030-06-01T00:00:00Z
    endDate: 2030-08-31T00:00:00Z
    bids: [{amount: 30, target: {type: product, id: p_1}}]
"""


def _workspace(tmp_path: Path) -> Path:
    return make_workspace(tmp_path / "ws", PROVIDERS, CAMPAIGNS)


def _summary(workspace: Workspace) -> list[object]:
    return [(c.key, c.instance, c.model_type, c.desired, c.source, c.model) for c in workspace.campaigns.values()]


def _load(root: Path, **environ: str) -> Workspace:
    return load_workspace([root], environ={"TOPSORT_KEY": SECRET, **environ})


def test_a_warm_load_equals_a_cold_one_and_holds_no_secret(tmp_path: Path) -> None:
    root = _workspace(tmp_path)
    cold = _load(root)
    assert cache_path(root).is_file()
    assert SECRET not in cache_path(root).read_text()
    warm = _load(root)
    assert all(isinstance(c, CachedCampaignConfig) for c in warm.campaigns.values())
    assert _summary(warm) == _summary(cold)
    assert warm.known_digest is not None  # kept by the cache, not computed again
    assert warm.digest() == cold.digest() == dataclasses.replace(warm, known_digest=None).digest()
    assert warm.providers["topsort"].settings == cold.providers["topsort"].settings
    assert warm.providers["topsort"].settings.api_key.get_secret_value() == SECRET  # resolved now, not cached


def test_a_change_to_a_file_or_a_referenced_variable_loads_cold(tmp_path: Path) -> None:
    root = _workspace(tmp_path)
    _load(root)
    campaigns = root / "campaigns.yaml"
    campaigns.write_text(campaigns.read_text().replace("name: Spring sale", "name: Spring sale 2"))
    changed = _load(root)
    assert not isinstance(changed.campaigns["spring-sale"], CachedCampaignConfig)
    assert changed.campaigns["spring-sale"].desired["name"] == "Spring sale 2"
    assert isinstance(_load(root).campaigns["spring-sale"], CachedCampaignConfig)
    other_key = load_workspace([root], environ={"TOPSORT_KEY": "another-key-value"})
    assert not isinstance(other_key.campaigns["spring-sale"], CachedCampaignConfig)
    assert other_key.providers["topsort"].settings.api_key.get_secret_value() == "another-key-value"


def test_an_unset_variable_is_still_an_error_with_a_warm_cache(tmp_path: Path) -> None:
    root = _workspace(tmp_path)
    _load(root)
    with pytest.raises(ConfigError, match="TOPSORT_KEY"):
        load_workspace([root], environ={})


@pytest.mark.parametrize("garbage", [b"", b"{not json", b'{"format": 1, "key": "x"}', b"[1, 2]"])
def test_a_corrupt_cache_is_ignored_and_rebuilt(tmp_path: Path, garbage: bytes) -> None:
    root = _workspace(tmp_path)
    cold = _load(root)
    cache_path(root).write_bytes(garbage)
    again = _load(root)
    assert _summary(again) == _summary(cold)
    assert isinstance(_load(root).campaigns["spring-sale"], CachedCampaignConfig)


def test_a_cache_with_the_right_key_but_damaged_content_loads_cold(tmp_path: Path) -> None:
    root = _workspace(tmp_path)
    cold = _load(root)
    path = cache_path(root)
    path.write_text(path.read_text().replace('"campaigns":[[', '"campaigns":[["bad"],['))
    assert _summary(_load(root)) == _summary(cold)


def test_bad_input_is_reported_with_its_line_after_a_warm_run(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    root = _workspace(tmp_path)
    monkeypatch.setenv("TOPSORT_KEY", SECRET)
    assert cli("validate", str(root)).exit_code == 0
    assert cli("validate", str(root)).exit_code == 0  # warm
    campaigns = root / "campaigns.yaml"
    campaigns.write_text(campaigns.read_text().replace("type: daily", "type: hourly", 1))
    result = cli("validate", str(root))
    line = next(i for i, text in enumerate(campaigns.read_text().splitlines(), 1) if "hourly" in text)
    assert result.exit_code == 1 and f"campaigns.yaml:{line}" in result.stderr


def test_workspaces_with_meta_fields_or_other_sections_load_cold_every_time(tmp_path: Path) -> None:
    root = _workspace(tmp_path)
    campaigns = root / "campaigns.yaml"
    campaigns.write_text(campaigns.read_text().replace("    name: Summer\n", "    name: Summer\n    protect: true\n"))
    first, second = _load(root), _load(root)
    assert not cache_path(root).exists()
    assert not isinstance(second.campaigns["summer"], CachedCampaignConfig)
    assert second.campaigns["summer"].protect and first.campaigns["summer"].protect


def _cyclic() -> dict[str, object]:
    items: list[object] = []
    value: dict[str, object] = {"a": items}
    items.append(value)
    return value


@pytest.mark.parametrize(("value", "written"), [
    ({"a": [1, 2.5, "x", None, True, {"b": -0.0}]}, True),
    ({"a": (1, 2)}, False),  # JSON would give a list back
    ({"a": {1: "x"}}, False),  # ... and the key "1"
    ({"a": float("nan")}, False),  # ... and a NaN unequal to itself
    (_cyclic(), False),  # (json's own check for cycles is off: this one refuses it first)
])
def test_the_cache_is_written_only_when_json_gives_its_values_back_equal(tmp_path: Path, value: object,
                                                                         written: bool) -> None:
    write_cache(tmp_path, "k", {"content": value})
    assert cache_path(tmp_path).is_file() is written
    if written:
        assert read_cache(tmp_path, "k") == {"format": CACHE_FORMAT, "key": "k", "content": value}
