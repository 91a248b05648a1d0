"""Helpers shared by renderers: value formatting and summary lines."""

from __future__ import annotations

import json
import re
from typing import Any

from provisioner.plans.action import Action
from provisioner.plans.plan import Plan

_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def show(value: Any) -> str:
    if value is None:
        return "(absent)"
    if isinstance(value, str):
        # exact decimals travel as strings in the plan; people read them as numbers
        return value if _NUMBER.match(value) else json.dumps(value)
    if isinstance(value, (dict, list)):
        return _NUMBER_IN_JSON.sub(r"\1", json.dumps(value, default=str, sort_keys=True))
    return json.dumps(value, default=str, sort_keys=True)


_NUMBER_IN_JSON = re.compile(r'"(-?\d+\.\d+)"')


# How the summary names each action's count, in order; the optional ones appear only when non-zero.
_SUMMARY: list[tuple[Action, str, bool]] = [
    (Action.CREATE, "to create", True), (Action.UPDATE, "to update", True), (Action.ADOPT, "to adopt", True),
    (Action.ACTIVATE, "to activate", False), (Action.RETIRE, "to retire", True),
    (Action.RENAME, "to rename", False),
    (Action.WAITING, "waiting for the platform", False),
    (Action.CANNOT_UPDATE, "cannot update in place", True), (Action.CANNOT_RETIRE, "cannot retire", False),
    (Action.CANNOT_MOVE, "cannot move between providers", False),
    (Action.AMBIGUOUS, "ambiguous", False), (Action.NOT_OWNED, "not owned", False),
    (Action.PROTECTED, "protected", False),
    (Action.INVALID, "refused before any write", False), (Action.NOOP, "unchanged", True),
]


def summary_line(plan: Plan) -> str:
    counts = plan.counts()
    parts = [f"{counts[action.value]} {label}" for action, label, always in _SUMMARY
             if always or counts[action.value]]
    return "Plan: " + ", ".join(parts) + "."
