"""The engine's public operations, wired together: plan, check a saved plan is fresh, apply.

Commands call these; they return data and never print (progress goes through a Hook).
"""

from __future__ import annotations

import gc
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from provisioner.applier import Applier, ApplyReport
from provisioner.config.models import ProviderInstance
from provisioner.config.workspace import Workspace, load_workspace
from provisioner.diff import canon
from provisioner.hooks import Hook
from provisioner.plans.plan import NORMAL, Plan
from provisioner.planner import Planner
from provisioner.providers.http import HttpContext
from provisioner.refresh import LiveView, Sessions, refresh
from provisioner.sandboxing import Sandboxes
from provisioner.views.common import show
from provisioner.states.backend import StateBackend, local_state_dir, state_backend_for


@dataclass
class Run:
    """One command's view of a workspace: its config, state storage and provider sessions."""

    workspace: Workspace
    paths: list[str]
    statemgr: StateBackend
    sessions: Sessions
    context: HttpContext
    sandboxes: Sandboxes
    live: dict[str, LiveView] = field(default_factory=dict)

    def close(self) -> None:
        self.sessions.close()


def open_run(paths: list[str], context: HttpContext | None = None, load_state: bool = True,
             sandboxes: Sandboxes | None = None) -> Run:
    """Load the workspace and open its state backend; commands that lock first pass
    `load_state=False` and load under the lock. Providers whose base_url is `sandbox` talk to the
    in-process emulators of `sandboxes` (pass the same object to runs that share platforms)."""
    workspace = load_workspace(paths)
    statemgr = state_backend_for(workspace.root, workspace.state)
    context = context or HttpContext()
    context.redactor.add(workspace.state.dsn)
    sandboxes = sandboxes or Sandboxes()
    if sandboxes.state_dir is None:
        # in-process emulators keep their data in the local state folder, whatever the backend
        sandboxes.state_dir = local_state_dir(workspace.root, workspace.state.path) / "sandbox"
    if load_state:
        statemgr.load()

    def transport_for(instance: ProviderInstance) -> httpx.BaseTransport | None:
        return sandboxes.transport(instance.plugin.name) if instance.settings.is_sandbox else None

    return Run(workspace, [str(Path(p)) for p in paths], statemgr, Sessions(workspace, context, transport_for),
               context, sandboxes)


def make_plan(run: Run, mode: str = NORMAL, prune: bool = False, hook: Hook | None = None) -> Plan:
    state = run.statemgr.state
    instances = sorted(run.workspace.providers)
    run.live = refresh(run.workspace, state, run.sessions, hook, instances)
    # Config, state and live data are long-lived and acyclic: moving them out of the cyclic GC's
    # generations keeps planning linear (otherwise each collection rescans the growing heap).
    gc.freeze()
    planner = Planner(run.workspace, state, run.live, prune=prune)
    return planner.plan(mode, run.paths)


def read_errors(run: Run) -> list[str]:
    return [f"{name}: cannot read live state: {view.error}" for name, view in sorted(run.live.items()) if view.error]


def staleness(saved: Plan, run: Run, hook: Hook | None = None) -> list[str]:
    """Why `saved` no longer describes reality (empty when it is safe to apply)."""
    problems: list[str] = []
    state = run.statemgr.state
    if saved.state_lineage != state.lineage and state.resources:
        problems.append("the state belongs to another workspace lineage than the plan's")
    fresh = make_plan(run, saved.mode, saved.prune, hook)
    problems += read_errors(run)
    if saved.config_digest != fresh.config_digest:
        problems += _config_changes(saved, fresh) or ["the configuration changed since the plan was made"]
    if saved.state_digest != fresh.state_digest:
        problems.append("the state changed since the plan was made (another apply ran?)")
    fresh_by_key = {c.key: c for c in fresh.changes}
    for change in saved.actionable:
        now = fresh_by_key.get(change.key)
        if now is None or now.action != change.action or now.live_fingerprint != change.live_fingerprint:
            problems.append(_live_change(change, now))
    return problems


def _config_changes(saved: Plan, fresh: Plan) -> list[str]:
    old = {c.key: c.after for c in saved.changes}
    new = {c.key: c.after for c in fresh.changes}
    out = [f"campaign {k}: added to the configuration" for k in sorted(set(new) - set(old))]
    out += [f"campaign {k}: removed from the configuration" for k in sorted(set(old) - set(new))]
    for key in sorted(set(old) & set(new)):
        if old[key] != new[key]:
            fields = sorted(f for f in set(old[key] or {}) | set(new[key] or {})
                            if (old[key] or {}).get(f) != (new[key] or {}).get(f))
            out.append(f"campaign {key}: configuration of {', '.join(fields)} changed")
    return out


def _live_change(change, now) -> str:  # type: ignore[no-untyped-def]
    if now is None:
        return f"campaign {change.key}: no longer planned"
    if now.action != change.action:
        return f"campaign {change.key}: planned {change.action.value}, now it would be {now.action.value}"
    old, new = change.before or {}, now.before or {}
    fields = sorted(f for f in set(old) | set(new) if canon(old.get(f)) != canon(new.get(f)))
    detail = ", ".join(f"{f} was {show(old.get(f))}, now {show(new.get(f))}" for f in fields)
    return f"campaign {change.key}: live campaign changed since the plan ({detail or 'fingerprint differs'})"


def apply_plan(run: Run, plan: Plan, hook: Hook | None = None) -> ApplyReport:
    """Execute `plan`; the caller holds the state lock. State is compacted at the end."""
    try:
        return Applier(run.workspace, run.statemgr, run.sessions, hook).apply(plan)
    finally:
        run.statemgr.compact()
