"""`provisioner apply`: run a saved plan exactly (refusing a stale one), or plan-and-confirm a workspace."""

from __future__ import annotations

from pathlib import Path

import click

from provisioner.commands.output import err, out, progress_hook, stdin_is_interactive
from provisioner.commands.plan import render
from provisioner.engine import apply_plan, make_plan, open_run, staleness
from provisioner.environment import Environment
from provisioner.plans.plan import NORMAL, Plan
from provisioner.plans.planfile import read_plan
from provisioner.sandboxing import Sandboxes
from provisioner.targeting import Targeting
from provisioner.views import human, jsonview


def apply(target: str, auto_approve: bool, lock_timeout: float, fmt: str, prune: bool,
          env: Environment | None = None, targeting: Targeting | None = None) -> int:
    env = env or Environment()
    saved = read_plan(Path(target)) if Path(target).is_file() and target.endswith(".json") else None
    if saved is not None and targeting is not None and targeting.active:
        err("--target and --exclude apply to a workspace; a saved plan is applied with the targets it was "
            f"made with ({_targets_of(saved)}).")
        return 1
    run = open_run(saved.workspace if saved else [target], load_state=False,
                   sandboxes=Sandboxes(env.sandbox), now=env.clock())
    hook = progress_hook(run.context.redactor)
    run.statemgr.lock(f"apply {target}", timeout=lock_timeout)
    try:
        run.statemgr.load()  # under the lock: another apply may have finished just before
        if saved is not None:
            problems = staleness(saved, run, hook)
            if problems:
                err(f"Refusing to apply {target}: the plan is stale.")
                for problem in human.staleness_lines(problems):
                    err(f"  - {problem}")
                err("Run `provisioner plan` again and review the new plan.")
                return 1
            plan = saved
        else:
            plan = make_plan(run, NORMAL, prune, hook, targeting)
            if not plan.complete:
                for problem in human.read_error_lines(plan):
                    err(f"Error: {problem}")
                return 1
            out(render(plan, "text"))
            if not plan.actionable:
                return 0
            if not _confirmed(auto_approve):
                return 1
        report = apply_plan(run, plan, hook, applied_by=env.ci.as_dict())
    finally:
        run.statemgr.unlock()
        run.close()
    out(jsonview.render_report(report) if fmt == "json" else human.render_report(report))
    return 1 if report.failed else 0


def _targets_of(plan: Plan) -> str:
    return Targeting(tuple(plan.targets), tuple(plan.excludes)).describe() or "none: every campaign"


def _confirmed(auto_approve: bool) -> bool:
    if auto_approve:
        return True
    if not stdin_is_interactive():
        err("Refusing to apply without confirmation: stdin is not a terminal. Pass --auto-approve "
            "(CI), or apply a reviewed plan file.")
        return False
    return click.confirm("Apply these changes?", default=False)

