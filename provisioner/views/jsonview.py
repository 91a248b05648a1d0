"""Machine output: the plan document itself, and apply reports as JSON."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import TYPE_CHECKING

from provisioner.plans.plan import Plan
from provisioner.plans.planfile import plan_document
from provisioner.states.state import ResourceState

if TYPE_CHECKING:  # a plan renders without the applier; a report arrives with it loaded
    from provisioner.applier import ApplyReport


def render_plan(plan: Plan) -> str:
    return json.dumps(plan_document(plan), indent=1, sort_keys=True, default=str) + "\n"


def render_state(resources: list[ResourceState]) -> str:
    return json.dumps([r.to_dict() for r in resources], indent=1, default=str) + "\n"


def render_report(report: ApplyReport) -> str:
    outcomes = [asdict(o) | {"action": o.action.value} for o in report.outcomes]
    return json.dumps({"outcomes": outcomes, "failed": len(report.failed),
                       "succeeded": len(report.succeeded), "interrupted": report.interrupted,
                       "not_started": report.not_started}, indent=1, default=str) + "\n"
