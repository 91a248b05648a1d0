"""Terminal rendering of plans, drift, stale plans, apply reports and state, with + ~ - symbols
like Terraform."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from provisioner.plans.action import Action, DriftKind
from provisioner.plans.change import DriftEntry, ResourceChange
from provisioner.plans.plan import Plan
from provisioner.plans.projection import WHOLE_CHANGE
from provisioner.plans.staleness import FieldChange, StaleKind, Staleness
from provisioner.states.state import PENDING, ResourceState
from provisioner.views.common import show, summary_line
from provisioner.views.money import policy_text, spend_text

if TYPE_CHECKING:  # a plan renders without the applier; a report arrives with it loaded
    from provisioner.applier import ApplyReport


def render_plan(plan: Plan) -> str:
    lines: list[str] = []
    for section in (spend_text(plan), policy_text(plan)):  # money first: reviewers read it first
        if section:
            lines += [*section, ""]
    if plan.human_drift:
        lines.append("Changed outside provisioner since the last apply:")
        lines.extend(_drift_lines(plan.human_drift))
        lines.append("")
    lines += _platform_lines(plan)
    for instance, reason in sorted(plan.not_observable.items()):
        lines.append(f"Note: {instance}: live state is not observable ({reason}); planned from state only.")
    changes = [c for c in plan.changes if c.action.is_change]
    if not changes:
        lines.append("No changes. Your campaigns match the configuration.")
    for change in changes:
        lines.extend(_change_lines(change))
    lines += _ignored_lines(plan)
    if plan.has_changes():
        lines += ["", summary_line(plan)]
    for warning in plan.warnings:
        lines.append(f"Warning: {warning}")
    return "\n".join(lines).rstrip() + "\n"


def _ignored_lines(plan: Plan) -> list[str]:
    """What `ignore:` rules leave alone: neither updated nor reported as drift."""
    ignored = [(change, diff) for change in plan.changes for diff in change.ignored]
    if not ignored:
        return []
    lines = ["", "Ignored (ignore: rules), left as they are on the platform:"]
    lines += [f"    {change.address}: {diff.path}: {show(diff.before)} (live), {show(diff.after)} (config)"
              for change, diff in ignored]
    return lines


def _platform_lines(plan: Plan) -> list[str]:
    """Changes the platform made by itself (not drift anyone needs to act on)."""
    entries = [d for d in plan.drift if not d.kind.is_human]
    if not entries:
        return []
    lines = ["Changed by the platform itself (expected, not drift):"]
    for entry in entries:
        lines.append(f"  = {entry.provider}.{entry.key} (id {entry.id}): {entry.reason}")
        lines += [f"      {d.path}: {show(d.before)} (last applied) -> {show(d.after)} (live)" for d in entry.diffs]
    return [*lines, ""]


def _change_lines(change: ResourceChange) -> list[str]:
    id_text = f" (id {change.id})" if change.id else ""
    head = f"{change.action.symbol} {change.address}{id_text}: {change.action.value}"
    lines = [head]
    if change.reason:
        lines.append(f"    # {change.reason}")
    if change.action is Action.CREATE:
        for name, value in (change.after or {}).items():
            lines.append(f"    + {name} = {show(value)}")
    for diff in change.diffs:
        marker = "!" if diff.blocked else "~"
        lines.append(f"    {marker} {diff.path}: {show(diff.before)} -> {show(diff.after)}")
        if diff.blocked:
            lines.append(f"        cannot update in place: {diff.blocked}")
    explained = {f"{d.path}: cannot update in place: {d.blocked}" for d in change.diffs if d.blocked}
    lines += [f"    warning: {w}" for w in change.warnings if w not in explained]
    return lines


def _drift_lines(drift: list[DriftEntry]) -> list[str]:
    lines = []
    for entry in drift:
        if entry.kind is DriftKind.DELETED:
            lines.append(f"  - {entry.provider}.{entry.key} (id {entry.id}): deleted on the platform")
            continue
        if entry.kind is DriftKind.POSSIBLE_DUPLICATE:
            lines.append(f"  ! {entry.provider}.{entry.key} (id {entry.id}): possible duplicate: live campaign(s) "
                         f"{', '.join(entry.twins)} look like it and are not in state (a create the platform "
                         "committed late?); check them in the platform and remove the extra one")
            continue
        lines.append(f"  ~ {entry.provider}.{entry.key} (id {entry.id}):")
        for diff in entry.diffs:
            lines.append(f"      {diff.path}: {show(diff.before)} (last applied) -> {show(diff.after)} (live)")
    return lines


def render_drift(plan: Plan) -> str:
    lines = []
    if plan.human_drift:
        lines.append(f"Drift: {len({d.key for d in plan.human_drift})} campaign(s) changed outside provisioner.")
        lines.extend(_drift_lines(plan.human_drift))
    else:
        lines.append("No drift: every observable campaign matches what was last applied.")
    lines += [line for line in _platform_lines(plan) if line]
    for instance, reason in sorted(plan.not_observable.items()):
        lines.append(f"Unknown: {instance}: not observable ({reason}).")
    for warning in plan.warnings:
        lines.append(f"Warning: {warning}")
    return "\n".join(lines) + "\n"


def policy_lines(plan: Plan) -> list[str]:
    """The policy's verdicts, for commands that refuse a plan because of them."""
    return policy_text(plan)


