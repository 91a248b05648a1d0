"""Helpers shared by renderers: value formatting and summary lines."""

from __future__ import annotations

import json
from typing import Any

from provisioner.plans.plan import Plan


def show(value: Any) -> str:
    if value is None:
        return "(absent)"
    if isinstance(value, str):
        return json.dumps(value)
    return json.dumps(value, default=str, sort_keys=True)


def summary_line(plan: Plan) -> str:
    counts = plan.counts()
    parts = [f"{counts['create']} to create", f"{counts['update']} to update", f"{counts['adopt']} to adopt",
             f"{counts['retire']} to retire", f"{counts['cannot-update']} cannot update in place",
             f"{counts['no-op']} unchanged"]
    return "Plan: " + ", ".join(parts) + "."
