"""A state snapshot read entry by entry from its bytes, never as one text decoded whole.

`json.loads` of a 43 MB state.json kept its whole text and every entry's raw decode alive at once
beside the workspace (+140 MB at 50,000 campaigns: the plan's peak memory). Here the text is decoded
window by window and each resource entry becomes a ResourceState as soon as it is read; an entry whose
applied values are the campaign's declared ones, spelt alike, keeps the declared mapping instead of a
copy. Anything unusual (not UTF-8, not an object, invalid JSON, a duplicate key, an entry the checks
refuse) raises `Unusual`: the caller then reads the state the whole-text way, whose error is exactly
the one it always gave.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Callable
from typing import Any

from provisioner.errors import StateError
from provisioner.sharing import Memo
from provisioner.states.state import ResourceState, State

WINDOW = 1 << 18  # bytes decoded at a time
_SPACE = re.compile(r"[ \t\n\r]*")  # JSON's whitespace, as json.decoder skips it
_scan = json.JSONDecoder().raw_decode  # what json.loads(text) decodes with, one value at an index
_ONE_SPELLING = frozenset({str, int, bool, type(None)})  # equal values of these types are spelt alike

Declared = Callable[[str], "dict[str, Any] | None"]  # a campaign key's declared (compared) values, if any


class Unusual(Exception):
    """The snapshot is not plain UTF-8 JSON of the usual shape: read it the whole-text way."""


class _Text:
    """The text of `content`, decoded a window at a time; `pos` is the reading position in `text`."""

    def __init__(self, content: bytes, window: int) -> None:
        self.content, self.window, self.size = content, window, len(content)
        self.decoder = codecs.getincrementaldecoder("utf-8")()  # strict, as bytes.decode("utf-8")
        self.read = 0  # bytes of `content` decoded so far
        self.text, self.pos = "", 0

    def more(self, at_least: int) -> None:
        """At least `at_least` more bytes decoded onto the text from `pos` on."""
        if self.read >= self.size:
            raise Unusual  # the content ended inside a value: invalid JSON
        end = min(self.size, self.read + max(self.window, at_least))
        try:
            added = self.decoder.decode(self.content[self.read:end], final=end >= self.size)
        except UnicodeDecodeError:
            raise Unusual from None
        self.read = end
        self.text, self.pos = self.text[self.pos:] + added, 0

    def char(self) -> str:
        """The next character that is not whitespace (not consumed)."""
        while True:
            match = _SPACE.match(self.text, self.pos)
            self.pos = match.end() if match else self.pos
            if self.pos < len(self.text):
                return self.text[self.pos]
            self.more(self.window)

    def value(self) -> Any:
        """The JSON value at `pos` (after whitespace), consumed. A failure, or a value ending at the
        window's edge (a number may go on), may be the window's fault: tried again with more text."""
        self.char()
        if len(self.text) - self.pos < self.window >> 2 and self.read < self.size:
            # a value near the window's edge: more text first. Failing there cost a JSONDecodeError,
            # which counts the lines of the whole window before it, and a decode thrown away
            self.more(self.window)
        wanted = self.window
        while True:
            try:
                item, end = _scan(self.text, self.pos)
            except ValueError:
                if self.read >= self.size:
                    raise Unusual from None
                end = -1
            if 0 <= end < len(self.text) or (end >= 0 and self.read >= self.size):
                self.pos = end
                return item
            self.more(wanted)
            wanted *= 2

    def expect(self, char: str) -> None:
        if self.char() != char:
            raise Unusual
        self.pos += 1

    def key(self) -> str:
        """An object member's name and its colon."""
        if self.char() != '"':
            raise Unusual
        name = self.value()
        self.expect(":")
        return str(name)

    def members(self) -> Any:
        """The names of an object's members as they come (`{` consumed here; each value is read by
        the caller before the next name is asked for)."""
        self.expect("{")
        if self.char() == "}":
            self.pos += 1
            return
        while True:
            yield self.key()
            char = self.char()
            self.pos += 1
            if char == "}":
                return
            if char != ",":
                raise Unusual

    def finish(self) -> None:
        """Only whitespace may follow the document (json.loads: "Extra data")."""
        while True:
            match = _SPACE.match(self.text, self.pos)
            self.pos = match.end() if match else self.pos
            if self.pos < len(self.text):
                raise Unusual
            if self.read >= self.size:
                return
            self.more(self.window)


