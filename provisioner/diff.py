"""Field-level comparison of declared values with live values, after normalisation.

Only what the config declares is compared (`project`), and values are normalised first
(`canon`): ids as int or string, decimals in any notation, datetimes in any offset, and absent
vs null all compare equal. The fast path is one equality test per campaign, so planning stays
linear; deepdiff is only asked for the paths of campaigns that really differ.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from provisioner.canonical import content_hash
from provisioner.providers.base import CampaignModel, Observed

if TYPE_CHECKING:  # the plan's classes load where a difference is found: `validate` needs only `canon`
    from provisioner.plans.change import FieldDiff

_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?([eE][+-]?\d+)?$")
_NUMERIC_START = frozenset("-0123456789")


@lru_cache(maxsize=8192)
def _canon_number(value: Any) -> str:
    # cached: equal numbers (1500, 1500.0, Decimal("1500")) have one normal form, and amounts repeat.
    # Zero is "0" whatever its sign: -0 == 0, so the cache would otherwise answer for one with the other's.
    normal = Decimal(str(value)).normalize()
    return format(normal, "f") if normal else "0"


def canon(value: Any) -> Any:
    """A normal form in which equal values are ==, whatever their wire spelling."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, (int, float, Decimal)):
        return ("n", _canon_number(value))
    if isinstance(value, str):
        if not value or value[0] not in _NUMERIC_START:
            return value  # cheap exit: most strings (names, enums) are neither numbers nor dates
        return _canon_numeric_string(value)
    if isinstance(value, dict):
        return {k: c for k, v in value.items() if (c := canon(v)) is not None}
    if isinstance(value, (list, tuple)):
        return [canon(v) for v in value]
    return value


@lru_cache(maxsize=8192)
def _canon_numeric_string(value: str) -> Any:
    """Numbers and dates as strings; cached, since a workspace repeats the same dates and amounts
    across thousands of campaigns (parsing them was most of the cost of a comparison)."""
    if _NUMBER.match(value):
        try:
            return ("n", _canon_number(value))
        except InvalidOperation:
            return value
    if _DATETIME.match(value):
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace(" ", "T"))
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)  # platforms that drop the zone mean UTC
        return ("t", parsed.astimezone(UTC).isoformat())
    return value


def project(live: Any, desired: Any) -> Any:
    """The part of `live` that `desired` declares (nested mappings are narrowed key by key)."""
    if isinstance(desired, dict) and isinstance(live, dict):
        # One loop, no comprehension or generator frames: this runs for every campaign, once per
        # nested mapping. Leaves are taken as they are; `whole` tracks whether narrowing leaves the
        # live mapping as it was (its keys exactly, each value the live object itself).
        narrowed = {}
        whole = len(desired) == len(live)
        get = live.get
        for key, wanted in desired.items():
            actual = get(key)
            if actual is None:
                if whole and key not in live:
                    whole = False
            elif isinstance(wanted, dict) and isinstance(actual, dict):
                narrower = project(actual, wanted)
                if narrower is not actual:
                    whole = False
                actual = narrower
            narrowed[key] = actual
        return live if whole else narrowed  # unchanged by narrowing: the live mapping itself, not a copy
    return live


_NUMBERS = (int, float, Decimal)  # within one of these types, == is equality in normal form


def same(live: Any, declared: Any) -> bool:
    """`canon(project(live, declared)) == canon(declared)`, without building either side: the part
    of `live` that `declared` declares equals it in normal form (the question asked of every
    campaign, and nearly always answered yes, so it walks the values and allocates nothing)."""
    if isinstance(declared, dict) and isinstance(live, dict):
        for key, wanted in declared.items():
            actual = live.get(key)
            if actual is wanted:
                continue
            kind = type(wanted)
            if kind is type(actual) and kind is not list and kind is not dict and actual == wanted:
                continue  # equal leaves of one type (most of them): no call (lists: [1] == [True])
            if (actual is None) != (wanted is None) or not same(actual, wanted):
                return False  # (canon drops null members: a null on one side only is a difference)
        return True
    kind = type(declared)
    if kind is type(live) and (kind is str or kind in _NUMBERS):
        # equal strings are equal; unequal ones may still be one date or number spelt two ways
        return live == declared or (kind is str and bool(canon(live) == canon(declared)))
    if kind is str and type(live) is Decimal and live.is_finite() and str(live) == declared:
        return True  # an amount read as a number and recorded as its text (Criteo): one normal form
    return bool(canon(live) == canon(declared))  # (not `==` across types: True == 1, unlike in normal form)


class NoProjection:
    """What `same_projection` answers instead of a projection (a value no projection can be)."""


UNDECIDED = NoProjection()  # it could not decide alone: ask `same`
DIFFERENT = NoProjection()  # it decided: live differs from what was recorded
_LEAVES = frozenset({str, int, float, Decimal, bool, type(None)})


