"""Machine output: the plan document itself, and apply reports as JSON."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from provisioner.plans.planfile import plan_document
from provisioner.plans.plan import Plan


def render_plan(plan: Plan) -> str:
    return json.dumps(plan_document(plan), indent=1, sort_keys=True, default=str) + "\n"


def render_report(report: Any) -> str:
    outcomes = [asdict(o) | {"action": o.action.value} for o in report.outcomes]
    return json.dumps({"outcomes": outcomes, "failed": len(report.failed),
                       "succeeded": len(report.succeeded)}, indent=1, default=str) + "\n"
