"""Terminal rendering of plans, drift and apply reports, with + ~ - symbols like Terraform."""

from __future__ import annotations

from provisioner.plans.action import Action, DriftKind
from provisioner.plans.change import DriftEntry, ResourceChange
from provisioner.plans.plan import Plan
from provisioner.views.common import show, summary_line


def render_plan(plan: Plan, verbose: bool = False) -> str:
    lines: list[str] = []
    if plan.drift:
        lines.append("Changed outside provisioner since the last apply:")
        lines.extend(_drift_lines(plan.drift))
        lines.append("")
    for instance, reason in sorted(plan.not_observable.items()):
        lines.append(f"Note: {instance}: live state is not observable ({reason}); planned from state only.")
    changes = [c for c in plan.changes if c.action.is_change or verbose]
    if not changes:
        lines.append("No changes. Your campaigns match the configuration.")
    for change in changes:
        lines.extend(_change_lines(change))
    if plan.has_changes():
        lines += ["", summary_line(plan)]
    for warning in plan.warnings:
        lines.append(f"Warning: {warning}")
    return "\n".join(lines).rstrip() + "\n"


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
    return lines


def _drift_lines(drift: list[DriftEntry]) -> list[str]:
    lines = []
    for entry in drift:
        if entry.kind is DriftKind.DELETED:
            lines.append(f"  - {entry.provider}.{entry.key} (id {entry.id}): deleted on the platform")
            continue
        lines.append(f"  ~ {entry.provider}.{entry.key} (id {entry.id}):")
        for diff in entry.diffs:
            lines.append(f"      {diff.path}: {show(diff.before)} (last applied) -> {show(diff.after)} (live)")
    return lines


def render_drift(plan: Plan) -> str:
    lines = []
    if plan.drift:
        lines.append(f"Drift: {len(plan.drift)} campaign(s) changed outside provisioner.")
        lines.extend(_drift_lines(plan.drift))
    else:
        lines.append("No drift: every observable campaign matches what was last applied.")
    for instance, reason in sorted(plan.not_observable.items()):
        lines.append(f"Unknown: {instance}: not observable ({reason}).")
    for warning in plan.warnings:
        lines.append(f"Warning: {warning}")
    return "\n".join(lines) + "\n"
