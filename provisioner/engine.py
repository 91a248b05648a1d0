"""The engine's public operations, wired together: plan, check a saved plan is fresh, apply.

Commands call these; they return data and never print (progress goes through a Hook, and views
word the results).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

from provisioner.collector import collector_paused
from provisioner.config.models import ProviderInstance, Workspace
from provisioner.config.workspace import load_workspace
from provisioner.create_fields import missing_on_create
from provisioner.diff import canon, fingerprint
from provisioner.errors import ConfigError
from provisioner.hooks import Hook
from provisioner.planner import Planner
from provisioner.plans.action import Action
from provisioner.plans.change import ResourceChange, field_digests
from provisioner.plans.plan import NORMAL, Plan
from provisioner.plans.projection import MISSING, differences
from provisioner.plans.staleness import FieldChange, StaleKind, Staleness
from provisioner.providers.http import HttpContext
from provisioner.refresh import Sessions, refresh
from provisioner.sandboxing import Sandboxes
from provisioner.spend import currency_of
from provisioner.states.backend import StateBackend, local_state_dir, state_backend_for
from provisioner.targeting import Targeting, targeted_instances

if TYPE_CHECKING:  # a plan never applies: the applier loads in apply_plan
    from provisioner.applier import ApplyReport


@dataclass
class Run:
    """One command's view of a workspace: its config, state storage and provider sessions."""

    workspace: Workspace
    paths: list[str]
    statemgr: StateBackend
    sessions: Sessions
    context: HttpContext
    sandboxes: Sandboxes
    # the time plans are made at (injected: tests and flight-date checks pin it)
    now: datetime = field(default_factory=lambda: datetime.now(UTC))

    def close(self) -> None:
        self.sessions.close()


def open_run(paths: list[str], context: HttpContext | None = None, load_state: bool = True,
             sandboxes: Sandboxes | None = None, now: datetime | None = None) -> Run:
    """Load the workspace and open its state backend; commands that lock first pass
    `load_state=False` and load under the lock. Providers whose base_url is `sandbox` talk to the
    in-process emulators of `sandboxes` (pass the same object to runs that share platforms)."""
    with collector_paused():  # see collector.py: the collector's passes were half of a cold load
        workspace = load_workspace(paths)
    campaigns = workspace.campaigns  # (applied values spelt as declared keep the declared mapping: backend.py)
    statemgr = state_backend_for(workspace.root, workspace.state,
                                 lambda key: campaign.compared if (campaign := campaigns.get(key)) else None,
                                 workspace.loaded_from)
    context = context or HttpContext()
    context.redactor.add(workspace.state.dsn)
    sandboxes = sandboxes or Sandboxes()
    if sandboxes.state_dir is None:
        # in-process emulators keep their data in the local state folder, whatever the backend
        sandboxes.state_dir = local_state_dir(workspace.root, workspace.state.path) / "sandbox"
    if load_state:
        with collector_paused():
            statemgr.load()

    def transport_for(instance: ProviderInstance) -> httpx.BaseTransport | None:
        return sandboxes.transport(instance.plugin.name) if instance.settings.is_sandbox else None

    return Run(workspace, [str(Path(p)) for p in paths], statemgr, Sessions(workspace, context, transport_for),
               context, sandboxes, now or datetime.now(UTC))


def make_plan(run: Run, mode: str = NORMAL, prune: bool = False, hook: Hook | None = None,
              targeting: Targeting | None = None, allow_spend_increase: bool = False) -> Plan:
    """Read every instance's live state and plan; instances that could not be read are listed in
    the plan's `read_errors` (such a plan is incomplete: commands neither save nor apply it).
    With `targeting`, only the instances holding a targeted campaign are read. The workspace's
    policy is evaluated on the plan (`plan.blocked_by_policy`); with `allow_spend_increase` its
    spend rules' blocks are overridden, and the plan says so."""
    hook = hook or Hook()
    targeting = targeting or Targeting()
    state = run.statemgr.state
    with collector_paused():  # refresh and the planner build a few objects per campaign, all kept
        live = refresh(run.workspace, state, run.sessions, hook, targeted_instances(run.workspace, state, targeting))
        hook.post_refresh_all()
        plan = Planner(run.workspace, state, live, prune=prune, now=run.now, targeting=targeting,
                       state_digest=run.statemgr.digest()).plan(mode, run.paths)
    problems = missing_on_create(run.workspace, plan)
    if problems:  # raised before anything is written anywhere: bad input, with file and line
        raise ConfigError(problems)
    if mode == NORMAL:
        if run.workspace.policy is None:  # no rules, no outcomes (and no policy module to import)
            plan.policy = []
        else:
            from provisioner.policy import evaluate

            currencies = {name: currency_of(run.workspace, name) for name in run.workspace.providers}
            plan.policy = evaluate(run.workspace.policy, plan.spend, plan.spend_campaigns, currencies,
                                   allow_spend_increase)
        plan.allow_spend_increase = allow_spend_increase
    return plan


