"""Safe YAML loading that keeps the line of every mapping key, rejects duplicate keys and refuses
documents whose aliases expand beyond what any campaign file needs (the "billion laughs").

Mappings load as `MarkedDict`, whose `.lines[key]` is the 1-based line where the key was written,
so any later validation error can name the file and line a user must fix.
"""

from __future__ import annotations

import re
from collections.abc import Hashable
from functools import cache
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
    try:
        return _load_simple_document(text)
    except Exception:  # anything outside its small subset of YAML: the event builder, then the full loader
        pass
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


def _typed(tag: str, text: str) -> Any:
    """The value of an implicitly typed scalar other than str (null, bool, int, float, timestamp),
    built by the safe loader's own constructor (none of them reads a mark or the style); raises
    `_NotPlain` for `<<`, `=` or a tag some code registered: the full loader's."""
    construct = _PLAIN_SCALARS.get(tag)
    if construct is None:
        raise _NotPlain
    return construct(_SCALAR_CONSTRUCTOR, yaml.ScalarNode(tag, text, None, None, style=""))


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
        result = built[(tag, value)] = _typed(tag, value)
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


# ---- the line reader: the subset of YAML campaign files are written in, read a line at a time ----
# A line with a character outside these (a tab, CR, NEL, U+2028/9, a BOM, an astral character, a
# control character) goes the event builder's way: each is a break, an indentation error or an escape
# to libyaml. An ASCII line is checked with str.isprintable (exactly 0x20-0x7E); compiled only for
# other text, as a class with a range up to U+FFFD takes milliseconds to compile (so: ASCII ranges
# only in the patterns below).
@cache
def _unicode_text() -> re.Pattern[str]:
    return re.compile("[\x20-\x7e\u00a1-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd]*")


# A plain scalar: a first character that cannot start anything else (an indicator, a quote, `-`
# before a space), then characters that end nothing: never `#` (a comment after a space) nor a
# bracket or brace, `,` only outside flow collections, and `:` only before a letter, digit or `/`
# (checked apart: `: ` would be a mapping value). Trailing spaces are not part of the scalar.
_STARTS = r"""(?:[^\x00-\x20\x7f-\xa0!"#%&')*,\-:;<=>?@\[\\\]^`{|}]|-[A-Za-z0-9.])"""
_BLOCK_PLAIN = re.compile(rf"{_STARTS}[^\x00-\x1f\x7f-\xa0#\[\]{{}}]*")
_FLOW_PLAIN = re.compile(rf"{_STARTS}[^\x00-\x1f\x7f-\xa0#,\[\]{{}}]*")
_KEY = re.compile(r"[A-Za-z0-9_][^\x00-\x1f\x7f-\xa0#:,\[\]{}]*")  # a plain key: no `:` at all
_FLOW_KEY = re.compile(r"([A-Za-z0-9_][^\x00-\x1f\x7f-\xa0#:,\[\]{}]*): +")
_ODD_COLON = re.compile(r":(?![A-Za-z0-9/])")
_DOUBLE_QUOTED = re.compile(r'"([^"\\]*)"')  # no escapes: `\` goes the event builder's way
_SINGLE_QUOTED = re.compile(r"'((?:[^']|'')*)'")
_SPACES = re.compile(" *")
_TRAILER = re.compile(r"(?: +(?:#.*)?)?\Z")  # what may follow a value: spaces, a comment after a space
_MAX_KEY = 1000  # libyaml's simple keys end within 1024 characters; longer ones go its way


