"""The registry reads entry points from entry_points.txt itself only where that is exactly what
importlib.metadata finds, and leaves every other layout to importlib.metadata; a warm `validate`
trusts the load cache only for the plugins this package ships."""

from __future__ import annotations

import sys
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from provisioner.config.cache import pydantic_version
from provisioner.providers import registry


def _dist(site: Path, stem: str, text: str) -> None:
    (site / stem).mkdir(parents=True)
    (site / stem / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {stem.split('-')[0]}\nVersion: 1\n")
    (site / stem / "entry_points.txt").write_text(text)


def _both(group: str) -> tuple[list[tuple[str, str]] | None, list[tuple[str, str]]]:
    fast = registry.fast_entries(group)
    return (None if fast is None else [tuple(e) for e in fast]), [(e.name, e.value) for e in entry_points(group=group)]


@pytest.mark.parametrize("group", [registry.GROUP, "provisioner.emulators", "pydantic", "console_scripts", "none.x"])
def test_what_it_reads_is_what_importlib_metadata_reads(group: str) -> None:
    fast, metadata = _both(group)
    assert fast is None or fast == metadata


def test_the_installed_plugins_are_read_without_importlib_metadata() -> None:
    fast, metadata = _both(registry.GROUP)
    assert fast == metadata and {"topsort", "criteo"} <= {name for name, _ in fast}


def test_layouts_it_does_not_read_are_left_to_importlib_metadata(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    site = tmp_path / "site"
    _dist(site, "acme_ads-0.1.dist-info", "[provisioner.providers]\n# a comment\nacme = acme_ads:PROVIDER\n\n"
          "[other]\nx = y:z\n")
    monkeypatch.syspath_prepend(str(site))
    fast, metadata = _both(registry.GROUP)
    assert fast is None and ("acme", "acme_ads:PROVIDER") in metadata  # two distributions declare it

    # a second copy of a distribution later on the path is ignored by both
    alone = tmp_path / "alone"
    _dist(alone, "solo-1.dist-info", "[solo.group]\n  one = solo.mod : THING [extra] \n")
    _dist(alone / "later", "solo-2.dist-info", "[solo.group]\ntwo = solo.other:THING\n")
    monkeypatch.syspath_prepend(str(alone / "later"))
    monkeypatch.syspath_prepend(str(alone))
    fast, metadata = _both("solo.group")
    assert fast == metadata == [("one", "solo.mod : THING [extra]")]

    zipped = tmp_path / "plugins.zip"
    zipped.write_bytes(b"PK\x05\x06" + b"\x00" * 18)  # an empty zip archive
    monkeypatch.setattr(sys, "path", [str(zipped), *sys.path])
    assert registry.fast_entries("solo.group") is None


def test_builtin_names_are_their_plugins_names_and_only_shipped_plugins_count() -> None:
    for name, plugin in registry.providers().items():
        assert registry.builtin(name) and plugin.name == name
    assert not registry.builtin("no-such-platform")


def test_the_cache_key_reads_pydantic_s_version_without_importing_it(monkeypatch: pytest.MonkeyPatch) -> None:
    import pydantic

    monkeypatch.delitem(sys.modules, "pydantic")  # as in a fresh process: read from pydantic/version.py
    assert pydantic_version() == pydantic.VERSION
    assert "pydantic" not in sys.modules
