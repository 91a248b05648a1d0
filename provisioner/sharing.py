"""One object per distinct string in per-campaign data that stays alive for a whole plan.

The JSON decoder builds a new string for every string value it reads, so 50,000 campaigns that all
start on "2030-03-01T00:00:00Z" keep 50,000 copies of it (state attrs, live pages: about a third of
their memory). Strings are immutable, so replacing a value by an equal string already seen changes
nothing a reader can observe; the memo lives only as long as one load or one decoded answer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Memo = dict[str, str]
_Keep = Callable[[str, str], str]  # a memo's setdefault: the equal string first seen


def shared_json(value: Any) -> Any:
    """A decoded JSON document with its equal strings as one object each (in place; a top-level
    string is returned as it is). One memo per document: a page of 500 campaigns shares its dates."""
    memo: Memo = {}
    if type(value) in (dict, list):
        _share(value, memo.setdefault)
    return value


def share_strings(values: dict[str, Any], memo: Memo) -> None:
    """Replace, in place, each string inside `values` (nested mappings and lists included) by the
    equal string first seen in `memo`. Only values are replaced (keys are shared by the decoder),
    never a container's size: safe while iterating."""
    _share(values, memo.setdefault)


def _share(container: dict[str, Any] | list[Any], keep: _Keep) -> None:
    # (runs for every value of every campaign: the memo's setdefault is passed down, bound once)
    slots: Any = container.items() if type(container) is dict else enumerate(container)
    for slot, value in slots:
        kind = type(value)
        if kind is str:
            container[slot] = keep(value, value)
        elif kind is dict or kind is list:
            _share(value, keep)