def _load_simple_document(text: str) -> Any:
    """The document read a line at a time, for the subset of YAML campaign files are written in:
    block mappings of plain keys, each `key: value` on one line, values plain, quoted (no escapes)
    or flow collections on the same line, block sequences of such values as a key's value (`- v`),
    comments and blank lines. The same `MarkedDict`s, lines
    and YAML 1.1 scalars (through the resolver and constructors `_load_plain_document` uses) as the
    other loaders; raises `_NotPlain` at anything else (a mapping or null as a sequence item, a
    multi-line scalar, a tab, an anchor, a tag, a duplicate key, ...), and the event builder then
    reads the text.
    A campaign file repeats most of its lines (`    provider: x`, a shared budget): each distinct
    line is read once, and what it says is built again, fresh, wherever it is written."""
    plains: dict[str, Any] = {}  # plain text → its value (one object per distinct text in the file)
    read: dict[str, Any] = {}  # line → what `_read_line` made of it
    root: MarkedDict | None = None
    indents: list[int] = []  # the open mappings' indentations, innermost last
    mappings: list[MarkedDict] = []  # ... and the mappings
    indent_now, mapping = -1, MarkedDict()
    waiting: Any = _BLANK  # the key of a `key:` with nothing after it (in `mapping`): a nested mapping or null
    sequence: list[Any] | None = None  # the block sequence whose items are being read, at `sequence_indent`
    sequence_indent = -1
    number = 0
    for line in text.split("\n"):
        number += 1
        parsed = read.get(line)
        if parsed is None:
            parsed = read[line] = _read_line(plains, line)
        if parsed is _BLANK:
            continue
        indent, key, kind, value = parsed
        if key is _ITEM:
            if waiting is not _BLANK and indent >= indent_now:  # `key:`'s value: a block sequence (its
                sequence = mapping[waiting] = []  # `-` may stand at the key's own indentation)
                sequence_indent, waiting = indent, _BLANK
            elif sequence is None or indent != sequence_indent:
                raise _NotPlain
            sequence.append(value if kind is _SCALAR else _build(value, number))
            continue
        if sequence is not None:  # the line after a sequence's last item
            if indent > sequence_indent or (indent == sequence_indent and indent != indent_now):
                raise _NotPlain  # more indented than the items, or a key among them
            sequence = None
        if waiting is not _BLANK:  # (a key may be None: `null:`)
            if indent > indent_now:  # the nested mapping of `key:`
                nested = MarkedDict()
                nested.lines, nested.line = {}, number
                mapping[waiting] = nested
                indents.append(indent)
                mappings.append(nested)
                indent_now, mapping = indent, nested
            waiting = _BLANK  # (else `key:` stays null, as written)
        if indent != indent_now:
            if root is None:
                root = mapping = MarkedDict()
                root.lines, root.line = {}, number
                indents.append(indent)
                mappings.append(root)
                indent_now = indent
            elif indent > indent_now:
                raise _NotPlain  # more indented without a `key:` before: a continuation, or an error
            else:
                while indent < indents[-1]:
                    indents.pop()
                    mappings.pop()
                    if not indents:
                        raise _NotPlain  # less indented than the document's first key
                if indent != indents[-1]:
                    raise _NotPlain
                indent_now, mapping = indent, mappings[-1]
        if key in mapping:
            raise _NotPlain  # the full loader reports it with both lines
        mapping.lines[key] = number
        if kind is _SCALAR:
            mapping[key] = value
        elif kind is _FLOW:
            mapping[key] = _build(value, number)
        else:
            mapping[key] = None  # `key:` alone: null, unless a nested mapping follows
            waiting = key
    if root is None:
        raise _NotPlain  # an empty document, or one of comments only: the event builder's
    return root


_SCALAR_NODE = yaml.ScalarNode
_BLANK: Any = object()  # a blank or comment line
_SCALAR, _FLOW, _NOTHING_YET = "scalar", "flow", "nothing"  # what follows `key:` on its line
_ITEM: Any = object()  # in place of the key: a line `- value`


def _read_line(plains: dict[str, Any], line: str) -> Any:
    """`_BLANK`, or (indentation, key, kind, value): a scalar, a flow collection's recipe (see
    `_build`) or nothing yet."""
    if not (line.isprintable() if line.isascii() else _unicode_text().fullmatch(line) is not None):
        raise _NotPlain  # (ASCII: no control character, tab or CR)
    content = line.lstrip(" ")
    if not content or content[0] == "#":
        return _BLANK
    if content[0] == "-" and content[1:2] == " ":  # an item of a block sequence: `- value`
        rest = content[2:].lstrip(" ")
        if not rest or rest[0] == "#":
            raise _NotPlain  # a null item, or a nested block: the event builder's
        return (len(line) - len(content), _ITEM, *_line_value(plains, rest))
    colon = content.find(": ")
    if colon < 0:
        if content[-1] != ":":
            raise _NotPlain
        key_text, rest = content[:-1], ""
    else:
        key_text, rest = content[:colon], content[colon + 2:].lstrip(" ")
    if _KEY.fullmatch(key_text) is None or key_text[-1] == " " or len(key_text) > _MAX_KEY:
        raise _NotPlain
    indent = len(line) - len(content)
    key = plains[key_text] if key_text in plains else _plain(plains, key_text)
    if not rest or rest[0] == "#":
        return indent, key, _NOTHING_YET, None
    return (indent, key, *_line_value(plains, rest))


