"""A module imported on first attribute access: the CLI names every command's module up front but
loads only the one that runs."""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any


class LazyModule:
    def __init__(self, name: str) -> None:
        self._name = name
        self._module: ModuleType | None = None

    def __getattr__(self, attr: str) -> Any:
        if self._module is None:
            from provisioner.collector import collector_paused

            with collector_paused():  # a command's imports stay alive: no collector passes over them
                self._module = importlib.import_module(self._name)
        return getattr(self._module, attr)
