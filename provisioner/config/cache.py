"""A warm-start cache of the loaded workspace: when the YAML files, the `${env:}` values they use and
the program are what they were last time, loading skips parsing and validating the campaigns.

The cache is plain JSON (no pickle: a file in the workspace must never be able to run code) under
`<workspace>/.provisioner/cache/`. It holds what the YAML says (the campaigns' validated declared
values, the provider and state sections as written, `${env:}` references unresolved) and never a
resolved secret or anything that depends on the date; provider settings are resolved and validated
again on every load. Its key is a hash of the program's version and code, each file's path and
bytes, and each referenced environment variable's value (hashed, never stored). A cache that is
missing, corrupt or for another key is ignored and rebuilt. The campaigns' declared values are
written by column (`_pack`): what campaigns repeat is written, decoded and kept once.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import re
import sys
from collections.abc import Iterator, Mapping
from functools import cache
from itertools import repeat
from pathlib import Path
from typing import Any

CACHE_FORMAT = 3
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
    try:
        if "campaigns" in data:
            _unpack(data["campaigns"], data.pop("declared"))
    except (KeyError, TypeError, ValueError, IndexError, StopIteration):
        return None  # a damaged file: the caller loads cold
    return data


def write_cache(root: Path, key: str, content: dict[str, Any]) -> None:
    """Best effort: a workspace on a read-only disk simply loads cold every time. The campaigns'
    declared values are left sharing what they repeat (equal values, one object), as a warm load
    gives them: the cold run that wrote the cache then holds as little as the warm ones."""
    path = cache_path(root)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    if not _json_exact(content):
        return  # JSON would change a value (a tuple, a non-string key): a warm load must equal a cold one
    document = {"format": CACHE_FORMAT, "key": key, **content}
    try:
        if "campaigns" in content:
            campaigns, declared = _pack(content["campaigns"])
            document = {**document, "campaigns": campaigns, "declared": declared}
        # (no marker per container: _json_exact already refused anything nested too deep or cyclic)
        text = json.dumps(document, separators=(",", ":"), check_circular=False)
    except (TypeError, ValueError):
        return  # a value JSON cannot hold (e.g. a YAML date in provider settings): not cached
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(text, "utf-8")
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)


def _json_exact(value: Any) -> bool:
    """Whether JSON gives `value` back equal to itself (checked on the values, not by decoding the
    text again: that copy of every campaign was the cold load's peak, ~100 MB at 50,000). Checked
    before anything is written or shared: a value JSON cannot hold is not exact either."""
    try:
        return _exact(value)
    except RecursionError:
        return False  # nested deeper than this check goes (or a cycle): not cached


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


# The campaigns' declared values by column. Each row of "campaigns" ends with its declared mapping,
# or with the number of its group in "declared": campaigns whose mappings have the same keys in the
# same order form a group, written as a tree of columns:
#   [RAW, [value per campaign]]                  what differs from campaign to campaign
#   [CODED, [distinct values], [index per campaign]]  what campaigns repeat: each distinct value is
#                                                decoded once and is one object in every campaign
#   [MAPPING, [keys], [column per key]]          a mapping built per campaign from its columns (where
#                                                every campaign's has the same keys, in order)
# and a group is [campaign count, [keys], [column per key]]. Two values are one distinct value when
# JSON spells them alike: 1, 1.0 and true, or keys in another order, never are. Nothing changes the
# declared values in place once loaded (a change to a shared one would change every campaign's).
RAW, CODED, MAPPING = 0, 1, 2
MIN_GROUP = 2  # a campaign of a shape no other campaign has is written as it is
_ENCODE = json.JSONEncoder(separators=(",", ":")).encode


def _pack(rows: list[list[Any]]) -> tuple[list[list[Any]], list[list[Any]]]:
    """The rows with their declared mappings by group (see above), and the groups. Each campaign's
    mappings are left holding the one object of each CODED value (a value replaced by an equal one)."""
    shapes: dict[tuple[str, ...], list[int]] = {}
    for number, row in enumerate(rows):
        shapes.setdefault(tuple(row[-1]), []).append(number)
    packed = list(rows)
    groups: list[list[Any]] = []
    for keys, numbers in shapes.items():
        if len(numbers) < MIN_GROUP or not keys:
            continue
        group = len(groups)
        values = [rows[n][-1] for n in numbers]
        groups.append([len(values), list(keys), _share(values, keys, [_column([v[k] for v in values]) for k in keys])])
        for n in numbers:
            packed[n] = [*rows[n][:-1], group]
    return packed, groups


def _column(values: list[Any]) -> list[Any]:
    """The column of one key's values, one per campaign of a group (see above)."""
    kinds = set(map(type, values))
    if kinds == {dict} and values[0] and len(set(map(tuple, values))) == 1:  # mappings of the same keys
        keys = list(values[0])
        columns = [_column([v[k] for v in values]) for k in keys]
        if all(column[0] == CODED for column in columns):  # a mapping of repeated values may repeat
            coded = _coded(values, list(zip(*[column[2] for column in columns], strict=True)))
            if coded is not None:
                return coded
        return [MAPPING, keys, _share(values, keys, columns)]
    # one kind of value that equals no value of another kind: the values themselves tell them apart
    same = len(kinds) == 1 and kinds <= {str, int, bool, type(None)}
    return _coded(values, values if same else list(map(_ENCODE, values))) or [RAW, values]


def _share(mappings: list[dict[str, Any]], keys: Any, columns: list[list[Any]]) -> list[list[Any]]:
    """Put the one object of each CODED value into the mappings (the campaigns' own: nothing else
    holds them); the columns as they were."""
    for key, column in zip(keys, columns, strict=True):
        if column[0] == CODED:
            for mapping, value in zip(mappings, map(column[1].__getitem__, column[2]), strict=True):
                mapping[key] = value
    return columns


def _coded(values: list[Any], spellings: list[Any]) -> list[Any] | None:
    """A CODED column of `values`, equal where their `spellings` are, when they repeat enough."""
    index: dict[Any, Any] = dict.fromkeys(spellings)
    if len(index) * 2 > len(values):
        return None
    first = dict(zip(reversed(spellings), reversed(values), strict=True))  # (the first of each: written last)
    table = [first[spelling] for spelling in index]
    for number, spelling in enumerate(index):
        index[spelling] = number
    return [CODED, table, list(map(index.__getitem__, spellings))]


def _unpack(rows: list[Any], groups: list[Any]) -> None:
    """Put each row's declared mapping in its place (in the decoded document); raises on anything
    not as _pack writes it."""
    made = [_mappings(count, keys, columns) for count, keys, columns in groups]
    nexts = [m.__next__ for m in made]
    for row in rows:
        declared = row[-1]
        if type(declared) is int:
            row[-1] = nexts[declared]()
        elif type(declared) is not dict:
            raise TypeError("a campaign's declared values")
    if any(next(m, None) is not None for m in made):
        raise ValueError("more declared values than campaigns")


def _mappings(count: int, keys: list[Any], columns: list[Any]) -> Iterator[dict[str, Any]]:
    if type(count) is not int or not keys or len(columns) != len(keys) or len(set(keys)) != len(keys) or any(
            type(k) is not str for k in keys):
        raise ValueError("a column of mappings")
    rows = zip(*[_values(count, column) for column in columns], strict=True)  # (lengths checked: strict as well)
    return map(dict, map(zip, repeat(keys), rows))


def _values(count: int, column: list[Any]) -> Iterator[Any]:
    kind = column[0]
    if kind == RAW and len(column[1]) == count:
        return iter(column[1])
    if kind == CODED and len(column[2]) == count:
        return map(column[1].__getitem__, column[2])
    if kind == MAPPING:
        return _mappings(count, column[1], column[2])
    raise ValueError("a column of declared values")
