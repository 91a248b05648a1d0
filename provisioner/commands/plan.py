"""`provisioner plan`: read live state, compute the plan, render it, save it."""

from __future__ import annotations

from pathlib import Path

from provisioner import exitcodes
from provisioner.collector import collector_paused
from provisioner.commands.output import err, note, out, out_diff, progress_hook
from provisioner.engine import make_plan, open_run
from provisioner.environment import Environment
from provisioner.plans.plan import NORMAL, REFRESH_ONLY, Plan
from provisioner.sandboxing import Sandboxes
from provisioner.targeting import Targeting
from provisioner.views import human


def default_plan_path(paths: list[str]) -> Path:
    first = Path(paths[0]).resolve()
    name = first.name if first.is_dir() else first.stem
    return Path("plans") / f"{name}.json"


def render(plan: Plan, fmt: str, full_plan_url: str | None = None, plan_path: str | None = None) -> str:
    """`plan_path` and `full_plan_url` say where the whole plan is when a markdown comment leaves some out."""
    # the other formats' views load only when asked for
    if fmt == "json":
        from provisioner.views import jsonview

        return jsonview.render_plan(plan)
    if fmt == "markdown":
        from provisioner.views import markdown

        render_markdown = markdown.render_drift if plan.mode == REFRESH_ONLY else markdown.render_plan
        return render_markdown(plan, full_plan_url=full_plan_url, plan_path=plan_path)
    return human.render_drift(plan) if plan.mode == REFRESH_ONLY else human.render_plan(plan)


def show(rendered: str, fmt: str) -> None:
    """Text is for people (coloured on a terminal); JSON and markdown go out exactly as rendered."""
    (out_diff if fmt == "text" else out)(rendered)


def _read_locked(paths: list[str], mode: str, prune: bool, lock_timeout: float,
                 env: Environment | None, targeting: Targeting | None = None,
                 allow_spend_increase: bool = False) -> Plan:
    """Plan under a reader's lock: never while an apply is writing state, side by side with other
    plans and drift runs."""
    env = env or Environment()
    run = open_run(paths, load_state=False, sandboxes=Sandboxes(env.sandbox), now=env.clock())
    try:
        run.statemgr.lock(f"{mode} {' '.join(paths)}", timeout=lock_timeout, shared=True)
        hook = progress_hook(run.context.redactor)
        try:
            with collector_paused():  # see collector.py
                run.statemgr.load()
            hook.start_refresh(len(run.workspace.providers))
            return make_plan(run, mode, prune, hook, targeting, allow_spend_increase)
        finally:
            hook.close()
            run.statemgr.unlock()
    finally:
        run.close()


def plan(paths: list[str], out_path: str | None, fmt: str, detailed_exitcode: bool, prune: bool,
         save: bool = True, lock_timeout: float = 0.0, env: Environment | None = None,
         targeting: Targeting | None = None, full_plan_url: str | None = None,
         allow_spend_increase: bool = False) -> int:
    result = _read_locked(paths, NORMAL, prune, lock_timeout, env, targeting, allow_spend_increase)
    if not result.complete:
        for problem in human.read_error_lines(result):
            err(f"Error: {problem}")
        err(human.incomplete_advice(result))
        return 1
    target = Path(out_path) if out_path else default_plan_path(paths)
    show(render(result, fmt, full_plan_url, str(target) if save else None), fmt)
    if save:
        from provisioner.plans.planfile import write_plan

        write_plan(result, target)
        if result.blocked_by_policy:
            note(f"Saved the plan to {target}; the workspace's policy blocks it, so apply refuses it.")
        elif result.actionable:
            flag = " --allow-spend-increase" if result.allow_spend_increase else ""
            note(f"Saved the plan to {target}; apply exactly this plan with: provisioner apply {target}{flag}")
        else:
            note(f"Saved the plan to {target} (nothing to apply).")
    if result.blocked_by_policy:
        err(policy_refusal(result))
        return exitcodes.BLOCKED_BY_POLICY
    return exitcodes.CHANGES if detailed_exitcode and result.has_changes() else exitcodes.OK


def policy_refusal(plan: Plan) -> str:
    """What to do about a plan the policy blocks."""
    from provisioner.policy import SPEND_RULES

    rules = ", ".join(sorted({o.rule for o in plan.blocked_by_policy}))
    overridable = all(o.rule in SPEND_RULES for o in plan.blocked_by_policy)
    fix = ("raise the limit in `policy:`, or re-plan with --allow-spend-increase and apply that plan with "
           "--allow-spend-increase" if overridable else "fix the configuration (no flag overrides this rule)")
    return f"Blocked by policy ({rules}): {fix}."


def drift(paths: list[str], fmt: str, lock_timeout: float = 0.0, env: Environment | None = None,
          targeting: Targeting | None = None, full_report_url: str | None = None) -> int:
    result = _read_locked(paths, REFRESH_ONLY, False, lock_timeout, env, targeting)
    show(render(result, fmt, full_report_url), fmt)
    for problem in human.read_error_lines(result):
        err(f"Error: {problem}")
    if not result.complete:
        return 1
    # only what people changed needs a human; the platform's own changes are reported, not alarmed on
    return 2 if result.human_drift else 0
