"""State ↔ versioned JSON (the snapshot), and the journal records appended between snapshots."""

from __future__ import annotations

import json
from typing import Any

from provisioner.errors import StateError
from provisioner.states.state import ResourceState, State

FORMAT_VERSION = 1


def dump_state(state: State) -> str:
    return json.dumps({
        "format_version": FORMAT_VERSION,
        "lineage": state.lineage,
        "serial": state.serial,
        "resources": {k: r.to_dict() for k, r in sorted(state.resources.items())},
    }, indent=1, sort_keys=True, default=str)


def load_state(text: str, where: str) -> State:
    try:
        data = json.loads(text)
    except ValueError as error:
        raise StateError(f"{where}: state is not valid JSON ({error})") from None
    if data.get("format_version") != FORMAT_VERSION:
        raise StateError(f"{where}: state format {data.get('format_version')!r} is not {FORMAT_VERSION}")
    resources = {k: ResourceState.from_dict(v) for k, v in data.get("resources", {}).items()}
    return State(lineage=data["lineage"], serial=int(data["serial"]), resources=resources)


def journal_put(resource: ResourceState) -> str:
    return json.dumps({"put": resource.to_dict()}, sort_keys=True, default=str, separators=(",", ":"))


def journal_remove(key: str) -> str:
    return json.dumps({"remove": key}, separators=(",", ":"))


def replay(state: State, lines: list[str]) -> int:
    """Apply journal lines to `state`; a torn last line (kill -9 mid-write) never committed."""
    applied = 0
    for line in lines:
        try:
            record: dict[str, Any] = json.loads(line)
        except ValueError:
            continue
        if "put" in record:
            resource = ResourceState.from_dict(record["put"])
            state.resources[resource.key] = resource
        elif "remove" in record:
            state.resources.pop(record["remove"], None)
        applied += 1
    return applied
