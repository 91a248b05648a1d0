"""What in a plan decides what apply does (its "apply-relevant projection"), and where a saved plan's
projection differs from a fresh plan's: a saved plan whose values were edited (and its checksum
recomputed) is refused by naming the campaign and the field, never executed.

Everything a plan records is compared except what is written for people or checked elsewhere, so a
field added to Plan or ResourceChange later (targets, policy overrides) is compared without a change here.
"""

from __future__ import annotations

import json
from typing import Any

from provisioner.plans.plan import Plan

# Plan fields that do not change what apply does: provenance, reports for people, and the digests
# and read errors the staleness check already compares.
PLAN_INFORMATIONAL = frozenset({"format_version", "workspace", "config_digest", "state_digest", "state_lineage",
                                "created_at", "summary", "drift", "not_observable", "read_errors", "warnings",
                                "changes",
                                # reports for people; the policy's verdict is evaluated again on the fresh plan
                                "spend", "spend_campaigns", "policy"})
# Change fields written for people, or compared by the staleness check (the live side: `before`
# and its fingerprint, where another difference means "the platform changed", not "the file was edited").
CHANGE_INFORMATIONAL = frozenset({"reason", "warnings", "before", "live_fingerprint", "settles_at",
                                  "ignored"})  # differences `ignore:` rules leave alone: never sent
# A diff's `before` is the live side too.
DIFF_INFORMATIONAL = frozenset({"before"})


def _plain(value: Any) -> Any:
    """The JSON form a plan file holds (Decimals and dates as strings), so a saved and a fresh plan compare."""
    return json.loads(json.dumps(value, default=str))


def projection(plan: Plan) -> dict[str, Any]:
    """Plan-level fields under their names; each change under `campaign KEY` as a flat map of dotted fields."""
    # the plan file's form on both sides: a saved plan holds unchanged campaigns as field digests
    data = _plain(plan.to_dict(slim=True))
    out: dict[str, Any] = {name: value for name, value in data.items() if name not in PLAN_INFORMATIONAL}
    for change in data["changes"]:
        fields: dict[str, Any] = {}
        for name, value in change.items():
            if name in CHANGE_INFORMATIONAL:
                continue
            if name == "diffs":
                for diff in value:
                    for part, item in diff.items():
                        if part not in DIFF_INFORMATIONAL and part != "path":
                            fields[f"diffs[{diff['path']}].{part}"] = item
            else:
                _flatten(name, value, fields)
        out[f"campaign {change['key']}"] = fields
    return out


def _flatten(prefix: str, value: Any, into: dict[str, Any]) -> None:
    if isinstance(value, dict) and value:
        for name, item in value.items():
            _flatten(f"{prefix}.{name}", item, into)
    else:
        into[prefix] = value


MISSING = object()
WHOLE_CHANGE = "action"  # the field named when one side has no change at all for a campaign


def differences(saved: Plan, fresh: Plan) -> list[tuple[str | None, str, Any, Any]]:
    """(campaign key or None for the plan itself, field, value in the saved plan, value the fresh plan
    computes) for every apply-relevant field where they differ; MISSING where one side has none."""
    old, new = projection(saved), projection(fresh)
    found: list[tuple[str | None, str, Any, Any]] = []
    for name in sorted(set(old) | set(new)):
        if not name.startswith("campaign "):
            if old.get(name, MISSING) != new.get(name, MISSING):
                found.append((None, name, old.get(name, MISSING), new.get(name, MISSING)))
            continue
        key = name.removeprefix("campaign ")
        if name not in old or name not in new:
            found.append((key, WHOLE_CHANGE, old[name]["action"] if name in old else MISSING,
                          new[name]["action"] if name in new else MISSING))
            continue
        for field in sorted(set(old[name]) | set(new[name])):
            before, after = old[name].get(field, MISSING), new[name].get(field, MISSING)
            if before != after:
                found.append((key, field, before, after))
    return found
