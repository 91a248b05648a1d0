"""A workspace's files and the key of its load cache, found without pydantic or the YAML parser,
and what `validate` reports about a workspace its load cache vouches for.

The load cache is written only after a workspace loaded without a single problem, under a key that
covers every input of that load: the files' paths and bytes, the `${env:}` values they reference
and the state variables (hashed), and the program (its code, Python and pydantic). A warm `validate`
whose providers are all plugins this package ships (their code is in that key) therefore answers
from the cache entry alone, as the full load would, without importing pydantic or any plugin.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

from provisioner.config.cache import cache_key, read_cache
from provisioner.diagnostics import SourceLocation

YAML_SUFFIXES = (".yaml", ".yml")
# CI sets these to point a workspace at shared state without editing its YAML; they win over it.
STATE_ENV = {"backend": "PROVISIONER_STATE_BACKEND", "dsn": "PROVISIONER_STATE_DSN",
             "workspace": "PROVISIONER_STATE_WORKSPACE"}
STATE_KEYS = ("backend", "path", "dsn", "workspace")
Problem = tuple[str, Path]  # what is wrong, and with which path (no line: the file was not parsed)


def collect_files(paths: list[Path]) -> tuple[list[Path], list[Problem]]:
    """The YAML files a workspace is made of: each directory's .yaml/.yml files, sorted, and each
    file named."""
    files: list[Path] = []
    problems: list[Problem] = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.suffix in YAML_SUFFIXES and p.is_file())
            if not found:
                problems.append(("no .yaml or .yml files in this directory", path))
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            problems.append(("no such file or directory", path))
    return files, problems


def workspace_root(paths: list[Path]) -> Path:
    """Where the workspace's .provisioner directory is: the first path, or the first file's directory."""
    return paths[0] if paths and paths[0].is_dir() else (paths[0].parent if paths else Path("."))


def read_file(file: Path) -> tuple[bytes, Problem | None]:
    try:
        return file.read_bytes(), None
    except OSError as error:
        return b"", (f"cannot read this file ({error.strerror or error})", file)


def load_key(contents: list[tuple[Path, bytes]], environ: Mapping[str, str] | None, require_secrets: bool) -> str:
    """The load cache's key for these file contents (environ None: the process environment)."""
    return cache_key(contents, os.environ if environ is None else environ, tuple(STATE_ENV.values()),
                     require_secrets)


class CachedSummary(NamedTuple):
    """What `validate` prints about a valid workspace (a NamedTuple: a frozen dataclass costs a cold
    `validate`, which never makes one, 4-5 M instructions to create)."""

    campaigns: int
    providers: int
    files: int
    empty: list[tuple[SourceLocation, str]]  # campaigns that declare no fields: (where, key)


def cached_summary(paths: list[Path], require_secrets: bool,
                   environ: Mapping[str, str] | None = None) -> CachedSummary | None:
    """The summary of a workspace its load cache vouches for; None when the full load must decide:
    a problem with the files, no cache entry for exactly these inputs, an entry not shaped as the
    loader writes it, or a provider that is not a plugin this package ships (another package's
    plugin code is not in the key, and whether it still imports is not either)."""
    from provisioner.providers.registry import builtin

    files, problems = collect_files(paths)
    if problems:
        return None
    contents: list[tuple[Path, bytes]] = []
    for file in files:
        data, problem = read_file(file)
        if problem is not None:
            return None
        contents.append((file, data))
    cached = read_cache(workspace_root(paths), load_key(contents, environ, require_secrets))
    if cached is None:
        return None
    try:
        return _summary(cached, len(files), builtin)
    except (KeyError, TypeError, ValueError, AttributeError):
        return None  # a corrupt or foreign cache file


def _summary(cached: dict[str, Any], files: int, builtin: Any) -> CachedSummary | None:
    state, providers, campaigns = cached["state"], cached["providers"], cached["campaigns"]
    if not isinstance(cached["digest"], str) or not isinstance(providers, dict) or not isinstance(campaigns, list):
        return None
    if state is not None:
        file, body, line = state
        if not (isinstance(file, str) and isinstance(body, dict) and not set(body) - set(STATE_KEYS)
                and (line is None or isinstance(line, int))):
            return None
    types: dict[str, str] = {}
    for name, (file, body, line, lines) in providers.items():
        type_name = body.get("type", name)
        if not (isinstance(file, str) and isinstance(line, int) and isinstance(lines, dict)
                and isinstance(type_name, str) and builtin(type_name)):
            return None
        types[name] = type_name
    keys: set[str] = set()
    empty: list[tuple[SourceLocation, str]] = []
    for key, instance, plugin_name, file, line, desired in campaigns:
        if not (isinstance(key, str) and key not in keys and types.get(instance) == plugin_name
                and isinstance(file, str) and (line is None or isinstance(line, int)) and isinstance(desired, dict)):
            return None
        keys.add(key)
        if not desired:
            empty.append((SourceLocation(file, line), key))
    return CachedSummary(len(keys), len(providers), files, empty)