def read_error_lines(plan: Plan) -> list[str]:
    """Provider instances that could not be read: the plan is incomplete without them."""
    return [f"{name}: cannot read live state: {error}" for name, error in sorted(plan.read_errors.items())]


def incomplete_advice(plan: Plan) -> str:
    """Why nothing is saved or applied when an instance could not be read, and how to go on without it."""
    names = sorted(plan.read_errors)
    excludes = " ".join(f"--exclude '{name}.*'" for name in names)
    return (f"The plan is incomplete ({', '.join(names)} could not be read), so it is neither saved nor applied: "
            "without live state there, its creates could duplicate campaigns and its other changes are unknown. "
            f"The other provider instances were read; to plan and apply them now, leave the unreadable one(s) "
            f"out: {excludes}")


def staleness_lines(problems: list[Staleness]) -> list[str]:
    """Why a saved plan is stale, one line each."""
    return [_stale_line(problem) for problem in problems]


# Stale-plan reasons that are one sentence with the key (and detail, or the two actions) filled in.
_STALE_WORDS = {
    StaleKind.OTHER_LINEAGE: "the state belongs to another workspace lineage than the plan's",
    StaleKind.READ_ERROR: "{key}: cannot read live state: {detail}",
    StaleKind.CONFIG_ADDED: "campaign {key}: added to the configuration",
    StaleKind.CONFIG_REMOVED: "campaign {key}: removed from the configuration",
    StaleKind.CONFIG_OTHER: "the configuration changed since the plan was made",
    StaleKind.STATE_CHANGED: "the state changed since the plan was made (another apply ran?)",
    StaleKind.NOT_PLANNED: "campaign {key}: no longer planned",
    StaleKind.ACTION_CHANGED: "campaign {key}: planned {planned}, now it would be {now}",
}


def _stale_line(problem: Staleness) -> str:
    kind, key = problem.kind, problem.key
    if kind in _STALE_WORDS:
        return _STALE_WORDS[kind].format(key=key, detail=problem.detail, planned=problem.planned, now=problem.now)
    if kind is StaleKind.CONFIG_CHANGED:
        return f"campaign {key}: configuration of {', '.join(f.field for f in problem.fields)} changed"
    if kind is StaleKind.PLAN_EDITED:
        fields = "; ".join(_edited_field(f) for f in problem.fields)
        where = f"campaign {key}" if key else "the plan"
        return f"{where}: {fields} (the plan file was edited: only what the configuration gives is applied)"
    detail = ", ".join(f"{f.field} was {show(f.planned)}, now {show(f.live)}" for f in problem.fields)
    return f"campaign {key}: live campaign changed since the plan ({detail or 'fingerprint differs'})"