def _line_value(plains: dict[str, Any], rest: str) -> tuple[str, Any]:
    """(kind, value) of the value that starts `rest` and ends its line: a scalar, or the recipe of
    a flow collection (see `_build`)."""
    first = rest[0]
    if first == "{" or first == "[":
        try:
            recipe, end = _flow(plains, rest, 0)
        except IndexError:  # not closed on its line
            raise _NotPlain from None
        if _TRAILER.match(rest, end) is None:
            raise _NotPlain
        return _FLOW, recipe
    if first == '"' or first == "'":
        quoted = (_DOUBLE_QUOTED if first == '"' else _SINGLE_QUOTED).match(rest)
        if quoted is None or _TRAILER.match(rest, quoted.end()) is None:
            raise _NotPlain
        return _SCALAR, quoted[1] if first == '"' else quoted[1].replace("''", "'")
    if "#" in rest:  # a comment (after a space, else `#` is text: the event builder's)
        rest = rest.partition(" #")[0]
        if "#" in rest:
            raise _NotPlain
    text = rest.rstrip(" ")
    if _BLOCK_PLAIN.fullmatch(text) is None:
        raise _NotPlain
    return _SCALAR, plains[text] if text in plains else _plain(plains, text)


def _plain(plains: dict[str, Any], text: str) -> Any:
    """The value of plain scalar `text`, resolved and built as `_load_plain_document` builds it."""
    if ":" in text and _ODD_COLON.search(text) is not None:
        raise _NotPlain
    tag = _RESOLVER.resolve(_SCALAR_NODE, text, (True, False))
    result = plains[text] = text if tag == _STR_TAG else _typed(tag, text)
    return result


# A flow collection's recipe: (the mapping of its keys and values, or None for a list; keys; values;
# positions of the values that are recipes themselves). Scalars are immutable, so each build shares
# them; collections are built anew.
def _build(recipe: Any, number: int) -> Any:
    """The flow collection of `recipe`, written on line `number`."""
    as_mapping, keys, values, nested = recipe
    if as_mapping is not None:
        mapping = MarkedDict(as_mapping)
        mapping.lines, mapping.line = dict.fromkeys(keys, number), number
        for index in nested:
            mapping[keys[index]] = _build(values[index], number)
        return mapping
    items = list(values)
    for index in nested:
        items[index] = _build(values[index], number)
    return items


def _flow(plains: dict[str, Any], line: str, pos: int) -> tuple[Any, int]:
    """The recipe of the flow collection starting at `line[pos]`, and the position after it."""
    spaces = _SPACES.match
    values: list[Any] = []
    nested: list[int] = []
    if line[pos] == "{":
        keys: list[Any] = []
        pos = spaces(line, pos + 1).end()  # type: ignore[union-attr]
        if line[pos] == "}":
            return ({}, (), (), ()), pos + 1
        while True:
            key_match = _FLOW_KEY.match(line, pos)
            if key_match is None:
                raise _NotPlain
            key_text = key_match[1]
            if key_text[-1] == " " or len(key_text) > _MAX_KEY:
                raise _NotPlain
            key = plains[key_text] if key_text in plains else _plain(plains, key_text)
            if key in keys:  # (a handful of keys: a list is quicker than a set)
                raise _NotPlain
            keys.append(key)
            pos = _flow_value(plains, line, key_match.end(), values, nested)
            if line[pos] == "}":
                return (dict(zip(keys, values, strict=True)), tuple(keys), tuple(values), tuple(nested)), pos + 1
            if line[pos] != ",":
                raise _NotPlain
            pos = spaces(line, pos + 1).end()  # type: ignore[union-attr]
    pos = spaces(line, pos + 1).end()  # type: ignore[union-attr]
    if line[pos] == "]":
        return (None, None, (), ()), pos + 1
    while True:
        pos = _flow_value(plains, line, pos, values, nested)
        if line[pos] == "]":
            return (None, None, tuple(values), tuple(nested)), pos + 1
        if line[pos] != ",":
            raise _NotPlain
        pos = spaces(line, pos + 1).end()  # type: ignore[union-attr]


def _flow_value(plains: dict[str, Any], line: str, pos: int, values: list[Any], nested: list[int]) -> int:
    """Append the value at `line[pos]` in a flow collection to `values` (its position to `nested` if
    it is a collection); the position after it and its spaces."""
    first = line[pos]
    if first == "{" or first == "[":
        nested.append(len(values))
        recipe, pos = _flow(plains, line, pos)
        values.append(recipe)
    elif first == '"' or first == "'":
        quoted = (_DOUBLE_QUOTED if first == '"' else _SINGLE_QUOTED).match(line, pos)
        if quoted is None:
            raise _NotPlain
        values.append(quoted[1] if first == '"' else quoted[1].replace("''", "'"))
        pos = quoted.end()
    else:
        text_match = _FLOW_PLAIN.match(line, pos)
        if text_match is None:
            raise _NotPlain
        text = text_match[0].rstrip(" ")
        values.append(plains[text] if text in plains else _plain(plains, text))
        return text_match.end()
    return _SPACES.match(line, pos).end()  # type: ignore[union-attr]


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
