"""Budget guardrails (`policy:` in the workspace), evaluated on the plan itself before any request
is sent: each rule gives allow, warn or block, with the numbers. A block stops the plan (exit 3)
unless the plan was made, and is applied, with --allow-spend-increase; a currency that is not
allowed is a configuration mistake that no flag overrides. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from provisioner.plans.money import CampaignSpend, Outcome, RuleOutcome, SpendLine
from provisioner.providers.money import Currency, money_check

Period = Literal["daily", "weekly", "monthly", "total", "lifetime", "flight"]
Amount = Annotated[Decimal, AfterValidator(money_check(places=4, below=Decimal("1e15")))]
# A limit per currency: one amount for every period, or one per period (`{daily: 500, monthly: 10000}`).
Limit = Amount | dict[Period, Amount]
RuleName = Literal["allowed_currencies", "max_campaign_budget", "max_increase_per_run", "max_increase_percent",
                   "allow_uncapped"]
# Rules about spending more: --allow-spend-increase overrides their blocks. allowed_currencies is not one.
SPEND_RULES = frozenset({"max_campaign_budget", "max_increase_per_run", "max_increase_percent", "allow_uncapped"})


class Policy(BaseModel):
    """The workspace's `policy:` section. Every rule is opt-in: one left out is not evaluated."""

    model_config = ConfigDict(extra="forbid")

    allowed_currencies: list[Currency] | None = Field(
        default=None, description="currencies provider instances may declare")
    max_campaign_budget: dict[Currency, Limit] | None = Field(
        default=None, description="per currency: the largest budget one campaign may commit per period")
    max_increase_per_run: dict[Currency, Limit] | None = Field(
        default=None, description="per currency: the largest increase of one provider instance's total per "
                                  "period in one plan")
    max_increase_percent: Annotated[Decimal, Field(ge=0, le=Decimal("1e6"))] | None = Field(
        default=None, description="the largest increase of one campaign's budget, in percent")
    allow_uncapped: bool | None = Field(
        default=None, description="false: a campaign may not go from capped to uncapped (unbounded spend)")
    warn_only: list[RuleName] = Field(default_factory=list, description="rules that warn instead of blocking")


def _money(amount: Decimal | None, currency: str | None) -> str:
    return f"{amount} {currency or '(currency not declared)'}" if amount is not None else "unknown"


def _limit(limits: Mapping[str, Limit] | None, currency: str | None, period: str) -> Decimal | None:
    if limits is None or currency is None or currency not in limits:
        return None
    limit = limits[currency]
    return {str(p): amount for p, amount in limit.items()}.get(period) if isinstance(limit, dict) else limit


class _Verdicts:
    """Collects outcomes rule by rule; subjects a rule allows are summed into one line."""

    def __init__(self, policy: Policy, allow_spend_increase: bool) -> None:
        self.policy, self.allow_spend_increase = policy, allow_spend_increase
        self.outcomes: list[RuleOutcome] = []
        self.allowed: dict[str, list[str]] = {}

    def add(self, rule: str, outcome: Outcome, subject: str, detail: str) -> None:
        if outcome is Outcome.ALLOW:
            self.allowed.setdefault(rule, []).append(f"{subject}: {detail}")
            return
        if outcome is Outcome.BLOCK and rule in self.policy.warn_only:
            outcome = Outcome.WARN
        overridden = outcome is Outcome.BLOCK and rule in SPEND_RULES and self.allow_spend_increase
        self.outcomes.append(RuleOutcome(rule, outcome, subject, detail, overridden))

    def finish(self, rules: list[str]) -> list[RuleOutcome]:
        summary = []
        for rule in rules:
            allowed = self.allowed.get(rule, [])
            if allowed or not any(o.rule == rule for o in self.outcomes):
                detail = (f"{len(allowed)} within the limit" + (f" ({'; '.join(allowed[:3])}"
                                                                 f"{'; …' if len(allowed) > 3 else ''})"
                                                                 if allowed else "")) if allowed \
                    else "nothing in this plan to check"
                summary.append(RuleOutcome(rule, Outcome.ALLOW, "all", detail))
        order = {rule: index for index, rule in enumerate(rules)}
        rank = {Outcome.BLOCK: 0, Outcome.WARN: 1, Outcome.ALLOW: 2}
        return sorted(self.outcomes + summary, key=lambda o: (order[o.rule], rank[o.outcome], o.subject))


def evaluate(policy: Policy | None, lines: list[SpendLine], campaigns: list[CampaignSpend],
             currencies: Mapping[str, str | None], allow_spend_increase: bool = False) -> list[RuleOutcome]:
    """Every rule of `policy` on a plan's spend: `lines` (per instance, currency and period),
    `campaigns` (the commitments the plan changes) and `currencies` (instance -> declared currency)."""
    if policy is None:
        return []
    verdicts = _Verdicts(policy, allow_spend_increase)
    checks: list[tuple[str, Callable[[_Verdicts], None]]] = [
        ("allowed_currencies", lambda v: _currencies(v, currencies)),
        ("max_campaign_budget", lambda v: _campaign_budget(v, campaigns)),
        ("max_increase_per_run", lambda v: _run_increase(v, lines)),
        ("max_increase_percent", lambda v: _percent_increase(v, campaigns)),
        ("allow_uncapped", lambda v: _uncapped(v, campaigns)),
    ]
    rules = [name for name, _ in checks if getattr(policy, name) is not None]
    for name, check in checks:
        if name in rules:
            check(verdicts)
    return verdicts.finish(rules)


UNCAPPED_ALLOWED = " (uncapped is allowed by allow_uncapped: true)"


