"""Canonical JSON and its hash: the one way provisioner turns a value into a stable digest (config,
state, live fingerprints and the plan file's checksum all use it)."""

from __future__ import annotations

import hashlib
import json
from functools import partial
from itertools import chain, islice, repeat
from json.encoder import encode_basestring_ascii  # what json.dumps spells text with (its C function)
from operator import add, itemgetter
from typing import Any

COMPACT = (",", ":")
SPACED = (", ", ": ")  # json.dumps's default spacing: the config digest was first computed with it


def canonical_json(value: Any, *, separators: tuple[str, str] = COMPACT) -> str:
    """Sorted keys; values JSON cannot hold (Decimal, datetime) as their str()."""
    return json.dumps(value, sort_keys=True, default=str, separators=separators)


def content_hash(value: Any, *, separators: tuple[str, str] = COMPACT) -> str:
    """SHA-256 (hex) of the canonical JSON of `value`."""
    return hashlib.sha256(canonical_json(value, separators=separators).encode()).hexdigest()


def content_hash_of_many(value: Any, *, separators: tuple[str, str] = COMPACT) -> str:
    """`content_hash(value)`, the same hash, for a value holding many mappings of the same keys (the
    workspace's campaigns): spelt a column at a time (`canonical_json_of_many`)."""
    return hashlib.sha256(canonical_json_of_many(value, separators=separators).encode()).hexdigest()


def canonical_json_of_many(value: Any, *, separators: tuple[str, str] = COMPACT) -> str:
    """`canonical_json(value)`, the same text, built a column at a time: the values of one key in
    mappings of the same keys are spelt together (text, whole numbers, booleans and null by json's
    own functions, in one pass each), and one object held in many places (the values the load
    cache shares) is spelt once. The json encoder spends most of its time on each value's small
    strings (13-18 us per campaign for the workspace digest). Anything else (a float, a Decimal, a
    tuple, a key that is not text) is spelt by `canonical_json` itself."""
    try:
        return _texts([value], *separators)[0]
    except RecursionError:  # nested deeper than this goes (or a cycle): json's own walk decides
        return canonical_json(value, separators=separators)


_LITERALS = {True: "true", False: "false"}


def _texts(values: list[Any], item_separator: str, key_separator: str) -> list[str]:
    """The canonical JSON of each of `values`."""
    kinds = set(map(type, values))
    if len(kinds) == 1:
        kind = kinds.pop()
        if kind is str:
            return list(map(encode_basestring_ascii, values))
        if kind is int:
            return list(map(int.__repr__, values))
        if kind is bool:
            return list(map(_LITERALS.__getitem__, values))
        if kind is type(None):
            return ["null"] * len(values)
        if issubclass(kind, dict) and kind.items is dict.items and kind.keys is dict.keys:
            return _mapping_texts(values, item_separator, key_separator)
        if kind is list:
            return _list_texts(values, item_separator, key_separator)
    elif len(values) >= 8:  # values of several kinds: each kind together
        numbers_of: dict[type, list[int]] = {}
        for number, value in enumerate(values):
            numbers_of.setdefault(type(value), []).append(number)
        texts = [""] * len(values)
        for numbers in numbers_of.values():
            for number, text in zip(numbers, _texts(list(map(values.__getitem__, numbers)), item_separator,
                                                    key_separator), strict=True):
                texts[number] = text
        return texts
    return _texts_by_json(values, item_separator, key_separator)


def _shared_once(values: list[Any], spell: Any, *separators: str) -> list[str] | None:
    """`spell(values)`, spelling each object held more than once only once; None when each object
    is held once."""
    ids = list(map(id, values))
    unique = dict(zip(ids, values, strict=True))
    if len(unique) == len(values):
        return None
    texts = dict(zip(unique, spell(list(unique.values()), *separators), strict=True))
    return list(map(texts.__getitem__, ids))


def _mapping_texts(mappings: list[dict[Any, Any]], item_separator: str, key_separator: str) -> list[str]:
    shared = _shared_once(mappings, _mapping_texts, item_separator, key_separator)
    if shared is not None:
        return shared
    shapes = list(map(tuple, mappings))
    groups: dict[tuple[Any, ...], list[int]] = {}
    if len(set(shapes)) == 1:
        groups[shapes[0]] = list(range(len(mappings)))
    else:
        for number, shape in enumerate(shapes):
            groups.setdefault(shape, []).append(number)
    texts: list[str] = [""] * len(mappings)
    for keys, numbers in groups.items():
        group = mappings if len(groups) == 1 else list(map(mappings.__getitem__, numbers))
        if not all(type(key) is str for key in keys):  # json spells other keys as text: its own way
            spelt = _texts_by_json(group, item_separator, key_separator)
        elif len(group) == 1:  # one mapping (of many keys, as the campaigns by key): its values together
            ordered = sorted(keys)
            values = _texts(list(map(group[0].__getitem__, ordered)), item_separator, key_separator)
            spelt = ["{" + item_separator.join(map(add, map(add, map(encode_basestring_ascii, ordered),
                                                                 repeat(key_separator)), values)) + "}"]
        else:
            ordered = sorted(keys)
            template = "{" + item_separator.join(encode_basestring_ascii(key).replace("%", "%%") + key_separator + "%s"
                                                 for key in ordered) + "}"
            columns = [_texts(list(map(itemgetter(key), group)), item_separator, key_separator) for key in ordered]
            spelt = list(map(template.__mod__, zip(*columns, strict=True))) if ordered else ["{}"] * len(group)
        if len(groups) == 1:
            return spelt
        for number, text in zip(numbers, spelt, strict=True):
            texts[number] = text
    return texts


def _list_texts(lists: list[list[Any]], item_separator: str, key_separator: str) -> list[str]:
    shared = _shared_once(lists, _list_texts, item_separator, key_separator)
    if shared is not None:
        return shared
    items = iter(_texts(list(chain.from_iterable(lists)), item_separator, key_separator))
    return [f"[{item_separator.join(islice(items, length))}]" for length in map(len, lists)]


def _texts_by_json(values: list[Any], item_separator: str, key_separator: str) -> list[str]:
    one = partial(json.dumps, sort_keys=True, default=str, separators=(item_separator, key_separator))
    return list(map(one, values))
