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


@pytest.mark.parametrize("window", [1, 2, 3, 7, 40, 64, 300, 1 << 18])
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


def _spelt_alike_by_walking_both(applied: Any, declared: Any) -> bool:
    """The plain definition: the same names (sorted in `applied`), and at every leaf the same type, one of
    str, int, bool or None, and an equal value."""
    if type(applied) is dict and type(declared) is dict:
        return (list(applied) == sorted(applied) and applied.keys() == declared.keys()
                and all(_spelt_alike_by_walking_both(applied[k], declared[k]) for k in applied))
    return type(applied) is type(declared) and type(applied) in (str, int, bool, type(None)) and applied == declared


def test_spelt_alike_is_the_plain_definition() -> None:
    import enum
    import random
    from decimal import Decimal

    from provisioner.states.streamed import spelt_alike

    class Kind(enum.StrEnum):
        A = "a"

    rng = random.Random(12)
    leaves = [None, True, False, 0, 1, 1.0, 0.0, -0.0, Decimal("1"), "a", Kind.A, "1", [], [1], (1,), float("nan")]
    # what storage gives back: JSON's types only
    stored = [v for v in leaves if type(v) in (type(None), bool, int, float, str, list)]

    def value(depth: int = 0, choices: list[Any] = leaves) -> Any:
        if depth < 3 and rng.random() < 0.4:
            names = rng.sample("abcd", rng.randint(0, 3))
            return {n: value(depth + 1, choices) for n in (sorted(names) if rng.random() < 0.8 else names)}
        return rng.choice(choices)

    def respell(declared: Any) -> Any:  # (as read back from a file: JSON's types, names sorted or not)
        if isinstance(declared, dict):
            names = sorted(declared) if rng.random() < 0.9 else list(declared)[::-1]
            return {n: respell(declared[n]) for n in names}
        if rng.random() < 0.2:
            return rng.choice([v for v in stored if v == declared and v is not declared] or [declared])
        if isinstance(declared, Kind):
            return declared.value
        return list(declared) if isinstance(declared, tuple) else declared

    outcomes = []
    for _ in range(20_000):
        declared = value()
        if not isinstance(declared, dict):
            continue
        applied = respell(declared) if rng.random() < 0.8 else value(0, stored)
        if not isinstance(applied, dict):
            continue
        expected = _spelt_alike_by_walking_both(applied, declared)
        assert spelt_alike(applied, declared) == expected, (applied, declared)
        outcomes.append(expected)
    assert 0 < outcomes.count(True) < len(outcomes) - 1000


def test_resource_from_json_fast_check_is_the_full_check(monkeypatch: pytest.MonkeyPatch) -> None:
    """An entry whose members all have exact types skips the member-by-member checks: over entries of
    every kind of member value, the outcome (entry or error) is the one the full checks give."""
    import random

    from provisioner.errors import StateError
    from provisioner.states import statefile

    rng = random.Random(7)
    names = ["key", "provider", "provider_type", "status", "id", "attrs", "outputs", "updated_at",
             "ambiguous_at", "created_at", "protected", "applied_by", "other"]
    values: list[Any] = ["x", "", 0, 5, True, False, None, {}, {"a": 1}, [], 1.5]

    def outcome(entry: Any) -> Any:
        try:
            return statefile.resource_from_json(entry, "S")
        except StateError as error:
            return str(error)

    entries: list[Any] = [None, [], "x"]
    for _ in range(3000):
        entry = {"key": "k", "provider": "p", "provider_type": "t", "status": "managed", "id": "1",
                 "attrs": {}, "outputs": {}, "updated_at": "u"}
        for name in rng.sample(names, rng.randint(0, 4)):
            if rng.random() < 0.2:
                entry.pop(name, None)
            else:
                entry[name] = rng.choice(values)
        entries.append(entry)
    fast = [outcome(entry) for entry in entries]
    monkeypatch.setattr(statefile, "_plain", lambda data: False)
    slow = [outcome(entry) for entry in entries]
    assert fast == slow
    assert 100 < sum(isinstance(o, str) for o in fast) < len(fast) - 100  # both outcomes are tried