def _unbounded(verdicts: _Verdicts) -> Outcome:
    """An uncapped commitment breaks every limit, unless `allow_uncapped: true` says uncapped
    spend is wanted: then that rule alone judges it."""
    return Outcome.ALLOW if verdicts.policy.allow_uncapped else Outcome.BLOCK


def _currencies(verdicts: _Verdicts, currencies: Mapping[str, str | None]) -> None:
    allowed = verdicts.policy.allowed_currencies or []
    for instance, currency in sorted(currencies.items()):
        if currency is None:
            continue
        if currency in allowed:
            verdicts.add("allowed_currencies", Outcome.ALLOW, instance, currency)
        else:
            verdicts.add("allowed_currencies", Outcome.BLOCK, instance,
                         f"declares {currency}, which the policy does not allow (allowed: {', '.join(allowed)})")


def _spending(campaigns: list[CampaignSpend]) -> list[CampaignSpend]:
    """Commitments the plan changes and that will spend (active after the plan)."""
    return [c for c in campaigns if c.after is not None and c.after.active]


def _campaign_budget(verdicts: _Verdicts, campaigns: list[CampaignSpend]) -> None:
    for row in _spending(campaigns):
        after = row.after
        limit = _limit(verdicts.policy.max_campaign_budget, row.currency, row.period)
        if after is None or limit is None:
            continue
        subject, cap = f"{row.address} {row.period}", _money(limit, row.currency)
        if after.unbounded:
            verdicts.add("max_campaign_budget", _unbounded(verdicts), subject, f"uncapped (no limit) > limit {cap}"
                         + UNCAPPED_ALLOWED * bool(verdicts.policy.allow_uncapped))
        elif after.unknown:
            verdicts.add("max_campaign_budget", Outcome.WARN, subject,
                         f"amount unknown (a budget option only the platform knows): cannot check against {cap}")
        elif after.committed > limit:
            verdicts.add("max_campaign_budget", Outcome.BLOCK, subject,
                         f"{row.period} budget {_money(after.committed, row.currency)} > limit {cap}")
        else:
            verdicts.add("max_campaign_budget", Outcome.ALLOW, subject,
                         f"{_money(after.committed, row.currency)} <= {cap}")


def _run_increase(verdicts: _Verdicts, lines: list[SpendLine]) -> None:
    for line in lines:
        limit = _limit(verdicts.policy.max_increase_per_run, line.currency, line.period)
        if limit is None or not line.changed:
            continue
        subject, cap = f"{line.provider} {line.currency} {line.period}", _money(limit, line.currency)
        if line.newly_unbounded:
            verdicts.add("max_increase_per_run", _unbounded(verdicts), subject,
                         f"unbounded increase ({', '.join(line.newly_unbounded)} uncapped) > limit {cap}"
                         + UNCAPPED_ALLOWED * bool(verdicts.policy.allow_uncapped))
        elif line.delta > limit:
            verdicts.add("max_increase_per_run", Outcome.BLOCK, subject,
                         f"increase {_money(line.delta, line.currency)} ({line.before} -> {line.after}) "
                         f"> limit {cap}")
        elif line.unknown_after > line.unknown_before:
            verdicts.add("max_increase_per_run", Outcome.WARN, subject,
                         f"increase {_money(line.delta, line.currency)} plus "
                         f"{line.unknown_after - line.unknown_before} budget(s) of unknown amount: cannot check "
                         f"against {cap}")
        else:
            verdicts.add("max_increase_per_run", Outcome.ALLOW, subject,
                         f"{_money(line.delta, line.currency)} <= {cap}")


def _percent_increase(verdicts: _Verdicts, campaigns: list[CampaignSpend]) -> None:
    limit = verdicts.policy.max_increase_percent
    if limit is None:
        return
    for row in _spending(campaigns):
        before, after = row.before, row.after
        if before is None or after is None or not before.active or before.committed == 0:
            continue  # new spending has no percentage: max_campaign_budget and max_increase_per_run cover it
        subject = f"{row.address} {row.period}"
        if after.unbounded or after.unknown:
            outcome = _unbounded(verdicts) if after.unbounded else Outcome.WARN
            verdicts.add("max_increase_percent", outcome, subject,
                         f"{_money(before.committed, row.currency)} -> "
                         f"{'uncapped' if after.unbounded else 'unknown'}: limit {limit}%"
                         + UNCAPPED_ALLOWED * (after.unbounded and bool(verdicts.policy.allow_uncapped)))
            continue
        percent = (after.committed - before.committed) * 100 / before.committed
        shown = f"{percent.quantize(Decimal('0.1'))}%"
        detail = (f"{_money(before.committed, row.currency)} -> {_money(after.committed, row.currency)} "
                  f"(+{shown})")
        if percent > limit:
            verdicts.add("max_increase_percent", Outcome.BLOCK, subject, f"{detail} > limit {limit}%")
        elif percent > 0:
            verdicts.add("max_increase_percent", Outcome.ALLOW, subject, f"+{shown} <= {limit}%")


def _uncapped(verdicts: _Verdicts, campaigns: list[CampaignSpend]) -> None:
    allowed = bool(verdicts.policy.allow_uncapped)
    for row in campaigns:
        if not row.becomes_unbounded:
            continue
        change = "starts uncapped" if row.before is None or not row.before.active else (
            f"capped ({_money(row.before.amount, row.currency)} {row.period}) -> uncapped")
        verdicts.add("allow_uncapped", Outcome.ALLOW if allowed else Outcome.BLOCK, f"{row.address}",
                     f"{change}: unbounded spend" + ("" if allowed else " is not allowed"))
