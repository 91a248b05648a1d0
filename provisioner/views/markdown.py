"""Markdown for pull-request comments and nightly drift reports: a header, a summary table per
provider instance, then one collapsible section per campaign. Names and values from YAML or the
platforms are escaped so they cannot change the comment's structure, and the whole comment stays
under GitHub's 65,536-character limit, keeping what a reviewer must see and saying what it left out."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from provisioner.plans.action import Action, DriftKind
from provisioner.plans.change import DriftEntry, FieldDiff, ResourceChange
from provisioner.plans.plan import Plan
from provisioner.states.state import ResourceState
from provisioner.views.common import show, summary_line
from provisioner.views.money import policy_markdown, spend_markdown

LIMIT = 65_000  # GitHub refuses comments over 65,536 characters; the margin is for the CI's marker line
_VALUE_CHARS = 300  # one value longer than this is cut: a comment is for review, the plan file has it all

# Every character markdown, HTML, GFM tables or GitHub's math could read as structure anywhere in a line,
# as a character reference: references are always literal text, in markdown and in the HTML blocks of
# <details>. (Line-start markers such as `-`, `+`, `=` need nothing: untrusted text never starts a line.)
_SPECIAL = re.compile(r"[&<>`|\\*_\[\]#~$]")
_NEWLINES = re.compile(r"\r\n|\r|\n|\u2028|\u2029")


def text(value: str, limit: int = _VALUE_CHARS) -> str:
    """Untrusted text as inert inline content: no markup, no HTML, no line breaks, no mentions."""
    if len(value) > limit:
        value = value[:limit] + "…"
    escaped = _SPECIAL.sub(lambda m: f"&#{ord(m.group())};", value)
    return _NEWLINES.sub("↵", escaped)  # a line break would end a table row or an HTML block


def code(value: str, limit: int = _VALUE_CHARS) -> str:
    """Untrusted text in monospace; GitHub neither links mentions nor autolinks inside <code>."""
    return f"<code>{text(value, limit)}</code>"


def _value(value: Any) -> str:
    return code(show(value))


def _url(url: str) -> str:
    return html.escape(url, quote=True)


# -- sections that are always kept -------------------------------------------------------------------
# A section renderer turns a plan into markdown lines, or none. Sections in KEPT_SECTIONS are never
# left out to save space: money first, since reviewers read it first.
SectionRenderer = Callable[[Plan], list[str]]
KEPT_SECTIONS: list[SectionRenderer] = [spend_markdown, policy_markdown]


# -- the budget: what is always kept, then as many optional blocks as fit -----------------------------
@dataclass
class _Comment:
    kept: list[str] = field(default_factory=list)
    optional: list[tuple[str, str]] = field(default_factory=list)  # (kind of item, block)


def _capped(lines: list[str], limit: int, what: str) -> list[str]:
    """Lines of a kept section, cut (saying so) if even they alone would not fit."""
    kept: list[str] = []
    size = 0
    for index, line in enumerate(lines):
        if size + len(line) + 1 > limit:
            return [*kept, f"- … and {len(lines) - index} more {what}: see the full plan."]
        kept.append(line)
        size += len(line) + 1
    return kept


def _footer(left_out: int, whole: str, full_url: str | None, plan_path: str | None) -> list[str]:
    """Where the whole plan (or report) is, and how many campaigns this comment leaves out of it."""
    lines = [""]
    if left_out:
        lines.append(f"**{left_out} campaign(s) not shown** to keep this comment under {LIMIT:,} characters.")
    if full_url:
        lines.append(f'The full {whole}: <a href="{_url(full_url)}">{text(full_url, 500)}</a>')
    elif left_out and plan_path:
        lines.append(f"The full {whole}: {code('provisioner show ' + plan_path)}")
    elif left_out:
        lines.append(f"The full {whole}: {code(f'provisioner {whole.split()[0]} --format text')}.")
    return lines


# -- the plan ------------------------------------------------------------------------------------------
def _summary_table(plan: Plan) -> list[str]:
    """Per provider instance: a count per action (the vocabulary's, where any is non-zero) and the drift."""
    instances = sorted({c.provider for c in plan.changes} | {d.provider for d in plan.drift}
                       | set(plan.not_observable) | set(plan.read_errors))
    counts: dict[str, dict[Action, int]] = {name: dict.fromkeys(Action, 0) for name in instances}
    for change in plan.changes:
        counts[change.provider][change.action] += 1
    drift = {name: sum(1 for d in plan.drift if d.provider == name) for name in instances}
    actions = [a for a in Action if a in (Action.CREATE, Action.UPDATE, Action.RETIRE, Action.NOOP)
               or any(counts[n][a] for n in instances)]
    lines = ["| provider | " + " | ".join(f"{_symbol(a)}{a.value}" for a in actions) + " | drift |",
             "|---" * (len(actions) + 2) + "|"]
    for name in instances:
        cells = [str(counts[name][a]) for a in actions]
        note = " (not observable)" if name in plan.not_observable else ""
        lines.append(f"| {code(name)} | " + " | ".join(cells) + f" | {drift[name]}{note} |")
    if len(instances) > 1:
        totals = [str(sum(counts[n][a] for n in instances)) for a in actions]
        lines.append("| **total** | " + " | ".join(totals) + f" | {len(plan.drift)} |")
    return lines


def _symbol(action: Action) -> str:
    return f"{code(action.symbol)} " if action.symbol.strip() else ""


def _change_block(change: ResourceChange, open_: bool = False) -> str:
    id_text = f" (id {code(change.id)})" if change.id else ""
    lines = [f"<details{' open' if open_ else ''}><summary>{code(change.action.symbol + ' ' + change.address)} "
             f"{text(change.action.value)}{id_text}</summary>", ""]
    if change.reason:
        lines += [f"> {text(change.reason, 1000)}", ""]
    for warning in change.warnings:
        lines += [f"> ⚠ {text(warning, 1000)}", ""]
    if change.action is Action.CREATE:  # reviewers read what is about to exist
        rows = [FieldDiff(k, None, v) for k, v in (change.after or {}).items()]
    else:
        rows = list(change.diffs)
    if rows:
        lines += ["| field | before | after |", "|---|---|---|"]
        for diff in rows:
            before = "" if change.action is Action.CREATE else _value(diff.before)
            note = f"<br>**cannot update in place:** {text(diff.blocked)}" if diff.blocked else ""
            lines.append(f"| {code(diff.path)} | {before} | {_value(diff.after)}{note} |")
        lines.append("")
    lines.append("</details>")
    return "\n".join(lines)


def _drift_block(entry: DriftEntry) -> str:
    id_text = f" (id {code(entry.id)})" if entry.id else ""
    head = f"<details><summary>{code(entry.provider + '.' + entry.key)}{id_text}: {text(_drift_words(entry.kind))}"
    if entry.twins:  # a possible duplicate: the look-alikes not in state
        head += f": {text('live campaign(s) ' + ', '.join(entry.twins) + ' not in state')}"
    if not entry.diffs:
        return head + "</summary>\n</details>"
    lines = [head + "</summary>", ""]
    if entry.reason:  # why the platform did it (platform-changed): expected, not drift
        lines += [f"> {text(entry.reason, 1000)}", ""]
    lines += ["| field | last applied | live now |", "|---|---|---|"]
    lines += [f"| {code(d.path)} | {_value(d.before)} | {_value(d.after)} |" for d in entry.diffs]
    return "\n".join([*lines, "", "</details>"])


def _ignored(plan: Plan) -> list[str]:
    """What `ignore:` rules leave alone in this plan (the plan lists what it ignores)."""
    rows = [f"| {code(c.address)} | {code(d.path)} | {_value(d.before)} | {_value(d.after)} |"
            for c in plan.changes for d in c.ignored]
    if not rows:
        return []
    return ["### Ignored (`ignore:` rules; left as they are on the platform)", "",
            "| campaign | field | live | config |", "|---|---|---|---|", *_capped(rows, 8_000, "ignored field(s)"), ""]


def _drift_words(kind: DriftKind) -> str:
    return {DriftKind.CHANGED: "changed", DriftKind.DELETED: "deleted on the platform",
            DriftKind.POSSIBLE_DUPLICATE: "possible duplicate on the platform",
            DriftKind.PLATFORM_CHANGED: "changed by the platform"}.get(kind, kind.value)


def _notes(plan: Plan) -> list[str]:
    lines = [f"- **Cannot read** {code(name)}: {text(error, 1000)}" for name, error in sorted(plan.read_errors.items())]
    lines += [f"- {code(name)}: live state is not observable ({text(reason)}); drift unknown."
              for name, reason in sorted(plan.not_observable.items())]
    lines += [f"- ⚠ {text(warning, 1000)}" for warning in plan.warnings]
    return [*_capped(lines, 8_000, "note(s)"), ""] if lines else []


def _header(title: str, plan: Plan) -> list[str]:
    workspace = ", ".join(code(path) for path in plan.workspace) or code("?")
    return [f"## provisioner {title}: {workspace}", "", f"Made at {text(plan.created_at)}.", ""]


def render_plan(plan: Plan, full_plan_url: str | None = None, plan_path: str | None = None,
                limit: int = LIMIT) -> str:
    """The pull-request comment: summary, kept sections, blocked items, drift, then campaigns."""
    comment = _Comment()
    comment.kept += _header("plan", plan)
    for section in KEPT_SECTIONS:  # money first: the first thing a reviewer reads
        if lines := section(plan):
            comment.kept += [*lines, ""]
    changes = [c for c in plan.changes if c.action.is_change]
    comment.kept += [summary_line(plan) if changes else "No changes. Your campaigns match the configuration.", ""]
    comment.kept += [*_summary_table(plan), ""]
    comment.kept += _notes(plan)
    comment.kept += _ignored(plan)
    blocked = [c for c in changes if c.action.is_blocked]
    if blocked:  # every one is kept: each needs a human before this plan can be applied as intended
        blocks = [_change_block(c, open_=True) for c in blocked]
        room = limit // 2 - len("\n".join(comment.kept))
        if sum(len(b) + 1 for b in blocks) > room:  # too many for full sections: one line each
            blocks = [f"- {code(c.action.symbol + ' ' + c.address)} {text(c.action.value)}: "
                      f"{text(c.reason or '; '.join(d.blocked or '' for d in c.diffs), 160)}" for c in blocked]
            blocks = _capped(blocks, room, "blocked campaign(s)")
        comment.kept += [f"### Needs a human ({len(blocked)})", "", *blocks, ""]
    if plan.drift:
        heading = f"### Changed outside provisioner since the last apply ({len(plan.drift)})\n"
        comment.optional.append(("heading", heading))
        comment.optional += [("drift", _drift_block(entry)) for entry in plan.drift]
    rest = [c for c in changes if not c.action.is_blocked]
    if rest:
        comment.optional.append(("heading", f"\n### Changes ({len(rest)})\n"))
        comment.optional += [("campaign", _change_block(c)) for c in rest]
    return _finish(comment, limit, "plan", full_plan_url, plan_path)


def _finish(comment: _Comment, limit: int, whole: str, full_url: str | None, plan_path: str | None) -> str:
    """The kept lines, then optional blocks in order while they fit, then the footer."""
    items = sum(1 for kind, _ in comment.optional if kind != "heading")
    # room for the footer with the widest count it can name
    reserve = len("\n".join(_footer(items or 1, whole, full_url, plan_path))) + 1
    head = "\n".join(comment.kept) + "\n"
    if len(head) + reserve > limit:  # last resort (kept sections are bounded; this keeps the promise)
        head = head[:max(0, limit - reserve - 200)].rsplit("\n", 1)[0] + "\n\n**(cut to fit the limit)**\n"
    size, shown = len(head) + reserve, []
    for kind, block in comment.optional:
        if size + len(block) + 1 > limit:
            break
        shown.append((kind, block))
        size += len(block) + 1
    left_out = sum(1 for kind, _ in comment.optional[len(shown):] if kind != "heading")
    while shown and shown[-1][0] == "heading":  # never a heading with nothing under it
        shown.pop()
    body = "".join(block + "\n" for _, block in shown)
    footer = "\n".join(_footer(left_out, whole, full_url, plan_path))
    return (head + body + footer).rstrip("\n") + "\n"


# -- the drift report ------------------------------------------------------------------------------------
def render_drift(plan: Plan, full_plan_url: str | None = None, plan_path: str | None = None,
                 limit: int = LIMIT) -> str:
    """The nightly report: header, per-instance drift counts by kind, then one section per campaign."""
    comment = _Comment()
    comment.kept += _header("drift report", plan)
    if plan.human_drift:
        people = len({d.key for d in plan.human_drift})
        comment.kept += [f"**{people} campaign(s) changed outside provisioner.**", ""]
    else:
        comment.kept += ["No drift: every observable campaign matches what was last applied.", ""]
    comment.kept += [*_drift_table(plan), ""]
    for section in KEPT_SECTIONS:
        comment.kept += section(plan)
    comment.kept += _notes(plan)
    # what people changed first; the platform's own changes (expected, not drift) after them
    ordered = [*plan.human_drift, *(d for d in plan.drift if not d.kind.is_human)]
    comment.optional += [("drift", _drift_block(entry)) for entry in ordered]
    return _finish(comment, limit, "drift report", full_plan_url, plan_path)


def _drift_table(plan: Plan) -> list[str]:
    instances = sorted({d.provider for d in plan.drift} | {c.provider for c in plan.changes}
                       | set(plan.not_observable) | set(plan.read_errors))
    kinds = list(DriftKind)
    lines = ["| provider | " + " | ".join(k.value for k in kinds) + " |", "|---" * (len(kinds) + 1) + "|"]
    for name in instances:
        if name in plan.not_observable:
            cells = ["unknown"] * len(kinds)
        else:
            cells = [str(sum(1 for d in plan.drift if d.provider == name and d.kind is k)) for k in kinds]
        lines.append(f"| {code(name)} | " + " | ".join(cells) + " |")
    return lines


# -- state ---------------------------------------------------------------------------------------------
def render_state(resources: list[ResourceState]) -> str:
    """What state records (`provisioner show PATHS --format markdown`): one row per campaign."""
    lines = ["## provisioner state", ""]
    if not resources:
        return "\n".join([*lines, "State is empty: nothing has been applied from this workspace yet."]) + "\n"
    lines += ["| campaign | status | id | outputs |", "|---|---|---|---|"]
    for r in resources[:1000]:
        outputs = "<br>".join(f"{code(name)}: {code(str(value))}" for name, value in sorted(r.outputs.items()))
        lines.append(f"| {code(r.provider + '.' + r.key)} | {text(r.status)} | {code(r.id or '-')} | {outputs} |")
    if len(resources) > 1000:
        lines += ["", f"… and {len(resources) - 1000} more: {code('provisioner show PATHS --format text')}."]
    return "\n".join(lines) + "\n"
