"""Emulators are found through the `provisioner.emulators` entry points, one per platform package."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import provisioner.sandbox
from provisioner.sandbox.core import Emulator
from provisioner.sandbox.registry import EMULATOR_NAMES, emulator_class, make_emulator

SANDBOX = Path(provisioner.sandbox.__file__).parent


def test_every_emulator_package_is_registered_under_its_own_name() -> None:
    packages = sorted(p.parent.name for p in SANDBOX.glob("*/routes.py"))
    assert EMULATOR_NAMES == tuple(packages) == ("criteo", "sessionm", "skala", "targeter", "topsort")
    for name in EMULATOR_NAMES:
        cls = emulator_class(name)
        assert issubclass(cls, Emulator) and cls.name == name
        assert cls.__module__ == f"provisioner.sandbox.{name}.routes"


def test_listing_the_names_imports_no_emulator() -> None:
    code = ("import sys; from provisioner.sandbox.registry import EMULATOR_NAMES; "
            "print(len(EMULATOR_NAMES), sorted(m for m in sys.modules if m.endswith('.routes')))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split(" ", 1) == ["5", "[]\n"]


def test_make_emulator_persists_under_the_state_dir_and_applies_the_documented_rate_limit(tmp_path: Path) -> None:
    emulator = make_emulator("topsort", tmp_path, rate_limited=True)
    assert emulator.store.path == tmp_path / "topsort.jsonl"
    assert emulator.rate_limiter is not None and emulator.rate_limiter.limit == 45
    assert make_emulator("topsort").rate_limiter is None


def test_an_unknown_name_says_which_exist() -> None:
    with pytest.raises(KeyError, match=r"no emulator named 'nosuch'.*criteo, sessionm, skala, targeter, topsort"):
        make_emulator("nosuch")
