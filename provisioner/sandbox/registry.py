"""Name → emulator class, imported lazily so one platform's emulator never loads the others."""

from __future__ import annotations

import importlib
from pathlib import Path

from provisioner.sandbox.core import Emulator
from provisioner.sandbox.faults import FaultInjector
from provisioner.sandbox.store import Store

_EMULATORS = {
    "topsort": "provisioner.sandbox.topsort.routes:TopsortEmulator",
    "criteo": "provisioner.sandbox.criteo.routes:CriteoEmulator",
    "sessionm": "provisioner.sandbox.sessionm.routes:SessionMEmulator",
    "targeter": "provisioner.sandbox.targeter.routes:TargeterEmulator",
    "skala": "provisioner.sandbox.skala.routes:SkalaEmulator",
}
EMULATOR_NAMES = tuple(_EMULATORS)


def emulator_class(name: str) -> type[Emulator]:
    module_name, _, class_name = _EMULATORS[name].partition(":")
    return getattr(importlib.import_module(module_name), class_name)


def make_emulator(name: str, state_dir: str | Path | None = None,
                  faults: FaultInjector | None = None, rate_limited: bool = False) -> Emulator:
    """Build the `name` emulator; with `state_dir`, its state persists in `<state_dir>/<name>.jsonl`."""
    store = Store(Path(state_dir) / f"{name}.jsonl") if state_dir else Store()
    cls = emulator_class(name)
    return cls(store=store, faults=faults, rate_limiter=cls.default_rate_limiter() if rate_limited else None)
