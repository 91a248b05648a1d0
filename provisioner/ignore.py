"""`ignore:` rules: field paths (globs allowed) that provisioner neither updates nor reports as
drift, declared per campaign, per provider instance or for the whole workspace.

A rule matches a dotted field path in the config vocabulary (`budget.amount`), everything under it
(`budget` covers `budget.amount`), or a glob (`campaignFieldValues.*`).
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # only annotations: `validate` reads rules without loading the plan's classes
    from provisioner.plans.change import FieldDiff

GLOB_CHARACTERS = frozenset("*?[")


@dataclass(frozen=True)
class IgnoreRules:
    patterns: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.patterns)

    def matches(self, path: str) -> bool:
        return any(fnmatchcase(path, p) or path.startswith(p + ".") or fnmatchcase(path, p + ".*")
                   for p in self.patterns)

    def split(self, diffs: Iterable[FieldDiff]) -> tuple[list[FieldDiff], list[FieldDiff]]:
        """(the diffs to act on, the diffs these rules ignore)."""
        kept: list[FieldDiff] = []
        ignored: list[FieldDiff] = []
        for diff in diffs:
            (ignored if self.matches(diff.path) else kept).append(diff)
        return kept, ignored

    def strip(self, values: dict[str, Any]) -> dict[str, Any]:
        """`values` without the ignored leaves (what is compared with live)."""
        if not self:
            return values
        return _strip(values, "", self)


def _strip(values: dict[str, Any], prefix: str, rules: IgnoreRules) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in values.items():
        path = f"{prefix}{key}"
        if rules.matches(path):
            continue
        out[key] = _strip(value, path + ".", rules) if isinstance(value, dict) else value
    return out


def keep_live(after: dict[str, Any], ignored: Iterable[FieldDiff]) -> dict[str, Any]:
    """`after` with each ignored difference set back to its live value (`before`): an update that
    resends a whole field (Topsort's `budget`, Skala's whole order) leaves the ignored part as it is."""
    ignored = [d for d in ignored if d.before is not None]
    if not ignored:
        return after
    merged = copy.deepcopy(after)
    for diff in ignored:
        *parents, leaf = diff.path.split(".")
        node: Any = merged
        for part in parents:
            node = node.get(part) if isinstance(node, dict) else None
        if isinstance(node, dict):
            node[leaf] = copy.deepcopy(diff.before)
    return merged


def combine(*groups: Iterable[str]) -> IgnoreRules:
    """The rules of a campaign: its own, its provider instance's and the workspace's."""
    seen: dict[str, None] = {}
    for group in groups:
        for pattern in group:
            seen.setdefault(pattern, None)
    return IgnoreRules(tuple(seen))


def unknown_top_level(pattern: str, fields: Iterable[str]) -> bool:
    """True when the pattern's first segment names (or matches) none of `fields`."""
    head = pattern.split(".", 1)[0]
    names = list(fields)
    if GLOB_CHARACTERS & set(head):
        return not any(fnmatchcase(name, head) for name in names)
    return head not in names
