"""A warm-start cache of the loaded workspace: when the YAML files, the `${env:}` values they use and
the program are what they were last time, loading skips parsing and validating the campaigns.

The cache is plain JSON (no pickle: a file in the workspace must never be able to run code) under
`<workspace>/.provisioner/cache/`. It holds what the YAML says (the campaigns' validated declared
values, the provider and state sections as written, `${env:}` references unresolved) and never a
resolved secret or anything that depends on the date; provider settings are resolved and validated
again on every load. Its key is a hash of the program's version and code, each file's path and
bytes, and each referenced environment variable's value (hashed, never stored). A cache that is
missing, corrupt or for another key is ignored and rebuilt.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import re
import sys
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

CACHE_FORMAT = 2
CACHE_DIR = Path(".provisioner") / "cache"
CACHE_FILE = "workspace.json"
ENV_REFERENCE_IN_TEXT = re.compile(rb"\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}")


def pydantic_fingerprint() -> str:
    """The installed pydantic, which validated what the cache holds: a hash of its version.py (its
    VERSION is written there), read without importing pydantic, which would cost a warm `validate`
    more than everything else it does. Where that file is not there, the version it reports."""
    from importlib.util import find_spec

    spec = find_spec("pydantic")
    for directory in (spec and spec.submodule_search_locations) or ():
        with contextlib.suppress(OSError):
            return hashlib.sha256(Path(directory, "version.py").read_bytes()).hexdigest()
    import pydantic

    return str(pydantic.VERSION)


@cache
def program_fingerprint() -> str:
    """The program's version and code: a different build never reads another build's cache."""
    import provisioner

    package = Path(provisioner.__file__).parent
    digest = hashlib.sha256(f"{CACHE_FORMAT}|{sys.version}|{pydantic_fingerprint()}".encode())
    for root, dirs, files in os.walk(package):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__" and d != "sandbox")
        for name in sorted(files):
            if name.endswith(".py"):
                stat = os.stat(os.path.join(root, name))
                digest.update(f"{root}/{name}|{stat.st_size}|{stat.st_mtime_ns}".encode())
    return digest.hexdigest()


def cache_key(contents: list[tuple[Path, bytes]], environ: Mapping[str, str], extra_env: tuple[str, ...],
              require_secrets: bool) -> str:
    """Hash of everything a loaded workspace depends on; environment values enter only as hashes."""
    digest = hashlib.sha256(f"{program_fingerprint()}|{require_secrets}".encode())
    names: set[str] = set(extra_env)
    for path, data in contents:
        digest.update(f"{path.resolve()}|".encode())
        digest.update(hashlib.sha256(data).digest())
        names.update(name.decode() for name in ENV_REFERENCE_IN_TEXT.findall(data))
    for name in sorted(names):
        value = environ.get(name)
        marker = b"\x00unset" if value is None else hashlib.sha256(value.encode()).digest()
        digest.update(name.encode() + b"=" + marker + b";")
    return digest.hexdigest()


def cache_path(root: Path) -> Path:
    return root / CACHE_DIR / CACHE_FILE


def read_cache(root: Path, key: str) -> dict[str, Any] | None:
    """The cached workspace for `key`, or None (missing, unreadable, corrupt or another key)."""
    try:
        data = json.loads(cache_path(root).read_bytes())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("format") != CACHE_FORMAT or data.get("key") != key:
        return None
    return data


def write_cache(root: Path, key: str, content: dict[str, Any]) -> None:
    """Best effort: a workspace on a read-only disk simply loads cold every time."""
    path = cache_path(root)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    document = {"format": CACHE_FORMAT, "key": key, **content}
    try:
        text = json.dumps(document, separators=(",", ":"))
    except (TypeError, ValueError):
        return  # a value JSON cannot hold (e.g. a YAML date in provider settings): not cached
    if not _json_exact(document):
        return  # JSON would change a value (a tuple, a non-string key): a warm load must equal a cold one
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(text, "utf-8")
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)


def _json_exact(value: Any) -> bool:
    """Whether JSON gives `value` back equal to itself (checked on the values, not by decoding the
    text again: that copy of every campaign was the cold load's peak, ~100 MB at 50,000). Called on
    what json.dumps accepted, so every value is JSON-able and acyclic."""
    try:
        return _exact(value)
    except RecursionError:
        return False  # nested deeper than this check goes: not cached


def _exact(value: Any) -> bool:
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                return False  # JSON keys are text: 1 or True would come back as "1" or "true"
            if type(item) is not str and not _exact(item):  # (most values are text)
                return False
        return True
    if isinstance(value, list):
        return all(type(item) is str or _exact(item) for item in value)
    if isinstance(value, float):
        return math.isfinite(value)  # NaN comes back unequal to itself
    return value is None or isinstance(value, (str, int))  # (a tuple comes back as a list)


def plain(value: Any) -> Any:
    """YAML-loaded mappings (MarkedDict) and lists as plain JSON containers."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value
