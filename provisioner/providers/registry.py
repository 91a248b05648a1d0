"""Provider discovery through entry points: built-ins come in through the same door as plugins.

A plugin loads when a workspace names its type (so `validate` of a Topsort workspace imports no
other platform); a plugin that fails to import does not break the others: using it reports why.
"""

from __future__ import annotations

from functools import cache, lru_cache
from importlib.metadata import EntryPoint, entry_points

from provisioner.providers.base import AnyPlugin, ProviderPlugin

GROUP = "provisioner.providers"


@lru_cache(maxsize=1)
def _entries() -> dict[str, tuple[EntryPoint, ...]]:
    found: dict[str, tuple[EntryPoint, ...]] = {}
    for entry in entry_points(group=GROUP):
        found[entry.name] = (*found.get(entry.name, ()), entry)
    return found


@cache
def _load(name: str) -> tuple[AnyPlugin | None, str | None]:
    """The plugin registered as `name` (the last registration wins), or why it cannot be used."""
    plugin: AnyPlugin | None = None
    broken: str | None = None
    for entry in _entries().get(name, ()):
        try:
            loaded = entry.load()
        except Exception as error:
            plugin, broken = None, f"{type(error).__name__}: {error}"
            continue
        if not isinstance(loaded, ProviderPlugin):
            plugin, broken = None, f"entry point {entry.value} is not a ProviderPlugin"
            continue
        plugin, broken = loaded, None
    return plugin, broken


def provider_names() -> list[str]:
    """Every registered type name, loaded or not (for error messages: nothing is imported)."""
    return sorted(_entries())


def plugin(name: str) -> AnyPlugin | None:
    """The plugin for one type name, importing only that plugin; None if unknown or broken."""
    return _load(name)[0]


def broken_reason(name: str) -> str | None:
    """Why the plugin registered as `name` failed to load, or None."""
    return _load(name)[1]


def providers() -> dict[str, AnyPlugin]:
    """Every plugin that loads (imports them all)."""
    return {name: found for name in _entries() if (found := plugin(name)) is not None}


def broken_providers() -> dict[str, str]:
    return {name: reason for name in _entries() if (reason := broken_reason(name)) is not None}
