"""A snapshot read entry by entry (states/streamed.py) gives exactly the state, or exactly the error,
that reading its whole text gives, whatever the window; applied values spelt as declared (and stored
sorted, as provisioner writes them) hold the declared mapping itself, and nothing else does."""

from __future__ import annotations

import json
from typing import Any

import pytest

import provisioner.states.streamed as streamed
from provisioner.errors import StateError
from provisioner.states.state import ResourceState, State
from provisioner.states.statefile import check_document, dump_state, load_state, read_snapshot
from provisioner.states.streamed import in_key_order
from tests.states.test_damaged_state_cli import GOOD, SNAPSHOTS, snapshot

READ_STATE = streamed.read_state
DECLARED = {"spring-sale": {"name": "S", "budget": {"amount": 100, "type": "daily"}, "on": True},
            "other": {"name": "O"}}


def _state(attrs: dict[str, Any], **entry: Any) -> bytes:
    return dump_state(State(lineage="l-1", serial=2, resources={
        "spring-sale": ResourceState("spring-sale", "topsort", "topsort", id="c-1", attrs=attrs, **entry),
        "other": ResourceState("other", "topsort", "topsort", id="c-2", attrs={"name": "O", "n": [1, {"a": "b"}]},
                               outputs={"link": "https://x"}, applied_by={"commit": "abc"})})).encode()


VALID = [
    _state(DECLARED["spring-sale"]),
    _state({"name": "S", "budget": {"amount": 100.0, "type": "daily"}, "on": True}),  # 100.0 is not 100
    _state({"name": "S", "budget": {"amount": 100, "type": "daily"}, "on": 1}),  # 1 is not True
    _state({"name": "S", "budget": {"amount": 100, "type": "daily"}}),
    _state({}, created_at="2030-01-01T00:00:00Z", protected=True),
    json.dumps({"resources": {"spring-sale": {**GOOD, "attrs": {"on": True, "name": "S", "budget": {
        "type": "daily", "amount": 100}}}}, "serial": 1, "lineage": "l", "format_version": 1}).encode(),
    b'  \n{"format_version":1,"lineage":"l","serial":7}  \n',
    b'{"format_version": 1, "lineage": "l\\u00e9\xc3\xa9", "resources": {}, "serial": 12345678901234567890}',
    snapshot({"spring-sale": {**GOOD, "attrs": {"x": 1e400, "y": -0.0, "z": "\u00e9\u4e2d"}}}).encode(),
]
BROKEN = [
    *(content for content, _ in SNAPSHOTS.values()),
    snapshot({}).encode() + b" x",  # extra data
    snapshot({"spring-sale": GOOD}).encode()[:-5],  # cut short
    b'\xef\xbb\xbf' + snapshot({}).encode(),  # a BOM
    b'{"format_version": 1, "lineage": "l", "resources": {}, "resources": {"a": 1}}',  # the last one counts
    b'{"format_version": 1, "lineage": "l", "resources": {"spring-sale": 5, "spring-sale": '
    + json.dumps(GOOD).encode() + b"}}",  # a duplicate entry: the last one counts
    b'{"format_version": 2, "lineage": "l", "resources": {"spring-sale": 5}}',  # the format is named first
    b'{"format_version": 1, "lineage": "l", "resources": {"spring-sale": 5}, "serial": -1}',  # serial first
    b'{"format_version": 1 "lineage": "l"}',
    b'{"format_version": 1, "lineage": "l", "resources": {"a" 1}}',
    b'{"format_version": 1, "lineage": "l", "resources": {1: 1}}',
    b'{"format_version": 1, "lineage": "l", "serial": 1',
    b'{"format_version": 1, "lineage": "l", "serial": 1}\xff',
]


def _whole(content: bytes) -> State | str:
    try:
        return load_state(content.decode("utf-8"), "S")
    except UnicodeDecodeError:
        return "not UTF-8"
    except StateError as error:
        return str(error)


def _streamed(content: bytes, window: int, monkeypatch: pytest.MonkeyPatch) -> State | str:
    monkeypatch.setattr(streamed, "read_state", lambda *args: READ_STATE(*args, window=window))

    def text() -> str:
        return content.decode("utf-8")
    try:
        return read_snapshot(content, "S", text, DECLARED.get)
    except UnicodeDecodeError:
        return "not UTF-8"
    except StateError as error:
        return str(error)


def _plain(state: State | str) -> Any:
    if isinstance(state, str):
        return state
    # a shared entry holds the declared mapping, in its order: the stored order is the sorted one
    return (state.lineage, state.serial, [
        (k, repr(r.to_dict() | ({"attrs": in_key_order(r.attrs)} if k in state.applied_as_declared else {})))
        for k, r in state.resources.items()])


@pytest.mark.parametrize("window", [1, 2, 3, 7, 64, 1 << 18])
def test_streamed_read_is_the_whole_read(window: int, monkeypatch: pytest.MonkeyPatch) -> None:
    for content in VALID + BROKEN:
        whole = _whole(content)
        assert _plain(_streamed(content, window, monkeypatch)) == _plain(whole), content
    # (the one valid "broken" case: the duplicate entry's last, good, value counts)
    assert [i for i, c in enumerate(VALID + BROKEN) if isinstance(_whole(c), str)] == sorted(
        set(range(len(VALID), len(VALID) + len(BROKEN))) - {len(VALID) + 16})
    for content in VALID:  # read entry by entry indeed, at every window (not the whole-text way after all)
        READ_STATE(content, "S", DECLARED.get, lambda document: check_document(document, "S"), window=window)


def test_only_values_spelt_as_declared_and_stored_sorted_are_shared(monkeypatch: pytest.MonkeyPatch) -> None:
    results = [_streamed(content, 1 << 18, monkeypatch) for content in VALID[:6]]
    shared = [isinstance(s, State) and s.resources["spring-sale"].attrs is DECLARED["spring-sale"] for s in results]
    # the first is spelt alike; 100.0, 1 for True and a missing member are not; {} is not declared values;
    # the last is spelt alike but stored in another order than sorted
    assert shared == [True, False, False, False, False, False]
    first = results[0]
    assert isinstance(first, State) and first.applied_as_declared == {"spring-sale"}
    assert first.resources["other"].attrs is not DECLARED["other"]  # it records more than is declared
    assert dump_state(first).encode() == VALID[0]  # written back byte for byte
