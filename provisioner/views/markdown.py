"""Markdown for pull-request comments and nightly drift reports."""

from __future__ import annotations

from provisioner.plans.action import Action, DriftKind
from provisioner.plans.change import FieldDiff
from provisioner.plans.plan import Plan
from provisioner.views.common import show, summary_line


def _cell(value: object) -> str:
    return show(value).replace("|", "\\|")


def render_plan(plan: Plan) -> str:
    lines = ["## provisioner plan", ""]
    changes = [c for c in plan.changes if c.action.is_change]
    if not changes:
        lines.append("No changes. Your campaigns match the configuration.")
    else:
        lines += [summary_line(plan), "", "| | campaign | action | field | before | after |",
                  "|---|---|---|---|---|---|"]
        for change in changes:
            if change.action is Action.CREATE:  # reviewers read what is about to exist
                rows: list[FieldDiff | None] = [FieldDiff(k, None, v) for k, v in (change.after or {}).items()]
            else:
                rows = list(change.diffs) or [None]
            for diff in rows:
                field = diff.path if diff else ""
                before = _cell(diff.before) if diff and change.action is not Action.CREATE else ""
                after = _cell(diff.after) if diff else ("(new)" if change.action is Action.CREATE else "")
                note = f" — cannot update in place: {diff.blocked}" if diff and diff.blocked else ""
                lines.append(f"| `{change.action.symbol}` | `{change.address}` | {change.action.value} | "
                             f"{field} | {before} | {after}{note} |")
    lines += _why(plan)
    lines += _ignored(plan)
    lines += _notes(plan)
    return "\n".join(lines) + "\n"


def _why(plan: Plan) -> list[str]:
    """Why each blocked change is blocked, and each change's own warnings (flight dates and the like)."""
    lines = [f"- **`{c.address}` {c.action.value}**: {c.reason}" for c in plan.changes
             if c.action.is_blocked and c.reason]
    for change in plan.changes:
        explained = {f"{d.path}: cannot update in place: {d.blocked}" for d in change.diffs if d.blocked}
        lines += [f"- ⚠ `{change.address}`: {w}" for w in change.warnings if w not in explained]
    return ["", *lines] if lines else []


def _ignored(plan: Plan) -> list[str]:
    rows = [f"| `{c.address}` | {d.path} | {_cell(d.before)} | {_cell(d.after)} |"
            for c in plan.changes for d in c.ignored]
    if not rows:
        return []
    return ["", "**Ignored** (`ignore:` rules; left as they are on the platform):", "",
            "| campaign | field | live | config |", "|---|---|---|---|", *rows]


def _platform(plan: Plan) -> list[str]:
    rows = [f"| `{e.provider}.{e.key}` | {e.id} | {d.path} | {_cell(d.before)} | {_cell(d.after)} | {e.reason} |"
            for e in plan.drift if not e.kind.is_human for d in e.diffs]
    if not rows:
        return []
    return ["", "**Changed by the platform itself** (expected, not drift):", "",
            "| campaign | id | field | last applied | live now | why |", "|---|---|---|---|---|---|", *rows]


def render_drift(plan: Plan) -> str:
    lines = ["## provisioner drift report", ""]
    if not plan.human_drift:
        lines.append("No drift: every observable campaign matches what was last applied.")
    else:
        lines += [f"**{len({d.key for d in plan.human_drift})} campaign(s) changed outside provisioner.**", "",
                  "| campaign | id | field | last applied | live now |", "|---|---|---|---|---|"]
        for entry in plan.human_drift:
            if entry.kind is DriftKind.DELETED:
                lines.append(f"| `{entry.provider}.{entry.key}` | {entry.id} | (deleted on the platform) | | |")
            for diff in entry.diffs:
                lines.append(f"| `{entry.provider}.{entry.key}` | {entry.id} | {diff.path} | "
                             f"{_cell(diff.before)} | {_cell(diff.after)} |")
    lines += _platform(plan)
    lines += _notes(plan)
    return "\n".join(lines) + "\n"


def _notes(plan: Plan) -> list[str]:
    lines = []
    for instance, reason in sorted(plan.not_observable.items()):
        lines.append(f"- **{instance}**: not observable ({reason}); drift unknown.")
    for warning in plan.warnings:
        lines.append(f"- ⚠ {warning}")
    return (["", *lines]) if lines else []
