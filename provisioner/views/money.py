"""The plan's money sections, in text and markdown: the spend summary (committed budgets per
provider instance, currency and period, before → after the plan) and the policy's verdicts. They
are the first thing a reviewer reads, so each is one function that a renderer places first."""

from __future__ import annotations

from decimal import Decimal

from provisioner.plans.money import Outcome, RuleOutcome, SpendLine
from provisioner.plans.plan import Plan

OVERRIDE_NOTE = ("made with --allow-spend-increase: the policy's blocks below are overridden "
                 "(apply needs --allow-spend-increase too)")


def _total(amount: Decimal, unbounded: bool, unknown: int) -> str:
    if unbounded and amount == 0 and not unknown:
        return "unbounded"
    text = str(amount) + (" + unbounded" if unbounded else "")
    return text + (f" + {unknown} budget(s) of unknown amount" if unknown else "")


def _delta(line: SpendLine) -> str:
    if line.newly_unbounded:
        return "unbounded"
    sign = "+" if line.delta > 0 else ("±" if line.delta == 0 else "")
    more = line.unknown_after - line.unknown_before
    unknown = f" + {more} unknown" if more > 0 else (f" - {-more} unknown" if more < 0 else "")
    return f"{sign}{line.delta}{unknown}"


def _notes(line: SpendLine, code: str = "", arrow: str = "->") -> list[str]:
    def names(keys: list[str]) -> str:
        return ", ".join(f"{code}{key}{code}" for key in keys)

    notes = []
    # a campaign that starts spending (a create, an activation) uncapped was never capped: say so
    capped_before = [key for key in line.newly_unbounded if key not in line.starts]
    uncapped_from_start = [key for key in line.newly_unbounded if key in line.starts]
    if capped_before:
        notes.append(f"capped {arrow} uncapped: {names(capped_before)}")
    if uncapped_from_start:
        notes.append(f"starts uncapped: {names(uncapped_from_start)}")
    if line.starts:
        notes.append(f"starts spending: {names(line.starts)}")
    if line.stops:
        notes.append(f"stops spending: {names(line.stops)}")
    return notes


def _currency(line: SpendLine) -> str:
    return line.currency or "(currency not declared)"


def _scope(plan: Plan, code: str = "") -> str:
    """A targeted plan's totals cover only the campaigns it selects: say so, so that nobody reads
    them as the provider instance's whole commitment."""
    targeting = ([f"{code}--target {p}{code}" for p in plan.targets]
                 + [f"{code}--exclude {p}{code}" for p in plan.excludes])
    if not targeting:
        return ""
    return f"targeted plan ({' '.join(targeting)}): only the campaigns it selects, not the whole workspace"


def spend_text(plan: Plan) -> list[str]:
    """The spend summary for the terminal (no lines when no campaign of the plan carries money)."""
    if not plan.spend:
        return []
    scope = f"; {_scope(plan)}" if _scope(plan) else ""
    lines = [f"Spend (committed budgets before -> after this plan, in major units of each currency{scope}):"]
    for line in plan.spend:
        before = _total(line.before, line.unbounded_before, line.unknown_before)
        after = _total(line.after, line.unbounded, line.unknown_after)
        flag = "UNBOUNDED " if line.newly_unbounded else ""
        notes = "".join(f"; {note}" for note in _notes(line))
        lines.append(f"  {flag}{line.provider} {_currency(line)} {line.period}: {before} -> {after} "
                     f"({_delta(line)}){notes}")
    return lines


def _rule_text(outcome: RuleOutcome) -> str:
    verdict = outcome.outcome.value.upper() + (" (overridden)" if outcome.overridden else "")
    return f"{verdict} {outcome.rule}: {outcome.subject}: {outcome.detail}"


def policy_text(plan: Plan) -> list[str]:
    """Each policy rule's outcome for the terminal, blocks first (no lines without a policy)."""
    if not plan.policy:
        return []
    lines = ["Policy:"]
    if plan.allow_spend_increase:
        lines.append(f"  Note: {OVERRIDE_NOTE}")
    lines += [f"  {_rule_text(outcome)}" for outcome in plan.policy]
    if plan.blocked_by_policy:
        lines.append(f"  Blocked: {len(plan.blocked_by_policy)} rule outcome(s) block this plan; apply refuses it.")
    return lines


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def spend_markdown(plan: Plan) -> list[str]:
    """The spend summary as a markdown table (the first section of the pull-request comment)."""
    if not plan.spend:
        return []
    scope = f" **Note**: {_cell(_scope(plan, '`'))}." if _scope(plan) else ""
    lines = ["### Spend", "", f"Committed budgets before and after this plan, in major units of each currency.{scope}",
             "",
             "| provider | currency | period | before | after | delta | notes |", "|---|---|---|---|---|---|---|"]
    for line in plan.spend:
        before = _total(line.before, line.unbounded_before, line.unknown_before)
        after = _total(line.after, line.unbounded, line.unknown_after)
        delta = _delta(line)
        if line.newly_unbounded:
            after, delta = f"**{after}**", f"**{delta}**"
        lines.append(f"| `{line.provider}` | {_currency(line)} | {line.period} | {before} | {after} | {delta} | "
                     f"{_cell('; '.join(_notes(line, '`', '→')))} |")
    return lines


_ICONS = {Outcome.ALLOW: "✅ allow", Outcome.WARN: "⚠️ warn", Outcome.BLOCK: "⛔ **block**"}


def policy_markdown(plan: Plan) -> list[str]:
    """The policy's verdicts as a markdown table (placed right after the spend summary)."""
    if not plan.policy:
        return []
    lines = ["### Policy", ""]
    if plan.blocked_by_policy:
        lines += [f"**Blocked by policy**: {len(plan.blocked_by_policy)} rule outcome(s); apply refuses this plan.",
                  ""]
    if plan.allow_spend_increase:
        lines += [f"**Note**: {OVERRIDE_NOTE}.", ""]
    lines += ["| outcome | rule | subject | detail |", "|---|---|---|---|"]
    for outcome in plan.policy:
        icon = _ICONS[outcome.outcome] + (" (overridden)" if outcome.overridden else "")
        lines.append(f"| {icon} | {outcome.rule} | `{_cell(outcome.subject)}` | {_cell(outcome.detail)} |")
    return lines