def staleness(saved: Plan, run: Run, hook: Hook | None = None, fresh: Plan | None = None) -> list[Staleness]:
    """Why `saved` no longer describes reality (empty when it is safe to apply). `fresh` is the
    plan made now (made here when not given; apply passes it to re-evaluate the policy on it, and
    then executes it: it does exactly what `saved` shows, sending only what the configuration gives)."""
    problems: list[Staleness] = []
    state = run.statemgr.state
    if saved.state_lineage != state.lineage and state.resources:
        problems.append(Staleness(StaleKind.OTHER_LINEAGE))
    fresh = fresh or make_plan(run, saved.mode, saved.prune, hook,
                               Targeting(tuple(saved.targets), tuple(saved.excludes)))
    problems += [Staleness(StaleKind.READ_ERROR, name, detail=error)
                 for name, error in sorted(fresh.read_errors.items())]
    if saved.config_digest != fresh.config_digest:
        problems += _config_changes(saved, fresh) or [Staleness(StaleKind.CONFIG_OTHER)]
    if saved.state_digest != fresh.state_digest:
        problems.append(Staleness(StaleKind.STATE_CHANGED))
    fresh_by_key = {c.key: c for c in fresh.changes}
    for change in saved.actionable:
        now = fresh_by_key.get(change.key)
        if now is None or now.action != change.action or _fingerprint_of(now) != change.live_fingerprint:
            problems.append(_live_change(change, now))
    if not problems:  # otherwise they explain the differences better than a field list
        problems += _edited(saved, fresh)
    return problems


def _fingerprint_of(change: ResourceChange) -> str | None:
    """The planner leaves the fingerprint out of plain no-ops (nothing to apply): compute it when a
    saved plan acted on that campaign and apply must know whether live moved since."""
    if change.live_fingerprint is None and change.action is Action.NOOP and change.before is not None:
        return fingerprint(change.before)
    return change.live_fingerprint


def _edited(saved: Plan, fresh: Plan) -> list[Staleness]:
    """The saved plan's apply-relevant values that the configuration does not give."""
    by_key: dict[str | None, list[FieldChange]] = {}
    for key, name, in_file, computed in differences(saved, fresh):
        shown = [None if v is MISSING else v for v in (in_file, computed)]
        by_key.setdefault(key, []).append(FieldChange(name, *shown))
    return [Staleness(StaleKind.PLAN_EDITED, key, tuple(fields)) for key, fields in by_key.items()]


def _config_changes(saved: Plan, fresh: Plan) -> list[Staleness]:
    old = {c.key: c.after for c in saved.changes}
    new = {c.key: c.after for c in fresh.changes}
    out = [Staleness(StaleKind.CONFIG_ADDED, k) for k in sorted(set(new) - set(old))]
    out += [Staleness(StaleKind.CONFIG_REMOVED, k) for k in sorted(set(old) - set(new))]
    # unchanged campaigns are saved without their values: compare each field's digest
    slim = {c.key: c.after_fields for c in saved.changes if c.after is None and c.after_fields is not None}
    for key in sorted(set(old) & set(new)):
        if key in slim:
            planned, now, after = slim[key], field_digests(new[key] or {}), new[key] or {}
            fields = sorted(f for f in set(planned) | set(now) if planned.get(f) != now.get(f))
            if fields:  # the planned values are not in the file: only what they are now
                out.append(Staleness(StaleKind.CONFIG_CHANGED, key,
                                     tuple(FieldChange(f, None, after.get(f)) for f in fields)))
            continue
        before, after = old[key] or {}, new[key] or {}
        if old[key] != new[key]:
            fields = sorted(f for f in set(before) | set(after) if before.get(f) != after.get(f))
            out.append(Staleness(StaleKind.CONFIG_CHANGED, key,
                                 tuple(FieldChange(f, before.get(f), after.get(f)) for f in fields)))
    return out


def _live_change(change: ResourceChange, now: ResourceChange | None) -> Staleness:
    if now is None:
        return Staleness(StaleKind.NOT_PLANNED, change.key)
    if now.action != change.action:
        return Staleness(StaleKind.ACTION_CHANGED, change.key, planned=change.action.value, now=now.action.value)
    old, new = change.before or {}, now.before or {}
    fields = sorted(f for f in set(old) | set(new) if canon(old.get(f)) != canon(new.get(f)))
    return Staleness(StaleKind.LIVE_CHANGED, change.key, tuple(FieldChange(f, old.get(f), new.get(f)) for f in fields))


def apply_plan(run: Run, plan: Plan, hook: Hook | None = None, applied_by: dict[str, str] | None = None,
               cancel: threading.Event | None = None) -> ApplyReport:
    """Execute `plan`; the caller holds the state lock. State is compacted at the end. Every entry
    the apply writes records `applied_by` (the commit and CI run), when given. Setting `cancel`
    (from another thread or a signal handler) stops new requests; the report says so."""
    from provisioner.applier import Applier

    try:
        return Applier(run.workspace, run.statemgr, run.sessions, hook, applied_by, cancel).apply(plan)
    finally:
        run.statemgr.compact()
