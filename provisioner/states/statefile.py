"""State ↔ versioned JSON (the snapshot), and the journal records appended between snapshots."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from provisioner.errors import StateError
from provisioner.sharing import Memo, share_strings
from provisioner.states.state import ResourceState, State

if TYPE_CHECKING:
    from provisioner.states.streamed import Declared

FORMAT_VERSION = 1


def dump_state(state: State) -> str:
    return json.dumps({
        "format_version": FORMAT_VERSION,
        "lineage": state.lineage,
        "serial": state.serial,
        "resources": {k: r.to_dict() for k, r in sorted(state.resources.items())},
    }, indent=1, sort_keys=True, default=str)


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "true/false", type(None): "null",
            int: "a number", float: "a number"}.get(type(value), type(value).__name__)


RESOURCE_SHAPE = ('an object {"key": "...", "provider": "...", "provider_type": "...", "status": "...", '
                  '"id": ..., "attrs": {...}, "outputs": {...}}')
_STRINGS = ("key", "provider", "provider_type")
_OPTIONAL = {"status": (str,), "id": (str, int, type(None)), "attrs": (dict,), "outputs": (dict,),
             "updated_at": (str,), "ambiguous_at": (str, type(None)), "created_at": (str,), "protected": (bool,),
             "applied_by": (dict,)}


# the exact types of the members _OPTIONAL allows (bool only where it is named): an entry whose members
# all have one passes the checks below, which then need not run (one pass over the entry's members)
_EXACT = {name: frozenset(types) for name, types in _OPTIONAL.items()}


def _plain(data: dict[str, Any]) -> bool:
    for name in _STRINGS:
        value = data.get(name)
        if type(value) is not str or not value:
            return False
    exact = _EXACT.get
    for name, value in data.items():
        types = exact(name)
        if types is not None and type(value) not in types:
            return False
    return True


def resource_from_json(data: Any, where: str) -> ResourceState:
    """One resource entry, checked for shape first: a hand-edited or damaged entry is a clear
    StateError naming `where`, never a TypeError from deep inside."""
    if type(data) is dict and _plain(data):
        return ResourceState.from_dict(data)
    if not isinstance(data, dict):
        raise StateError(f"{where}: expected {RESOURCE_SHAPE}, found {_kind(data)}")
    for name in _STRINGS:
        if not isinstance(data.get(name), str) or not data[name]:
            found = "nothing" if name not in data else _kind(data[name])
            raise StateError(f"{where}: expected {name!r} to be a non-empty string, found {found}")
    for name, types in _OPTIONAL.items():
        value = data.get(name)
        if name in data and (not isinstance(value, types) or (isinstance(value, bool) and bool not in types)):
            raise StateError(f"{where}: {name!r} cannot be {_kind(value)}")
    return ResourceState.from_dict(data)


def load_state(text: str, where: str) -> State:
    try:
        data = json.loads(text)
    except ValueError as error:
        raise StateError(f"{where}: state is not valid JSON ({error})") from None
    check_document(data, where)
    entries = data.get("resources", {})
    resources = {}
    memo: Memo = {}
    # Entries without outputs or CI details (most) hold one empty mapping between them instead of two
    # each (6.4 MB at 50,000): an entry's values are replaced by assignment, never changed in place.
    empty: dict[str, Any] = {}
    for key, entry in entries.items():
        resource = resource_from_json(entry, f"{where}: resources.{key}")
        if resource.key != key:
            raise StateError(f"{where}: resources.{key}: its \"key\" is {resource.key!r}, not {key!r}")
        resource.key = key  # the same string, once
        _share(resource, memo)
        if not resource.outputs:
            resource.outputs = empty
        if not resource.applied_by:
            resource.applied_by = empty
        resources[key] = resource
    return State(lineage=data["lineage"], serial=data.get("serial", 0), resources=resources)


def read_snapshot(content: bytes, where: str, text: Callable[[], str], declared: Declared | None) -> State:
    """`load_state(text(), where)` for a snapshot's bytes: with `declared` (each campaign key's declared
    values), read entry by entry (states/streamed.py: neither the whole text nor its whole decode is
    alive at once, and applied values spelt as declared keep the declared mapping); anything unusual
    about the bytes is read the whole-text way, so every error is the one it always was."""
    if declared is not None:
        from provisioner.states.streamed import Unusual, read_state

        try:
            return read_state(content, where, declared, lambda document: check_document(document, where))
        except (Unusual, StateError):
            pass
    return load_state(text(), where)


def check_document(data: Any, where: str) -> None:
    """The snapshot's document apart from its entries: an object, this format, a lineage, a serial and
    (if given) an object of entries."""
    if not isinstance(data, dict):
        raise StateError(f"{where}: expected a state object {{\"format_version\": {FORMAT_VERSION}, \"lineage\": "
                         f"..., \"serial\": ..., \"resources\": {{...}}}}, found {_kind(data)}")
    if data.get("format_version") != FORMAT_VERSION:
        raise StateError(f"{where}: state format {data.get('format_version')!r} is not {FORMAT_VERSION}")
    lineage, serial, entries = data.get("lineage"), data.get("serial", 0), data.get("resources", {})
    if not isinstance(lineage, str) or not lineage:
        raise StateError(f"{where}: expected \"lineage\" to be a non-empty string, "
                         f"found {'nothing' if 'lineage' not in data else _kind(lineage)}")
    if not isinstance(serial, int) or isinstance(serial, bool) or serial < 0:
        raise StateError(f"{where}: expected \"serial\" to be a whole number >= 0, found {serial!r}")
    if not isinstance(entries, dict):
        raise StateError(f"{where}: expected \"resources\" to be an object keyed by campaign key, "
                         f"found {_kind(entries)}")


def _share(resource: ResourceState, memo: Memo) -> None:
    """The entry's repeated strings (instance, type, status, times, applied values) as one object each
    across the state (sharing.py): most entries of a large state hold the same few."""
    share_names(resource, memo.setdefault)
    share_strings(resource.attrs, memo)
    if resource.outputs:
        share_strings(resource.outputs, memo)


def share_names(resource: ResourceState, keep: Callable[[str, str], str]) -> None:
    """The entry's own strings (instance, type, status, times) as the memo's (`keep`: its setdefault)."""
    resource.provider = keep(resource.provider, resource.provider)
    resource.provider_type = keep(resource.provider_type, resource.provider_type)
    resource.status = keep(resource.status, resource.status)
    resource.updated_at = keep(resource.updated_at, resource.updated_at)
    resource.created_at = keep(resource.created_at, resource.created_at)


def journal_put(resource: ResourceState) -> str:
    return json.dumps({"put": resource.to_dict()}, sort_keys=True, default=str, separators=(",", ":"))


def journal_remove(key: str) -> str:
    return json.dumps({"remove": key}, separators=(",", ":"))


JOURNAL_SHAPE = '{"put": {...resource...}} or {"remove": "KEY"}'


def replay(state: State, data: bytes, where: str) -> int:
    """Apply the journal's records (`data`, its raw bytes) to `state`.

    A kill -9 can tear only the last line, which never committed: a last line without its
    newline that is not a whole record is ignored. Any other line that is not a record is
    damage, reported with its line number rather than silently dropped with what follows it.
    """
    lines = data.split(b"\n")
    torn = lines.pop()  # b"" when the journal ends with a newline, as every committed record does
    applied = 0
    for number, raw in enumerate(lines, start=1):
        if raw.strip():
            _replay_one(state, _journal_record(raw, f"{where}:{number}"), f"{where}:{number}")
            applied += 1
    if torn.strip():
        try:
            record = _journal_record(torn, f"{where}:{len(lines) + 1}")
        except StateError:
            return applied  # torn mid-write: that outcome was never recorded
        _replay_one(state, record, f"{where}:{len(lines) + 1}")
        applied += 1
    return applied


def complete_lines(data: bytes) -> int:
    """How many bytes of a journal to keep before appending: all of it when it ends with a newline
    or its unterminated last line is a whole record; otherwise up to the last newline (a torn line,
    which would otherwise glue itself to the next record appended)."""
    end = data.rfind(b"\n") + 1
    if end == len(data):
        return end
    try:
        _journal_record(data[end:], "")
    except StateError:
        return end
    return len(data)


def _journal_record(raw: bytes, where: str) -> dict[str, Any]:
    try:
        record = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise StateError(f"{where}: journal line is not UTF-8 text; expected {JOURNAL_SHAPE}") from None
    except ValueError:
        raise StateError(f"{where}: journal line is not valid JSON; expected {JOURNAL_SHAPE}") from None
    if not isinstance(record, dict) or len(record) != 1 or not ({"put", "remove"} & set(record)):
        raise StateError(f"{where}: expected a journal record {JOURNAL_SHAPE}, found {_kind(record)}")
    if "remove" in record and not isinstance(record["remove"], str):
        raise StateError(f"{where}: expected \"remove\" to name a campaign key, found {_kind(record['remove'])}")
    return record


def _replay_one(state: State, record: dict[str, Any], where: str) -> None:
    if "put" in record:
        resource = resource_from_json(record["put"], where)
        state.resources[resource.key] = resource
        state.applied_as_declared.discard(resource.key)
    else:
        state.resources.pop(record["remove"], None)
