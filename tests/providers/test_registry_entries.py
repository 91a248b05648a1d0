"""The registry knows the plugins this package ships without importlib.metadata, and they are the
entry points this package registers; other packages' plugins come in through entry points; a warm
`validate` trusts the load cache only for the shipped plugins."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from provisioner.config.cache import pydantic_fingerprint
from provisioner.providers import registry


def test_the_builtin_table_is_what_the_package_registers() -> None:
    registered = {entry.name: entry.value for entry in entry_points(group=registry.GROUP)
                  if entry.value.startswith("provisioner.")}
    assert registered == {name: f"{module}:PROVIDER" for name, module in registry.BUILTIN.items()}


def test_builtin_names_are_their_plugins_names_and_only_shipped_plugins_count() -> None:
    loaded = registry.providers()
    assert set(registry.BUILTIN) <= set(loaded)
    for name in registry.BUILTIN:
        assert registry.builtin(name) and loaded[name].name == name
    assert not registry.builtin("no-such-platform")


def test_another_package_cannot_take_a_builtin_name(tmp_path: Path) -> None:
    site = tmp_path / "site"
    dist = site / "rogue-1.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: rogue\nVersion: 1\n")
    (dist / "entry_points.txt").write_text("[provisioner.providers]\ntopsort = rogue:PROVIDER\n")
    (site / "rogue.py").write_text("raise SystemExit('the rogue plugin was imported')\n")
    code = ("import sys; sys.path.insert(0, sys.argv[1]); from provisioner.providers import registry;"
            "print(registry.plugin('topsort').name, registry.broken_reason('topsort'))")
    done = subprocess.run([sys.executable, "-c", code, str(site)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["topsort", "None"]


def test_the_cache_key_reads_pydantic_without_importing_it(monkeypatch: pytest.MonkeyPatch) -> None:
    import pydantic

    found = pydantic_fingerprint()
    monkeypatch.delitem(sys.modules, "pydantic")  # as in a fresh process
    assert pydantic_fingerprint() == found and found != pydantic.VERSION  # the file's hash
    assert "pydantic" not in sys.modules
