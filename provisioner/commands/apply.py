"""`provisioner apply`: run a saved plan exactly (refusing a stale one), or plan-and-confirm a workspace."""

from __future__ import annotations

from pathlib import Path

import click

from provisioner.applier import ApplyReport
from provisioner.commands.output import ProgressHook, err, out, stdin_is_interactive
from provisioner.commands.plan import render
from provisioner.engine import Run, apply_plan, make_plan, open_run, read_errors, staleness
from provisioner.plans.plan import NORMAL, Plan
from provisioner.plans.planfile import read_plan
from provisioner.sandboxing import SandboxOptions, Sandboxes
from provisioner.views import jsonview


def apply(target: str, auto_approve: bool, lock_timeout: float, fmt: str, prune: bool,
          sandbox: SandboxOptions | None = None) -> int:
    saved = read_plan(Path(target)) if Path(target).is_file() and target.endswith(".json") else None
    run = open_run(saved.workspace if saved else [target], load_state=False,
                   sandboxes=Sandboxes(sandbox or SandboxOptions()))
    hook = ProgressHook(run.context.redactor)
    run.statemgr.lock(f"apply {target}", timeout=lock_timeout)
    try:
        run.statemgr.load()  # under the lock: another apply may have finished just before
        if saved is not None:
            problems = staleness(saved, run, hook)
            if problems:
                err(f"Refusing to apply {target}: the plan is stale.")
                for problem in problems:
                    err(f"  - {problem}")
                err("Run `provisioner plan` again and review the new plan.")
                return 1
            plan = saved
        else:
            plan = make_plan(run, NORMAL, prune, hook)
            if read_errors(run):
                for problem in read_errors(run):
                    err(f"Error: {problem}")
                return 1
            out(render(plan, "text"))
            if not plan.actionable:
                return 0
            if not _confirmed(auto_approve):
                return 1
        report = apply_plan(run, plan, hook)
    finally:
        run.statemgr.unlock()
        run.close()
    return _report(report, plan, fmt, run)


def _confirmed(auto_approve: bool) -> bool:
    if auto_approve:
        return True
    if not stdin_is_interactive():
        err("Refusing to apply without confirmation: stdin is not a terminal. Pass --auto-approve "
            "(CI), or apply a reviewed plan file.")
        return False
    return click.confirm("Apply these changes?", default=False)


def _report(report: ApplyReport, plan: Plan, fmt: str, run: Run) -> int:
    if fmt == "json":
        out(jsonview.render_report(report))
    else:
        for outcome in sorted(report.outcomes, key=lambda o: (o.ok, o.key)):
            status = "ok" if outcome.ok else f"FAILED [{outcome.code or 'error'}]"
            line = f"{outcome.action.symbol} {outcome.provider}.{outcome.key}: {outcome.action.value} {status}"
            if outcome.id:
                line += f" (id {outcome.id})"
            if outcome.message:
                line += f": {outcome.message}"
            out(line)
            for warning in outcome.warnings:
                out(f"    warning: {warning}")
            for name, value in outcome.outputs.items():
                out(f"    {name}: {value}")
        out(f"Apply complete: {len(report.succeeded)} succeeded, {len(report.failed)} failed.")
        if report.failed:
            out("State records every success; run `provisioner plan` to see exactly the remaining work.")
    return 1 if report.failed else 0
