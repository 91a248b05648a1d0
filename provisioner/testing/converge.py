"""Re-run plan + apply until the plan is empty: what an operator (or CI retrying a failed job)
does after partial failures. Used by the fault suite and the soak script."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from provisioner.engine import apply_plan, make_plan, open_run
from provisioner.providers.http import HttpContext
from provisioner.sandboxing import Sandboxes


@dataclass
class Convergence:
    apply_runs: int = 0
    failed_outcomes: int = 0
    incomplete_plans: int = 0  # a platform could not be read; the run was skipped
    converged: bool = False


def converge(paths: list[str | Path], context: HttpContext, max_runs: int = 25,
             sandboxes: Sandboxes | None = None) -> Convergence:
    """`sandboxes`: the in-process emulators every run shares (for `base_url: sandbox`)."""
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