def read_state(content: bytes, where: str, declared: Declared, check: Callable[[dict[str, Any]], None],
               window: int = WINDOW) -> State:
    """The state in `content`, as `statefile.load_state` reads it from the whole text (`check` is its
    check of the document's other members, given them with `resources` left out); Unusual otherwise."""
    from provisioner.states.statefile import resource_from_json, share_names

    text = _Text(content, window)
    document: dict[str, Any] = {}
    resources: dict[str, ResourceState] | None = None
    shared: set[str] = set()
    memo: Memo = {}  # each entry is decoded on its own, so even its member names are new strings: kept once
    keep = memo.setdefault
    empty: dict[str, Any] = {}  # (as load_state: one empty mapping for every entry without outputs or CI details)
    for name in text.members():
        if name == "resources" and text.char() == "{":
            if resources is not None:
                raise Unusual  # a second `resources` member: json.loads keeps the last one
            resources = {}
            for key in text.members():
                entry = text.value()
                if key in resources:
                    raise Unusual  # (json.loads keeps the last entry, at the first one's place)
                try:
                    resource = resource_from_json(entry, f"{where}: resources.{key}")
                except StateError:
                    raise Unusual from None  # the whole-text read reports it, after the document's checks
                if resource.key != key:
                    raise Unusual
                key = resource.key = keep(key, key)
                values = declared(key)
                if values is not None and spelt_alike(resource.attrs, values):
                    resource.attrs = values  # the declared mapping itself, not a copy of it
                    shared.add(key)
                else:
                    resource.attrs = with_shared_keys(resource.attrs, keep)
                resource.outputs = with_shared_keys(resource.outputs, keep) if resource.outputs else empty
                resource.applied_by = with_shared_keys(resource.applied_by, keep) if resource.applied_by else empty
                share_names(resource, keep)
                resources[key] = resource
        else:
            if name == "resources" and resources is not None:
                raise Unusual
            document[name] = text.value()
    text.finish()
    check(document)  # (raises StateError for what the whole-text read rejects: the caller reads it so)
    state = State(lineage=document["lineage"], serial=document.get("serial", 0), resources=resources or {})
    state.applied_as_declared = shared
    return state


def spelt_alike(applied: dict[str, Any], declared: dict[str, Any]) -> bool:
    """`applied` == `declared` with the same type at every node, every leaf of a type whose equal
    values are spelt alike (str, int, bool, None: not 1.0 for 1, nor True for 1), and `applied`'s
    names in sorted order at every level (as the state file stores them, so that the order a reader
    of the shared mapping must use is known: State.applied_as_declared). The values are compared
    at once (in C) first: the walk then checks only types and the order of names."""
    return applied == declared and _typed_alike(applied, declared)


def _typed_alike(applied: dict[str, Any], declared: dict[str, Any]) -> bool:
    """spelt_alike's walk, for mappings known to be equal: every name of `applied` is one of `declared`."""
    previous = ""
    for name, value in applied.items():
        if name < previous:
            return False
        previous = name
        kind = type(value)
        other = declared[name]
        if kind is dict:
            if type(other) is not dict or not _typed_alike(value, other):
                return False
        elif type(other) is not kind or kind not in _ONE_SPELLING:
            return False
    return True


def with_shared_keys(mapping: dict[str, Any], keep: Callable[[str, str], str]) -> dict[str, Any]:
    """`mapping` rebuilt with each member name and each string value the one string the memo (`keep`,
    its setdefault) holds for it, in nested mappings and lists too: what one decode of the whole
    document and `sharing.share_strings` gave together."""
    return {keep(name, name): _with_shared_strings(value, keep) for name, value in mapping.items()}


def _with_shared_strings(value: Any, keep: Callable[[str, str], str]) -> Any:
    kind = type(value)
    if kind is str:
        return keep(value, value)
    if kind is dict:
        return with_shared_keys(value, keep)
    if kind is list:
        return [_with_shared_strings(item, keep) for item in value]
    return value


def in_key_order(mapping: dict[str, Any]) -> dict[str, Any]:
    """A copy of a shared mapping in the order the state file gave it (sorted names at every level)."""
    return {name: in_key_order(value) if type(value) is dict else value for name, value in sorted(mapping.items())}


