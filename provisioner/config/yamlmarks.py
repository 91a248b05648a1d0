"""Safe YAML loading that keeps the line of every mapping key and rejects duplicate keys.

Mappings load as `MarkedDict`, whose `.lines[key]` is the 1-based line where the key was written,
so any later validation error can name the file and line a user must fix.
"""

from __future__ import annotations

from typing import Any

import yaml

MAX_FILE_BYTES = 8_000_000  # text a person edits (~40,000 campaigns); anything bigger is a mistake


class MarkedDict(dict):  # type: ignore[type-arg]
    """A dict that remembers where each key was written (`lines`) and where it began (`line`)."""

    lines: dict[Any, int]
    line: int


class YamlError(ValueError):
    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.line = line


# libyaml's parser when present (several times faster on 10,000-campaign workspaces); the
# constructors, which decide what objects may be built, are the safe ones either way.
_SafeBase = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _MarkedLoader(_SafeBase):  # type: ignore[misc, valid-type]
    """SafeLoader (no arbitrary objects) + line marks + duplicate-key detection."""


def _construct_mapping(loader: _MarkedLoader, node: yaml.MappingNode) -> MarkedDict:
    loader.flatten_mapping(node)
    mapping = MarkedDict()
    mapping.lines = {}
    mapping.line = node.start_mark.line + 1
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        if key in mapping:
            raise YamlError(f"duplicate key {key!r} (first written on line {mapping.lines[key]})", line)
        mapping[key] = loader.construct_object(value_node, deep=True)
        mapping.lines[key] = line
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
        return yaml.load(text, Loader=_MarkedLoader)  # noqa: S506 - _MarkedLoader is a SafeLoader
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        # at end of input the mark sits one past the last line; name the last line instead
        line = min(mark.line + 1, max(1, text.count("\n"))) if mark else None
        raise YamlError(f"invalid YAML: {error.problem or error.context}", line) from None


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
