"""Provider discovery: the plugins this package ships by name, other packages' through entry points.

A plugin loads when a workspace names its type (so `validate` of a Topsort workspace imports no
other platform); a plugin that fails to import does not break the others: using it reports why.
The built-in names are known without importlib.metadata (importing and scanning it is a tenth of a
second of a warm `validate`), so a built-in name always means the plugin shipped here: another
package's plugin registers a name of its own.
"""

from __future__ import annotations

from functools import cache, lru_cache
from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from importlib.metadata import EntryPoint

    from provisioner.providers.base import AnyPlugin

GROUP = "provisioner.providers"
# type name -> module whose PROVIDER is the plugin; pyproject.toml registers the same entry points
# for tools that list the group (a test keeps the two equal)
BUILTIN = {name: f"provisioner.providers.{name}" for name in ("topsort", "criteo", "sessionm", "targeter", "skala")}


@lru_cache(maxsize=1)
def _registered() -> dict[str, tuple[EntryPoint, ...]]:
    """Other packages' registrations of the group by name, in discovery order (built-in names left out)."""
    from importlib.metadata import entry_points

    found: dict[str, tuple[EntryPoint, ...]] = {}
    for entry in entry_points(group=GROUP):
        if entry.name not in BUILTIN:
            found[entry.name] = (*found.get(entry.name, ()), entry)
    return found


def builtin(name: str) -> bool:
    """Whether type `name` is a plugin this package ships: its code is then part of the program
    the workspace load cache is keyed by."""
    return name in BUILTIN


@cache
def _load(name: str) -> tuple[AnyPlugin | None, str | None]:
    """The plugin registered as `name` (of another package's registrations, the last wins), or why
    it cannot be used."""
    from provisioner.providers.base import ProviderPlugin

    loaders: list[tuple[str, Any]]
    if name in BUILTIN:
        loaders = [(f"{BUILTIN[name]}:PROVIDER", lambda: import_module(BUILTIN[name]).PROVIDER)]
    else:
        loaders = [(entry.value, entry.load) for entry in _registered().get(name, ())]
    plugin: AnyPlugin | None = None
    broken: str | None = None
    for value, load in loaders:
        try:
            loaded = load()
        except Exception as error:
            plugin, broken = None, f"{type(error).__name__}: {error}"
            continue
        if not isinstance(loaded, ProviderPlugin):
            plugin, broken = None, f"entry point {value} is not a ProviderPlugin"
            continue
        plugin, broken = loaded, None
    return plugin, broken


def provider_names() -> list[str]:
    """Every registered type name, loaded or not (for error messages: nothing is imported)."""
    return sorted({*BUILTIN, *_registered()})


def plugin(name: str) -> AnyPlugin | None:
    """The plugin for one type name, importing only that plugin; None if unknown or broken."""
    return _load(name)[0]


def broken_reason(name: str) -> str | None:
    """Why the plugin registered as `name` failed to load, or None."""
    return _load(name)[1]


def providers() -> dict[str, AnyPlugin]:
    """Every plugin that loads (imports them all)."""
    return {name: found for name in provider_names() if (found := plugin(name)) is not None}


def broken_providers() -> dict[str, str]:
    return {name: reason for name in provider_names() if (reason := broken_reason(name)) is not None}