def same_projection(live: dict[str, Any], declared: dict[str, Any], recorded: dict[str, Any]) -> Any:
    """`project(live, declared)` if `same(live, recorded)`, else DIFFERENT, in one walk; for a
    `recorded` (what was last applied) that == `declared` (the caller has checked). Each recorded
    value must also be of its declared value's type (else UNDECIDED: True == 1, but not in normal
    form); then both have one normal form, and `same` may compare live with either.

    Where the projection is `declared` itself, spelt the same (every leaf the declared one, or of its
    type and equal, and that type one with a single spelling for equal values: str, int, bool, None),
    the answer is the `declared` mapping: one object for both, not a copy per campaign (the no-op's
    `before`, kept all run)."""
    narrowed: dict[str, Any] | None = None  # built only once a projected value is not the declared one
    whole = len(declared) == len(live)
    # (state's applied values may be the declared mapping itself, states/streamed.py: nothing to check)
    check = recorded is not declared
    get = live.get
    for key, wanted in declared.items():
        kind = type(wanted)
        actual = get(key)
        if kind is type(actual) and kind in _ONE_SPELLING and actual == wanted \
                and (not check or type(recorded[key]) is kind):
            # the usual leaf, decided here at once: equal, of one type, which spells equal values alike
            # (what the general steps below conclude for it)
            if actual is None and whole and key not in live:
                whole = False
            if narrowed is not None:
                narrowed[key] = actual
            continue
        if (kind is not dict and kind not in _LEAVES) or (check and type(recorded[key]) is not kind):
            return UNDECIDED  # (lists: [1] == [True]; and nothing but plain JSON values is expected)
        if kind is dict:
            if not isinstance(actual, dict):
                return DIFFERENT  # (a declared mapping is never equal to anything else in normal form)
            narrower = same_projection(actual, wanted, recorded[key] if check else wanted)
            if narrower is UNDECIDED or narrower is DIFFERENT:
                return narrower
            if narrower is not actual:
                whole = False
            alike = narrower is wanted
            actual = narrower
        elif actual is wanted or (kind is type(actual) and actual == wanted):
            # (0.0 and -0.0, or 1.0 and 1.00 as Decimals, are equal but spelt apart)
            alike = actual is wanted or kind in _ONE_SPELLING
        elif (actual is None) != (wanted is None) or not same(actual, wanted):
            return DIFFERENT
        else:
            alike = False  # equal in normal form only: the projection is spelt as live spells it
        if actual is None and whole and key not in live:
            whole = False
        if narrowed is not None:
            narrowed[key] = actual
        elif not alike:  # the first value not spelt as declared: the ones before it were
            narrowed = {}
            for earlier, value in declared.items():
                if earlier is key:
                    break
                narrowed[earlier] = value
            narrowed[key] = actual
    if narrowed is None:
        return declared
    return live if whole else narrowed  # (as `project` keeps a live mapping that narrowing leaves whole)


_ONE_SPELLING = frozenset({str, int, bool, type(None)})  # equal values of one of these types are spelt alike


def field_diffs(desired: dict[str, Any], live: dict[str, Any], model: type[CampaignModel],
                observed: Observed | None = None,
                rewrites: list[tuple[FieldDiff, str]] | None = None) -> list[FieldDiff]:
    """Declared fields whose live value differs, each marked with why it cannot change, if so.

    A difference the platform made by itself (the model's `platform_rewrite`) is not one: it goes
    to `rewrites`, with the platform's reason, when the caller wants to report it."""
    from provisioner.plans.change import FieldDiff

    diffs: list[FieldDiff] = []
    observed = observed or Observed(live)
    for name, wanted in desired.items():
        actual = project(live.get(name), wanted)
        if canon(actual) == canon(wanted) or model.live_equivalent(name, wanted, actual):
            continue
        rewrite = model.platform_rewrite(name, wanted, actual, observed)
        if rewrite is not None:
            if rewrites is not None:
                rewrites.append((FieldDiff(name, wanted, actual), rewrite))
            continue
        blocked = model.update_blocker(name, actual, wanted)
        diffs.extend(FieldDiff(path, before, after, blocked)
                     for path, before, after in _leaf_paths(name, actual, wanted))
    return diffs


def _leaf_paths(name: str, before: Any, after: Any) -> list[tuple[str, Any, Any]]:
    if not (isinstance(before, dict) and isinstance(after, dict)):
        return [(name, before, after)]
    from deepdiff import DeepDiff  # heavy to import, and only campaigns that differ get here

    tree = DeepDiff(canon(before), canon(after), view="tree", ignore_order=False)
    paths: set[tuple[str, ...]] = set()
    for level in (lvl for bucket in tree.values() for lvl in bucket):
        keys: list[str] = []
        for part in level.path(output_format="list"):
            if not isinstance(part, str):
                break  # a list is one value: report the list, not its items
            keys.append(part)
        paths.add(tuple(keys))
    if () in paths:
        return [(name, before, after)]
    return [(".".join((name, *keys)), _get(before, keys), _get(after, keys)) for keys in sorted(paths)]


def _get(value: Any, keys: tuple[str, ...]) -> Any:
    for key in keys:
        value = value.get(key) if isinstance(value, dict) else None
    return value


def fingerprint(value: Any, canonical: bool = False) -> str:
    """A short digest of the normal form of `value`: equal live values, equal fingerprints
    (`canonical`: `value` is already canon()'s output)."""
    return content_hash(value if canonical else canon(value))[:16]
