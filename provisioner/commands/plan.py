"""`provisioner plan`: read live state, compute the plan, render it, save it."""

from __future__ import annotations

from pathlib import Path

from provisioner.commands.output import err, out, progress_hook
from provisioner.engine import make_plan, open_run
from provisioner.environment import Environment
from provisioner.plans.plan import NORMAL, REFRESH_ONLY, Plan
from provisioner.plans.planfile import write_plan
from provisioner.sandboxing import Sandboxes
from provisioner.targeting import Targeting
from provisioner.views import human, jsonview, markdown


def default_plan_path(paths: list[str]) -> Path:
    first = Path(paths[0]).resolve()
    name = first.name if first.is_dir() else first.stem
    return Path("plans") / f"{name}.json"


def render(plan: Plan, fmt: str) -> str:
    if fmt == "json":
        return jsonview.render_plan(plan)
    if fmt == "markdown":
        return markdown.render_drift(plan) if plan.mode == REFRESH_ONLY else markdown.render_plan(plan)
    return human.render_drift(plan) if plan.mode == REFRESH_ONLY else human.render_plan(plan)


def _read_locked(paths: list[str], mode: str, prune: bool, lock_timeout: float,
                 env: Environment | None, targeting: Targeting | None = None) -> Plan:
    """Plan under a reader's lock: never while an apply is writing state, side by side with other
    plans and drift runs."""
    env = env or Environment()
    run = open_run(paths, load_state=False, sandboxes=Sandboxes(env.sandbox), now=env.clock())
    try:
        run.statemgr.lock(f"{mode} {' '.join(paths)}", timeout=lock_timeout, shared=True)
        try:
            run.statemgr.load()
            return make_plan(run, mode, prune, progress_hook(run.context.redactor), targeting)
        finally:
            run.statemgr.unlock()
    finally:
        run.close()


def plan(paths: list[str], out_path: str | None, fmt: str, detailed_exitcode: bool, prune: bool,
         save: bool = True, lock_timeout: float = 0.0, env: Environment | None = None,
         targeting: Targeting | None = None) -> int:
    result = _read_locked(paths, NORMAL, prune, lock_timeout, env, targeting)
    if not result.complete:
        for problem in human.read_error_lines(result):
            err(f"Error: {problem}")
        err("The plan is incomplete, so it was not saved.")
        return 1
    out(render(result, fmt))
    if save:
        target = Path(out_path) if out_path else default_plan_path(paths)
        write_plan(result, target)
        if result.actionable:
            err(f"Saved the plan to {target}; apply exactly this plan with: provisioner apply {target}")
        else:
            err(f"Saved the plan to {target} (nothing to apply).")
    return 2 if detailed_exitcode and result.has_changes() else 0


def drift(paths: list[str], fmt: str, lock_timeout: float = 0.0, env: Environment | None = None,
          targeting: Targeting | None = None) -> int:
    result = _read_locked(paths, REFRESH_ONLY, False, lock_timeout, env, targeting)
    out(render(result, fmt))
    for problem in human.read_error_lines(result):
        err(f"Error: {problem}")
    if not result.complete:
        return 1
    # only what people changed needs a human; the platform's own changes are reported, not alarmed on
    return 2 if result.human_drift else 0