def _edited_field(field: FieldChange) -> str:
    if field.field == WHOLE_CHANGE and field.planned is None:
        return f"the plan file has no change for it, the configuration gives {field.field} {show(field.live)}"
    if field.field == WHOLE_CHANGE and field.live is None:
        return f"the plan file has {field.field} {show(field.planned)}, the configuration gives no change"
    return f"{field.field} is {show(field.planned)} in the plan file, the configuration gives {show(field.live)}"


def render_report(report: ApplyReport) -> str:
    """What apply did, campaign by campaign (failures last), and the totals."""
    lines = []
    for outcome in sorted(report.outcomes, key=lambda o: (o.ok, o.key)):
        status = "ok" if outcome.ok else f"FAILED [{outcome.code or 'error'}]"
        line = f"{outcome.action.symbol} {outcome.provider}.{outcome.key}: {outcome.action.value} {status}"
        if outcome.id:
            line += f" (id {outcome.id})"
        if outcome.message:
            line += f": {outcome.message}"
        lines.append(line)
        lines += [f"    warning: {warning}" for warning in outcome.warnings]
        lines += [f"    {name}: {value}" for name, value in outcome.outputs.items()]
    if report.interrupted:
        lines += [f"  not started: {address}" for address in report.not_started]
        lines.append(f"Apply interrupted: {len(report.succeeded)} succeeded, {len(report.failed)} failed, "
                     f"{len(report.not_started)} not started (requests in flight were finished and recorded).")
    else:
        lines.append(f"Apply complete: {len(report.succeeded)} succeeded, {len(report.failed)} failed.")
    if report.failed or report.interrupted:
        lines.append("State records every success; run `provisioner plan` to see exactly the remaining work.")
    return "\n".join(lines) + "\n"


def render_state(resources: list[ResourceState]) -> str:
    """What state records per campaign (`provisioner show`): status, id and outputs."""
    if not resources:
        return "State is empty: nothing has been applied from this workspace yet.\n"
    lines = []
    for resource in resources:
        status = "PENDING (an interrupted create; the next plan resolves it)" if resource.status == PENDING \
            else "managed"
        if resource.status == PENDING and resource.ambiguous_at:
            status = (f"PENDING (the create's answer was lost at {resource.ambiguous_at}; plans wait for the "
                      "platform to settle, then look it up)")
        lines.append(f"{resource.provider}.{resource.key}: {status}, id {resource.id or '-'}")
        lines += [f"    {name}: {value}" for name, value in sorted(resource.outputs.items())]
    return "\n".join(lines) + "\n"


def render_state_list(resources: list[ResourceState]) -> str:
    """`state list`: every campaign state records, one line each: address, platform id, status."""
    if not resources:
        return "State is empty: nothing has been applied or imported in this workspace yet."
    return "\n".join(f"{r.provider}.{r.key}  id {r.id or '-'}"
                     + ("  (pending: an interrupted create)" if r.status == PENDING else "") for r in resources)


def render_state_entry(resource: ResourceState) -> str:
    """`state show --key`: one campaign's state entry, with the apply that last wrote it."""
    lines = [f"{resource.provider}.{resource.key}", f"  provider type: {resource.provider_type}",
             f"  status: {resource.status}", f"  id: {resource.id or '-'}"]
    if resource.ambiguous_at:
        lines.append(f"  create answer lost at: {resource.ambiguous_at} (the next plan settles it)")
    if resource.created_at:
        lines.append(f"  created at: {resource.created_at}")
    if resource.updated_at:
        lines.append(f"  updated at: {resource.updated_at}")
    if resource.protected:
        lines.append("  protected: true (never retired, never re-created)")
    if resource.applied_by:
        lines.append("  applied by:")
        lines += [f"    {name}: {value}" for name, value in sorted(resource.applied_by.items())]
    lines.append("  last applied:" if resource.attrs else "  last applied: (nothing recorded)")
    lines += [f"    {name}: {json.dumps(value, default=str, sort_keys=True)}"
              for name, value in sorted(resource.attrs.items())]
    if resource.outputs:
        lines.append("  outputs:")
        lines += [f"    {name}: {value}" for name, value in sorted(resource.outputs.items())]
    return "\n".join(lines)
