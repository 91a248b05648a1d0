"""A cold load (no load cache, as in CI) streams the campaign files one at a time and keeps each
campaign's declared values, not its pydantic model: its plans are byte for byte those of a warm
load and of the whole-workspace load it falls back to, and any problem is reported as that load
reports it (issue 12, peak memory on a cold run)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from provisioner.config.cache import cache_path
from provisioner.config.models import CampaignConfig, Workspace
from provisioner.config.workspace import _Loader, declares_other_sections, load_workspace
from provisioner.errors import ConfigError
from tests.conftest import Platforms, cli, quickstart_providers

NOW = "2030-02-01T00:00:00Z"


def _campaigns(first: int, count: int, provider: str = "topsort") -> str:
    return "campaigns:\n" + "".join(f"""\
  sale-{n}:
    provider: {provider}
    name: Sale {n}
    budget: {{amount: {1000 + n}, type: daily}}
    startDate: 2030-03-01T00:00:00Z
    endDate: 2030-03-31T00:00:00Z
    bids: [{{amount: 25, target: {{type: product, id: p_{n}}}}}]
""" for n in range(first, first + count))


def _workspace(root: Path, platforms: Platforms) -> Path:
    """Campaign files sorted before the providers file: the settings they need are read first."""
    root.mkdir(parents=True)
    (root / "a-campaigns.yaml").write_text(_campaigns(0, 3))
    (root / "b-campaigns.yaml").write_text(_campaigns(3, 2))
    (root / "providers.yaml").write_text(quickstart_providers(platforms))
    return root


def _plan(root: Path, out: Path) -> bytes:
    result = cli("plan", str(root), "--out", str(out))
    assert result.exit_code == 0, result.output
    return out.read_bytes()


def test_cold_and_warm_plans_are_the_same_bytes(tmp_path: Path, platforms: Platforms,
                                                secret_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROVISIONER_NOW", NOW)
    root = _workspace(tmp_path / "ws", platforms)
    assert cli("apply", str(root), "--auto-approve").exit_code == 0  # state, and its lineage, exist
    for edit in ("", "amount: 2004"):  # every campaign unchanged; then an update among them
        if edit:
            (root / "b-campaigns.yaml").write_text(_campaigns(3, 2).replace("amount: 1004", edit))
        shutil.rmtree(cache_path(root).parent, ignore_errors=True)
        cold = _plan(root, tmp_path / "cold.json")
        assert cache_path(root).is_file()
        assert _plan(root, tmp_path / "warm.json") == cold
        assert (b"2004" in cold) == bool(edit)


def _loads(root: Path) -> tuple[Workspace, Workspace]:
    """The workspace streamed file by file, and loaded as a whole (what a problem falls back to)."""
    files = sorted(root.glob("*.yaml"))
    contents = [(f, f.read_bytes()) for f in files]
    streaming = _Loader(None)
    streamed = streaming._load_streamed(root, files, contents)
    assert streamed is not None and not streaming.diagnostics
    whole = _Loader(None)._load_whole(root, files, contents)
    return streamed, whole


def _described(workspace: Workspace) -> list[object]:
    def campaign(c: CampaignConfig) -> tuple[object, ...]:
        return (c.key, c.instance, c.model_type, c.desired, c.source, c.launch, c.source_of_launch, c.ignore,
                c.protect, c.adopt)

    return [[campaign(c) for c in workspace.campaigns.values()], list(workspace.providers), workspace.state,
            workspace.launch, workspace.ignore, workspace.moved, workspace.policy, workspace.digest()]


def test_a_streamed_load_equals_the_whole_load(tmp_path: Path, platforms: Platforms,
                                              secret_env: dict[str, str]) -> None:
    root = _workspace(tmp_path / "ws", platforms)
    (root / "c-campaigns.yaml").write_text(_campaigns(5, 2, "criteo-shop").replace(
        "    provider: criteo-shop\n", "    provider: criteo-shop\n    launch: active\n    protect: true\n"))
    (root / "d-settings.yaml").write_text(
        "launch: paused\nignore: [name]\nmoved: [{from: old-sale, to: sale-1}]\n"
        "policy: {allowed_currencies: [EUR]}\n" + _campaigns(7, 1))
    (root / "providers.yaml").write_text(quickstart_providers(platforms).replace(
        "providers:\n", "providers:\n  criteo-shop:\n    type: topsort\n    base_url: " + platforms.url("topsort")
        + "\n    api_key: ${env:TOPSORT_API_KEY}\n    vendor_id: v2\n    currency: EUR\n"))
    streamed, whole = _loads(root)
    assert _described(streamed) == _described(whole)
    assert [c.key for c in streamed.campaigns.values()] == [f"sale-{n}" for n in range(8)]  # the files' order
    assert streamed.moved and streamed.policy and streamed.launch == "paused"


@pytest.mark.parametrize(("file", "old", "new", "where", "field"), [
    ("b-campaigns.yaml", "type: daily", "type: hourly", "b-campaigns.yaml:5", "campaigns.sale-3.budget.type"),
    ("b-campaigns.yaml", "  sale-4:", "  sale-0:", "b-campaigns.yaml:9", "campaigns.sale-0"),  # declared twice
    ("providers.yaml", "currency: EUR", "currency: EURO", "providers.yaml:", "providers.topsort.currency"),
])
def test_a_problem_in_a_streamed_file_is_reported_as_the_whole_load_reports_it(
        tmp_path: Path, platforms: Platforms, secret_env: dict[str, str], file: str, old: str, new: str,
        where: str, field: str) -> None:
    root = _workspace(tmp_path / "ws", platforms)
    (root / file).write_text((root / file).read_text().replace(old, new, 1))
    files = sorted(root.glob("*.yaml"))
    whole = _Loader(None)
    with pytest.raises(ConfigError):
        whole._load_whole(root, files, [(f, f.read_bytes()) for f in files])
    with pytest.raises(ConfigError) as raised:
        load_workspace([root])
    assert [str(d) for d in raised.value.diagnostics] == [str(d) for d in whole.diagnostics]
    assert any(where in str(d.source) and d.field == field for d in raised.value.diagnostics), \
        [str(d) for d in raised.value.diagnostics]


@pytest.mark.parametrize(("text", "other"), [
    (b"providers:\n  topsort: {}\n", True), (b"# settings\nstate: {path: .p}\n", True),
    (b"campaigns: {}\nmoved :\n  - {from: a, to: b}\n", True), (b"launch: paused", True),
    (b"campaigns:\n  sale:\n    launch: paused\n    ignore: [name]\n", False), (b"campaigns:\n  policy-x: {}\n", False),
])
def test_files_with_sections_other_than_campaigns_are_read_first(text: bytes, other: bool) -> None:
    assert declares_other_sections(text) is other
