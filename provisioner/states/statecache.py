"""A warm-start cache of the local state snapshot as it was read: when the snapshot's bytes and the
campaigns' declared values are what they were at the last read, each entry is rebuilt from a short
row instead of decoding its JSON and checking it against the declared values again.

Plain JSON (never pickle) under `<state folder>/cache/`. Its key is a hash of the snapshot's bytes and
the workspace's load cache key (config/cache.py: the YAML files' bytes, the `${env:}` values they use
and the program's code), so it is used only after a warm load, whose declared values are a function of
that key. An entry whose applied values were spelt as declared (streamed.py) is stored without them:
its row says so, and the declared mapping is taken again. A cache that is missing, damaged or for
another key is ignored (the snapshot is then read as before and the cache written again); it never
holds anything the snapshot does not.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Any

from provisioner.sharing import Memo
from provisioner.states.state import ResourceState, State
from provisioner.states.streamed import Declared, with_shared_keys

CACHE_FORMAT = 1
CACHE_FILE = Path("cache") / "state.json"
_ROW = 12  # members of a row: ResourceState's fields in their order, attrs None where spelt as declared


def cache_key(snapshot_digest: str, load_key: str) -> str:
    """What the cache is valid for: these snapshot bytes read against these declared values."""
    return f"{snapshot_digest}|{load_key}"


def read_cached(directory: Path, key: str, declared: Declared) -> State | None:
    """The state the snapshot read gave when the cache was written for `key`, or None."""
    try:
        data = json.loads((directory / CACHE_FILE).read_bytes())
    except (OSError, ValueError):
        return None
    try:
        if type(data) is not dict or data.get("format") != CACHE_FORMAT or data.get("key") != key:
            return None
        return _state(data, declared)
    except (KeyError, TypeError, ValueError, IndexError):
        return None  # a damaged file: read the snapshot


def _state(data: dict[str, Any], declared: Declared) -> State | None:
    rows = data["rows"]
    lineage, serial = data["lineage"], data["serial"]
    if type(rows) is not list or type(lineage) is not str or type(serial) is not int:
        return None
    resources: dict[str, ResourceState] = {}
    shared: set[str] = set()
    memo: Memo = {}
    keep = memo.setdefault
    empty: dict[str, Any] = {}  # (as the snapshot's read: one empty mapping for every entry without)
    for row in rows:
        if type(row) is not list or len(row) != _ROW:
            return None
        key, provider, provider_type, status, resource_id, attrs, outputs, updated_at, ambiguous_at, \
            created_at, protected, applied_by = row
        if type(key) is not str or key in resources:
            return None
        if attrs is None:  # spelt as declared when read: the declared mapping itself
            attrs = declared(key)
            if attrs is None:
                return None
            shared.add(key)
        elif type(attrs) is dict:
            attrs = with_shared_keys(attrs, keep)
        else:
            return None
        if type(outputs) is not dict or type(applied_by) is not dict:
            return None
        resources[key] = ResourceState(
            key, keep(provider, provider), keep(provider_type, provider_type), keep(status, status), resource_id,
            attrs, with_shared_keys(outputs, keep) if outputs else empty, keep(updated_at, updated_at),
            ambiguous_at, keep(created_at, created_at), protected,
            with_shared_keys(applied_by, keep) if applied_by else empty)
    state = State(lineage=lineage, serial=serial, resources=resources)
    state.applied_as_declared = shared
    return state


def write_cached(directory: Path, key: str, state: State) -> None:
    """Best effort (a read-only folder simply reads the snapshot every time): written aside and
    renamed, so a concurrent reader sees the old file or the new one, never a part."""
    shared = state.applied_as_declared
    rows = [[r.key, r.provider, r.provider_type, r.status, r.id, None if key in shared else r.attrs, r.outputs,
             r.updated_at, r.ambiguous_at, r.created_at, r.protected, r.applied_by]
            for key, r in state.resources.items()]
    document = {"format": CACHE_FORMAT, "key": key, "lineage": state.lineage, "serial": state.serial, "rows": rows}
    path = directory / CACHE_FILE
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        text = json.dumps(document, separators=(",", ":"))
    except (TypeError, ValueError):
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(text, "utf-8")
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):  # (the folder may be what could not be made)
            tmp.unlink(missing_ok=True)
