"""Re-run plan + apply until the plan is empty: what an operator (or CI retrying a failed job)
does after partial failures. Used by the fault suite and the soak script."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from provisioner.engine import apply_plan, make_plan, open_run
from provisioner.plans.action import Action
from provisioner.plans.plan import Plan
from provisioner.providers.http import HttpContext
from provisioner.sandboxing import Sandboxes


@dataclass
class Convergence:
    apply_runs: int = 0
    failed_outcomes: int = 0
    incomplete_plans: int = 0  # a platform could not be read; the run was skipped
    settle_waits: int = 0  # only creates waiting for the platform to settle were left: waited for them
    converged: bool = False


def converge(paths: list[str | Path], context: HttpContext, max_runs: int = 25,
             sandboxes: Sandboxes | None = None, sleep: Callable[[float], None] = time.sleep) -> Convergence:
    """`sandboxes`: the in-process emulators every run shares (for `base_url: sandbox`). When only
    creates waiting for their platform to settle are left, it sleeps until the last one decides."""
    figures = Convergence()
    sandboxes = sandboxes or Sandboxes()
    for _ in range(max_runs):
        run = open_run([str(p) for p in paths], context, sandboxes=sandboxes)
        try:
            plan = make_plan(run)
            if not plan.complete:
                figures.incomplete_plans += 1
                continue
            if not plan.has_changes():
                figures.converged = True
                return figures
            if all(c.action is Action.WAITING for c in plan.changes if c.action.is_change):
                figures.settle_waits += 1
                sleep(_until_settled(plan))
                continue
            run.statemgr.lock("converge")
            try:
                report = apply_plan(run, plan)
            finally:
                run.statemgr.unlock()
            figures.apply_runs += 1
            figures.failed_outcomes += len(report.failed)
        finally:
            run.close()
    return figures


def _until_settled(plan: Plan) -> float:
    """Seconds until the last waiting create of `plan` is decided (a little after, to be sure)."""
    ends = [datetime.fromisoformat(c.settles_at.replace("Z", "+00:00")) for c in plan.changes if c.settles_at]
    return max([(end - datetime.now(UTC)).total_seconds() for end in ends] + [0.0]) + 1.0
