"""`provisioner apply`: run a saved plan exactly (refusing a stale one), or plan-and-confirm a workspace."""

from __future__ import annotations

import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any

import click

from provisioner import exitcodes
from provisioner.commands.output import err, note, out, out_diff, progress_hook, stdin_is_interactive
from provisioner.commands.plan import policy_refusal, render
from provisioner.engine import apply_plan, make_plan, open_run, staleness
from provisioner.environment import Environment
from provisioner.plans.plan import NORMAL, Plan
from provisioner.plans.planfile import read_plan
from provisioner.sandboxing import Sandboxes
from provisioner.targeting import Targeting
from provisioner.views import human, jsonview


def apply(target: str, auto_approve: bool, lock_timeout: float, fmt: str, prune: bool,
          env: Environment | None = None, targeting: Targeting | None = None,
          allow_spend_increase: bool = False) -> int:
    env = env or Environment()
    saved = read_plan(Path(target)) if Path(target).is_file() and target.endswith(".json") else None
    if saved is not None and targeting is not None and targeting.active:
        err("--target and --exclude apply to a workspace; a saved plan is applied with the targets it was "
            f"made with ({_targets_of(saved)}).")
        return 1
    if saved is not None and (refused := _refused_by_policy(saved, target, allow_spend_increase)) is not None:
        return refused  # before the lock and any request: the file alone says no
    run = open_run(saved.workspace if saved else [target], load_state=False,
                   sandboxes=Sandboxes(env.sandbox), now=env.clock())
    hook = progress_hook(run.context.redactor)
    run.statemgr.lock(f"apply {target}", timeout=lock_timeout)
    try:
        run.statemgr.load()  # under the lock: another apply may have finished just before
        hook.start_refresh(len(run.workspace.providers))
        if saved is not None:
            # The policy is evaluated again on the plan made now, so an edited plan file cannot
            # bypass it; the override holds only when both the plan and this apply asked for it.
            fresh = make_plan(run, saved.mode, saved.prune, hook,
                              Targeting(tuple(saved.targets), tuple(saved.excludes)),
                              saved.allow_spend_increase and allow_spend_increase)
            hook.close()
            if fresh.blocked_by_policy:
                err(f"Refusing to apply {target}: the workspace's policy blocks the plan as it stands now.")
                _policy_lines(fresh)
                return exitcodes.BLOCKED_BY_POLICY
            problems = staleness(saved, run, hook, fresh)
            if problems:
                err(f"Refusing to apply {target}: the plan is stale.")
                for problem in human.staleness_lines(problems):
                    err(f"  - {problem}")
                err("Run `provisioner plan` again and review the new plan.")
                return 1
            plan = fresh  # identical in everything apply does, and computed from the configuration
        else:
            plan = make_plan(run, NORMAL, prune, hook, targeting, allow_spend_increase)
            hook.close()
            if not plan.complete:
                for problem in human.read_error_lines(plan):
                    err(f"Error: {problem}")
                err(f"Refusing to apply: nothing was sent. {human.incomplete_advice(plan)}")
                return 1
            if fmt == "json":  # stdout carries only the JSON report; the plan goes to the person on stderr
                note(render(plan, "text"))
            else:
                out_diff(render(plan, "text"))
            if plan.blocked_by_policy:
                err(policy_refusal(plan))
                return exitcodes.BLOCKED_BY_POLICY
            if not plan.actionable:
                return 0
            if not _confirmed(auto_approve):
                return 1
        hook.start_apply(sum(1 for change in plan.actionable if change.action.is_change))
        with Interruption() as interruption:
            report = apply_plan(run, plan, hook, applied_by=env.ci.as_dict(), cancel=interruption.cancel)
    finally:
        hook.close()
        run.statemgr.unlock()
        run.close()
    if fmt == "json":
        out(jsonview.render_report(report))
    else:
        out_diff(human.render_report(report))
    if report.interrupted and interruption.exit_code:
        return interruption.exit_code
    return 1 if report.failed else 0


EXIT_CODES = {signal.SIGINT: exitcodes.INTERRUPTED, signal.SIGTERM: exitcodes.TERMINATED}


class Interruption:
    """While applying: the first SIGINT or SIGTERM sets `cancel` (nothing new is sent; requests in
    flight finish and are recorded; exit 130 or 143); a second SIGINT exits at once. State needs no
    saving then: every outcome is already a flushed journal line (a torn last one is discarded on
    the next load, and a create sent but unrecorded is pending, which the next plan looks up)."""

    def __init__(self) -> None:
        self.cancel = threading.Event()
        self.exit_code = 0
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> Interruption:
        if threading.current_thread() is threading.main_thread():  # handlers can only be set there
            for signum in EXIT_CODES:
                self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)

    def _handle(self, signum: int, frame: object) -> None:
        if self.cancel.is_set():
            if signum == signal.SIGINT:
                err("Interrupted again: exiting now. State records every outcome so far; "
                    "run `provisioner plan` to see the remaining work.")
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(exitcodes.INTERRUPTED)
            return
        self.exit_code = EXIT_CODES.get(signal.Signals(signum), exitcodes.INTERRUPTED)
        self.cancel.set()
        err(f"Interrupted ({signal.Signals(signum).name}): sending nothing new, waiting for requests in flight "
            "(Ctrl-C again to exit at once).")


def _targets_of(plan: Plan) -> str:
    return Targeting(tuple(plan.targets), tuple(plan.excludes)).describe() or "none: every campaign"


def _refused_by_policy(saved: Plan, target: str, allow_spend_increase: bool) -> int | None:
    if saved.blocked_by_policy:
        err(f"Refusing to apply {target}: the workspace's policy blocks this plan.")
        _policy_lines(saved)
        return exitcodes.BLOCKED_BY_POLICY
    if saved.allow_spend_increase and not allow_spend_increase:
        err(f"Refusing to apply {target}: it was planned with --allow-spend-increase, which overrides the "
            "workspace's budget policy; apply it with --allow-spend-increase too.")
        _policy_lines(saved)
        return exitcodes.BLOCKED_BY_POLICY
    return None


def _policy_lines(plan: Plan) -> None:
    for line in human.policy_lines(plan):
        err(f"  {line}")
    if plan.blocked_by_policy:
        err(policy_refusal(plan))


def _confirmed(auto_approve: bool) -> bool:
    if auto_approve:
        return True
    if not stdin_is_interactive():
        err("Refusing to apply without confirmation: stdin is not a terminal. Pass --auto-approve "
            "(CI), or apply a reviewed plan file.")
        return False
    return click.confirm("Apply these changes?", default=False)

