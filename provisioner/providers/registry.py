"""Provider discovery through entry points: built-ins come in through the same door as plugins.

A plugin that fails to import does not break the others; using it reports why it failed.
"""

from __future__ import annotations

from functools import lru_cache
from importlib.metadata import entry_points

from provisioner.providers.base import AnyPlugin, ProviderPlugin

GROUP = "provisioner.providers"


@lru_cache(maxsize=1)
def _discover() -> tuple[dict[str, AnyPlugin], dict[str, str]]:
    found: dict[str, AnyPlugin] = {}
    broken: dict[str, str] = {}
    for entry in entry_points(group=GROUP):
        try:
            plugin = entry.load()
        except Exception as error:
            broken[entry.name] = f"{type(error).__name__}: {error}"
            continue
        if not isinstance(plugin, ProviderPlugin):
            broken[entry.name] = f"entry point {entry.value} is not a ProviderPlugin"
            continue
        found[entry.name] = plugin
    return found, broken


def providers() -> dict[str, AnyPlugin]:
    return _discover()[0]


def broken_providers() -> dict[str, str]:
    return _discover()[1]
