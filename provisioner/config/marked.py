"""What a loaded YAML document is made of, without the YAML parser: `MarkedDict`, a mapping that
remembers the line of each key, and `YamlError`. A workspace loaded from its cache is built from these
alone, so a warm start never imports PyYAML (the parser is in config/yamlmarks.py)."""

from __future__ import annotations

from typing import Any


class MarkedDict(dict):  # type: ignore[type-arg]
    """A dict that remembers where each key was written (`lines`) and where it began (`line`)."""

    __slots__ = ("line", "lines")  # no per-mapping __dict__ (304 bytes each, and slower to fill)
    lines: dict[Any, int]
    line: int


class YamlError(ValueError):
    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.line = line
