"""Provider discovery through entry points: built-ins come in through the same door as plugins.

A plugin loads when a workspace names its type (so `validate` of a Topsort workspace imports no
other platform); a plugin that fails to import does not break the others: using it reports why.
The entry points are read straight from the installed distributions' entry_points.txt where that is
exactly what importlib.metadata would find (one distribution declares the group, on plain
directories); anything less plain is left to importlib.metadata, which costs a tenth of a second to
import and scan on every start.
"""

from __future__ import annotations

import os
import re
import sys
from functools import cache, lru_cache, reduce
from importlib import import_module
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from provisioner.providers.base import AnyPlugin

GROUP = "provisioner.providers"
# the modules of the plugins this package ships (their code is part of the program's fingerprint)
BUILTIN_PREFIX = "provisioner.providers."
# importlib.metadata.EntryPoint.pattern: module, then an optional :attr.path and [extras]
_ENTRY_VALUE = re.compile(r"(?P<module>[\w.]+)\s*(:\s*(?P<attr>[\w.]+)\s*)?((?P<extras>\[.*\])\s*)?$")


class Entry(NamedTuple):
    """One entry point of the group, as importlib.metadata.EntryPoint describes it."""

    name: str
    value: str

    def load(self) -> Any:
        match = _ENTRY_VALUE.match(self.value)
        if match is None:
            raise ValueError(f"{self.value!r} is not an entry point (module:attribute)")
        module = import_module(match.group("module"))
        return reduce(getattr, filter(None, (match.group("attr") or "").split(".")), module)


def _normalized(name: str) -> str:
    """importlib.metadata's Prepared.normalize (PEP 503 plus dashes as underscores)."""
    return re.sub(r"[-_.]+", "-", name).lower().replace("-", "_")


def _section(text: str, group: str) -> list[Entry] | None:
    """The entries of `[group]` in an entry_points.txt (importlib.metadata's Sectioned rules), or
    None when the file does not declare the group."""
    section: str | None = None
    found: list[Entry] | None = None
    for line in map(str.strip, text.splitlines()):
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line.strip("[]")
            if section == group and found is None:
                found = []
            continue
        if section == group and found is not None:
            name, _, value = line.partition("=")
            if not _:
                raise ValueError(line)  # importlib.metadata refuses it too; let it say so
            found.append(Entry(name.strip(), value.strip()))
    return found


def fast_entries(group: str = GROUP) -> list[Entry] | None:
    """The group's entry points read from the distributions on sys.path, or None where that might
    differ from importlib.metadata.entry_points(group=...): a distribution finder other than the
    standard path finder, a zip or egg on the path, or more than one distribution declaring the
    group (its order then decides)."""
    from importlib.machinery import PathFinder

    if any(finder is not PathFinder and getattr(finder, "find_distributions", None) is not None
           for finder in sys.meta_path):
        return None
    declaring: list[Entry] | None = None
    seen: set[str] = set()  # normalized distribution names, in importlib.metadata's search order
    for root in sys.path:
        directory = root or "."
        try:
            children = os.listdir(directory)
        except OSError:
            if os.path.exists(directory):
                return None  # a zip file: importlib.metadata reads inside it
            continue
        if os.path.basename(root).lower().endswith(".egg"):
            return None
        infos: dict[str, list[str]] = {}  # importlib.metadata's Lookup groups them by name
        for child in children:
            low = child.lower()
            if low.endswith(".egg"):
                return None  # an egg directory or file may hold metadata too
            if low.endswith((".dist-info", ".egg-info")):
                infos.setdefault(_normalized(low.rpartition(".")[0].partition("-")[0]), []).append(child)
        for group_of_name in infos.values():
            for child in group_of_name:
                stem, ext = os.path.splitext(child)
                if ext not in (".dist-info", ".egg-info"):
                    return None  # named from its METADATA by importlib.metadata: not guessed here
                name = _normalized(stem.partition("-")[0])
                if name in seen:
                    continue  # importlib.metadata keeps the first distribution of a name only
                seen.add(name)
                try:
                    with open(os.path.join(directory, child, "entry_points.txt"), encoding="utf-8") as file:
                        text = file.read()
                except OSError:
                    continue
                if group not in text:
                    continue
                try:
                    entries = _section(text, group)
                except ValueError:
                    return None
                if entries is None:
                    continue
                if declaring is not None:
                    return None
                declaring = entries
    return declaring or []


@lru_cache(maxsize=1)
def _entries() -> dict[str, tuple[Entry, ...]]:
    """Every registration of the group by name, in discovery order."""
    found: dict[str, tuple[Entry, ...]] = {}
    fast = fast_entries()
    if fast is None:
        from importlib.metadata import entry_points

        fast = [Entry(entry.name, entry.value) for entry in entry_points(group=GROUP)]
    for entry in fast:
        found[entry.name] = (*found.get(entry.name, ()), entry)
    return found


def builtin(name: str) -> bool:
    """Whether type `name` resolves to a plugin this package ships (the last registration wins),
    without importing it: its code is then part of the program the load cache is keyed by."""
    entries = _entries().get(name, ())
    if not entries:
        return False
    module = _ENTRY_VALUE.match(entries[-1].value)
    return module is not None and module.group("module").startswith(BUILTIN_PREFIX)


@cache
def _load(name: str) -> tuple[AnyPlugin | None, str | None]:
    """The plugin registered as `name` (the last registration wins), or why it cannot be used."""
    from provisioner.providers.base import ProviderPlugin

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
