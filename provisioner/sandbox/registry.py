"""Emulator discovery through entry points (group `provisioner.emulators`), as providers are found.

Names come from the installed metadata without importing anything, so listing them is cheap; an
emulator's module is imported only when that emulator is built, and never loads the others.
"""

from __future__ import annotations

from functools import cache
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from typing import Any

from provisioner.sandbox.core import Emulator
from provisioner.sandbox.faults import FaultInjector
from provisioner.sandbox.store import Store

GROUP = "provisioner.emulators"


@cache
def _entry_points() -> dict[str, EntryPoint]:
    found: dict[str, EntryPoint] = {}
    for entry in sorted(entry_points(group=GROUP), key=lambda e: e.name):
        found.setdefault(entry.name, entry)  # the first installed distribution wins a duplicate name
    return found


EMULATOR_NAMES: tuple[str, ...] = tuple(_entry_points())


def emulator_class(name: str) -> type[Emulator[Any]]:
    """The emulator registered as `name`; a KeyError names the known ones, a TypeError a bad entry point."""
    entry = _entry_points().get(name)
    if entry is None:
        raise KeyError(f"no emulator named {name!r} (entry points {GROUP}: {', '.join(EMULATOR_NAMES) or 'none'})")
    cls = entry.load()
    if not (isinstance(cls, type) and issubclass(cls, Emulator)):
        raise TypeError(f"entry point {GROUP}:{name} = {entry.value} is not an Emulator subclass")
    return cls


def make_emulator(name: str, state_dir: str | Path | None = None,
                  faults: FaultInjector | None = None, rate_limited: bool = False) -> Emulator[Any]:
    """Build the `name` emulator; with `state_dir`, its state persists in `<state_dir>/<name>.jsonl`."""
    cls = emulator_class(name)
    store = Store(Path(state_dir) / f"{name}.jsonl") if state_dir else Store()
    return cls(store=store, faults=faults, rate_limiter=cls.default_rate_limiter() if rate_limited else None)
