"""Helpers shared by renderers: value formatting and summary lines."""

from __future__ import annotations

import json
import re
from typing import Any

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


def summary_line(plan: Plan) -> str:
    counts = plan.counts()
    parts = [f"{counts['create']} to create", f"{counts['update']} to update", f"{counts['adopt']} to adopt",
             f"{counts['retire']} to retire", f"{counts['cannot-update']} cannot update in place",
             f"{counts['no-op']} unchanged"]
    return "Plan: " + ", ".join(parts) + "."
