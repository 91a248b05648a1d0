"""Safe YAML loading that keeps the line of every mapping key, rejects duplicate keys and refuses
documents whose aliases expand beyond what any campaign file needs (the "billion laughs").

Mappings load as `MarkedDict`, whose `.lines[key]` is the 1-based line where the key was written,
so any later validation error can name the file and line a user must fix.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import yaml
from yaml.events import (
    DocumentEndEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)

from provisioner.config.marked import MarkedDict, YamlError  # defined without yaml: a warm load needs no parser

# libyaml's event parser, when PyYAML was built with it (else the full loader does everything)
_EventParser: Any = getattr(getattr(yaml, "cyaml", None), "CParser", None)

MAX_FILE_BYTES = 8_000_000  # text a person edits (~40,000 campaigns); anything bigger is a mistake
# An alias repeats its anchor's whole subtree, so nine levels of nine aliases (~430 bytes) describe
# 9**9 nodes. PyYAML builds each anchored value once and shares it, so loading stays cheap, but
# validation, canonical JSON and plan files walk the expansion and exhaust memory. Each document's
# expansion is therefore counted on the composed node graph, before any Python object is built.
# A shared block (campaign defaults, a budget, a targeting filter) is tens of nodes, a shared list
# of a few thousand bids some 20,000; one alias use bringing more than this is a bomb's inner level:
MAX_NODES_PER_ALIAS = 50_000
# ... and all alias uses together may add about as many nodes as the largest file accepted without
# aliases holds (8 MB of YAML is ~1,000,000 nodes): 40,000 campaigns sharing a 25-node block fit.
MAX_ALIAS_NODES_PER_DOCUMENT = 1_000_000


# libyaml's parser when present (several times faster on 10,000-campaign workspaces); the
# constructors, which decide what objects may be built, are the safe ones either way.
_SafeBase = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _MarkedLoader(_SafeBase):  # type: ignore[misc, valid-type]
    """SafeLoader (no arbitrary objects) + line marks + duplicate-key detection + alias limits."""

    check_aliases = True  # off when the text has no '*', hence no alias to expand

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        # A scalar's tag depends only on its text and how it was written (plain or quoted), and a
        # campaign file repeats most of its scalars (providers, types, dates, currencies): resolve
        # each distinct one once per file instead of running the YAML 1.1 regexes every time.
        self._resolved: dict[tuple[str, Any], str] = {}

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is yaml.ScalarNode:
            memo = (value, implicit)
            tag = self._resolved.get(memo)
            if tag is None:
                tag = self._resolved[memo] = super().resolve(kind, value, implicit)
            return tag
        return super().resolve(kind, value, implicit)

    def construct_document(self, node: yaml.Node) -> Any:
        if self.check_aliases:
            _check_alias_expansion(node)
        return super().construct_document(node)


def _check_alias_expansion(root: yaml.Node) -> None:
    """Refuse a document whose aliases expand past the limits, naming the line of the alias use.

    The composer hands aliases over as the anchored node itself, so in a walk in document order the
    first visit of a node is its anchor and every later one is an alias use. Sizes are counted once
    per node (the graph is walked, never expanded), so this costs one pass over what was written.
    Scalars count as one node and are not tracked: an aliased scalar adds no more than writing it.
    An alias of an enclosing node (still being walked) is left to the constructor, which refuses it.
    """
    sizes: dict[int, int] = {}  # id(collection node) → expanded node count, once it is walked
    walking: set[int] = {id(root)}
    added = 0
    # [collection node, its children (a mapping's keys and values interleaved), next index, size]
    stack: list[list[Any]] = [[root, _children(root), 0, 1]]
    while stack:
        top = stack[-1]
        node, children, index, size = top
        while index < len(children):
            child = children[index]
            index += 1
            if isinstance(child, yaml.ScalarNode):
                size += 1
                continue
            known = sizes.get(id(child))
            if known is not None:  # an alias use
                added += known
                if known > MAX_NODES_PER_ALIAS:
                    raise YamlError(f"an alias here expands to {known:,} nodes; the limit per alias is "
                                    f"{MAX_NODES_PER_ALIAS:,} (an alias bomb?)", _line_of_child(node, index - 1))
                if added > MAX_ALIAS_NODES_PER_DOCUMENT:
                    raise YamlError(f"aliases expand this document by more than {MAX_ALIAS_NODES_PER_DOCUMENT:,}"
                                    " nodes (an alias bomb?)", _line_of_child(node, index - 1))
                size += known
            elif id(child) not in walking:  # (else recursive: the constructor refuses it)
                top[2], top[3] = index, size
                walking.add(id(child))
                stack.append([child, _children(child), 0, 1])
                break
        else:
            stack.pop()
            walking.discard(id(node))
            sizes[id(node)] = size
            if stack:
                stack[-1][3] += size


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [child for pair in node.value for child in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _line_of_child(parent: yaml.Node, index: int) -> int:
    """The line to name for child `index` of `parent`: an aliased node carries its anchor's mark,
    so a mapping's child is named by its key's line and a sequence's by the sequence's start."""
    if isinstance(parent, yaml.MappingNode):
        return int(parent.value[index // 2][0].start_mark.line) + 1
    return int(parent.start_mark.line) + 1


_STR_TAG = "tag:yaml.org,2002:str"
_MERGE_TAGS = frozenset({"tag:yaml.org,2002:merge", "tag:yaml.org,2002:value"})


def _construct_mapping(loader: _MarkedLoader, node: yaml.MappingNode) -> MarkedDict:
    # flatten_mapping only acts on `<<` (merge) and `=` (value) keys; most mappings have neither
    if any(key_node.tag in _MERGE_TAGS for key_node, _ in node.value):
        loader.flatten_mapping(node)
    mapping = MarkedDict()
    lines: dict[Any, int] = {}
    mapping.lines = lines
    mapping.line = node.start_mark.line + 1
    construct = loader.construct_object
    scalar = yaml.ScalarNode
    for key_node, value_node in node.value:
        # A str scalar constructs to its text (SafeConstructor.construct_yaml_str): take it directly
        # instead of through construct_object's bookkeeping; every other node goes the usual way.
        if type(key_node) is scalar and key_node.tag == _STR_TAG:
            key = key_node.value
        else:
            key = construct(key_node, deep=True)
        line = key_node.start_mark.line + 1
        if not isinstance(key, Hashable):  # a list or mapping as a key (`? [a, b]`): no campaign file needs one
            raise YamlError(f"a key must be text, a number or a date, not {type(key).__name__}", line)
        if key in mapping:
            raise YamlError(f"duplicate key {key!r} (first written on line {lines[key]})", line)
        if type(value_node) is scalar and value_node.tag == _STR_TAG:
            mapping[key] = value_node.value
        else:
            mapping[key] = construct(value_node, deep=True)
        lines[key] = line
    return mapping


_MarkedLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_yaml_text(raw: bytes) -> Any:
    """Parse one document; raises YamlError with a line for bad bytes, syntax or duplicate keys."""
    if len(raw) > MAX_FILE_BYTES:
        raise YamlError(f"file is {len(raw)} bytes; the limit is {MAX_FILE_BYTES}", None)
    if b"\x00" in raw:
        raise YamlError("file is binary (contains NUL bytes), not YAML", None)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise YamlError(f"file is not UTF-8 text ({error.reason})", raw[: error.start].count(b"\n") + 1) from None
    if _EventParser is not None:
        try:
            return _load_plain_document(text)
        except Exception:  # anything unusual or wrong: the full loader decides, and names the line of
            pass  # any error exactly as it always did
    return _load_with_full_loader(text)


def _load_with_full_loader(text: str) -> Any:
    try:
        loader = _MarkedLoader(text)
        loader.check_aliases = "*" in text
        try:
            return loader.get_single_data()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as error:
        mark: Any = error.problem_mark or error.context_mark
        # at end of input the mark sits one past the last line; name the last line instead
        line = min(mark.line + 1, max(1, text.count("\n"))) if mark else None
        raise YamlError(f"invalid YAML: {error.problem or error.context}", line) from None


class _NotPlain(Exception):
    """The text uses something only the full loader handles (see `_load_plain_document`)."""


_RESOLVER: Any = yaml.resolver.Resolver()  # the implicit YAML 1.1 resolvers; SafeLoader has no path resolvers
_SCALAR_CONSTRUCTOR = yaml.constructor.SafeConstructor()  # its scalar constructors keep no state
# scalar tags `_load_plain_document` builds itself (with the loader's own constructors); str is taken as is
_PLAIN_SCALARS = {tag: _MarkedLoader.yaml_constructors[tag] for tag in (
    "tag:yaml.org,2002:null", "tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:timestamp")}


_UNBOUND: Any = None  # what `_load_plain_document` leaves in its recursive function's closure cell


def _load_plain_document(text: str) -> Any:
    """The document built straight from libyaml's events, without node objects or the constructor's
    bookkeeping (about half the cold load of a large workspace): the same `MarkedDict`s, lines and
    YAML 1.1 scalars `_MarkedLoader` builds, for documents of plain mappings, sequences and
    untagged scalars only. Raises `_NotPlain` (or the parser's error) at anything else: an anchor
    or alias (so the alias limits stay where they are), an explicit tag, a merge or `=` key, a
    complex key, a duplicate key, a second document, invalid YAML; the caller then loads the text
    with `_MarkedLoader`, which builds or reports it as it always did."""
    parser = _EventParser(text)
    get = parser.get_event
    resolve = _RESOLVER.resolve
    tags: dict[tuple[str, Any], str] = {}  # (text, implicit) → resolved tag, as _MarkedLoader.resolve
    built: dict[tuple[str, str], Any] = {}  # (tag, text) → the (immutable) value of a non-str scalar
    scalar_node, str_tag = yaml.ScalarNode, _STR_TAG

    def scalar(event: Any) -> Any:
        if event.anchor is not None or event.tag is not None:
            raise _NotPlain
        value, implicit = event.value, event.implicit
        tag = tags.get((value, implicit))
        if tag is None:
            tag = tags[(value, implicit)] = resolve(scalar_node, value, implicit)
        if tag == str_tag:
            return value
        if (tag, value) in built:
            return built[(tag, value)]
        construct = _PLAIN_SCALARS.get(tag)
        if construct is None:  # `<<`, `=` (or a tag some code registered): the full loader
            raise _NotPlain
        result = built[(tag, value)] = construct(_SCALAR_CONSTRUCTOR, scalar_node(tag, value, event.start_mark,
                                                                          event.end_mark, style=event.style))
        return result

    def node(event: Any) -> Any:
        kind = type(event)
        if kind is ScalarEvent:
            return scalar(event)
        if event.anchor is not None or getattr(event, "tag", None) is not None:
            raise _NotPlain  # (an alias event has no tag, and its anchor is the name it refers to)
        if kind is MappingStartEvent:
            mapping = MarkedDict()
            lines: dict[Any, int] = {}
            mapping.lines, mapping.line = lines, event.start_mark.line + 1
            key_event: Any
            while True:
                key_event = get()
                key_kind = type(key_event)
                if key_kind is not ScalarEvent:
                    if key_kind is MappingEndEvent:
                        return mapping
                    raise _NotPlain  # a complex key
                key = scalar(key_event)
                if key in mapping:
                    raise _NotPlain  # the full loader reports it with both lines
                lines[key] = key_event.start_mark.line + 1
                event = get()
                mapping[key] = scalar(event) if type(event) is ScalarEvent else node(event)
        if kind is SequenceStartEvent:
            items: list[Any] = []
            while True:
                event = get()
                if type(event) is SequenceEndEvent:
                    return items
                items.append(scalar(event) if type(event) is ScalarEvent else node(event))
        raise _NotPlain  # an alias

    try:
        get()  # the stream's start
        event = get()
        if type(event) is StreamEndEvent:
            return None  # an empty file
        if type(event) is not DocumentStartEvent or event.version is not None or event.tags:
            raise _NotPlain
        root = node(get())
        if type(get()) is not DocumentEndEvent or type(get()) is not StreamEndEvent:
            raise _NotPlain  # a second document: the full loader refuses it
        return root
    finally:
        parser.dispose()
        # `node` refers to itself through its closure: a cycle holding the parser and the memos
        # (a tuple per distinct scalar), which the plan's paused collector would keep for the run
        node = _UNBOUND  # rebinding the name in its cell breaks the cycle


def line_of(document: Any, path: tuple[Any, ...]) -> int | None:
    """The line of the deepest key on `path` that exists in `document` (pydantic error locs)."""
    line: int | None = getattr(document, "line", None)
    node = document
    for part in path:
        if isinstance(node, MarkedDict) and part in node:
            line = node.lines.get(part, line)
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
            line = getattr(node, "line", line)
        else:
            break
    return line
