"""Provider discovery through entry points: built-ins come in through the same door as plugins."""

from __future__ import annotations

from functools import lru_cache
from importlib.metadata import entry_points

from provisioner.providers.base import ProviderPlugin

GROUP = "provisioner.providers"


@lru_cache(maxsize=1)
def providers() -> dict[str, ProviderPlugin]:
    found: dict[str, ProviderPlugin] = {}
    for entry in entry_points(group=GROUP):
        plugin = entry.load()
        if not isinstance(plugin, ProviderPlugin):
            raise TypeError(f"entry point {entry.value} is not a ProviderPlugin")
        found[entry.name] = plugin
    return found


def get_provider(name: str) -> ProviderPlugin | None:
    return providers().get(name)
