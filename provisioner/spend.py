"""The spend summary of a plan: what each campaign commits before and after it, normalised by its
own provider (`CampaignModel.commitments`), added up per provider instance, currency and period.
Pure: called by the planner with the live fields it already read; no I/O.

Before is the live campaign (or state, where the platform cannot be read); after is what the plan
leaves on the platform: a create's declared fields, the live fields with an update's changes, a
retired campaign inactive, and anything the plan will not change (no-op, blocked) as it is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from decimal import Inexact, Rounded, localcontext
from typing import Any

from provisioner.config.models import Workspace
from provisioner.ignore import keep_live
from provisioner.plans.action import Action
from provisioner.plans.change import ResourceChange
from provisioner.plans.money import CampaignSpend, SpendLine
from provisioner.providers.base import CampaignModel, Commitment, MoneySettings
from provisioner.providers.money import scaled

# How periods are listed (the platforms' own words); any other sorts after these.
PERIOD_ORDER = ("daily", "weekly", "monthly", "total", "lifetime", "flight")
UPDATES = frozenset({Action.UPDATE, Action.ADOPT, Action.ACTIVATE})

LiveFields = Callable[[ResourceChange], Mapping[str, Any] | None]


def currency_of(workspace: Workspace, instance: str) -> str | None:
    """The currency a provider instance declares (None: not declared, or a platform without money)."""
    provider = workspace.providers.get(instance)
    settings = provider.settings if provider else None
    return settings.currency if isinstance(settings, MoneySettings) else None


def summarize(workspace: Workspace, changes: Iterable[ResourceChange],
              live_fields: LiveFields) -> tuple[list[SpendLine], list[CampaignSpend]]:
    """The spend lines of the plan, and each campaign's commitment that the plan changes."""
    rows: list[CampaignSpend] = []
    # campaigns the plan leaves as they are (no-ops above all): they count in both totals alike and
    # are listed nowhere, so they are added up directly, without pairing or a row each; equal
    # commitments (one list per distinct budget, see `_commitments`) are counted, not listed
    steady: dict[tuple[str, str | None, int], _Steady] = {}
    order: list[_Steady] = []  # each such campaign's group, in the plan's order
    # per provider instance, once: its platform's campaign model and its currency (None: not configured)
    instances: dict[str, tuple[type[CampaignModel], str | None] | None] = {}
    known: dict[tuple[Any, ...], list[Commitment]] = {}
    campaigns = workspace.campaigns
    for change in changes:
        provider = change.provider
        instance = instances.get(provider, _UNSEEN)
        if instance is _UNSEEN:
            configured = workspace.providers.get(provider)
            instance = instances[provider] = None if configured is None else (
                configured.plugin.campaign_model, currency_of(workspace, provider))
        if instance is None:
            continue
        campaign = campaigns.get(change.key)
        # the model's class, not a validated model: a cached campaign would be validated again for it
        model: type[CampaignModel] = campaign.model_type if campaign else instance[0]
        currency = instance[1]
        before_fields = None if change.action is Action.CREATE else live_fields(change)
        before = _commitments(model, before_fields, currency, known) if before_fields is not None else []
        # (a no-op, most of a plan, leaves the campaign as it is: `_after` would say so)
        after = before if change.action is Action.NOOP else _after(change, model, before_fields, before, currency)
        if after is before:
            if before:
                slot = (provider, currency, id(before))
                counted = steady.get(slot)
                if counted is None:
                    counted = steady[slot] = _Steady(provider, currency, before)
                else:
                    counted.count += 1
                order.append(counted)
            continue
        for period, was, will in _pair(before, after):
            rows.append(CampaignSpend(change.key, change.provider, currency, period, change.action.value, was, will))
    return _lines(rows, list(steady.values()), order), [row for row in rows if row.changed]


_UNSEEN: Any = object()


@dataclass(slots=True)
class _Steady:
    """Campaigns of one instance that the plan leaves committing one list of commitments."""

    provider: str
    currency: str | None
    commitments: list[Commitment]  # shared (`_commitments`): the same list object for each campaign
    count: int = 1


def _commitments(model: type[CampaignModel], fields: Mapping[str, Any], currency: str | None,
                 known: dict[tuple[Any, ...], list[Commitment]]) -> list[Commitment]:
    """`model.commitments`, once per distinct value of the fields it reads (its `money_fields`):
    thousands of campaigns share a few budgets. The lists are shared, so never changed in place."""
    if model.money_fields is None:
        return model.commitments(fields, currency)
    # repr tells JSON values apart as == would not (1 and True, "1" and 1): equal reprs, equal values
    key = (model, currency, *map(repr, map(fields.get, model.money_fields)))  # (no generator: once per campaign)
    found = known.get(key)
    if found is None:
        found = known[key] = model.commitments(fields, currency)
    return found


def _after(change: ResourceChange, model: type[CampaignModel], before_fields: Mapping[str, Any] | None,
           before: list[Commitment], currency: str | None) -> list[Commitment]:
    if change.action is Action.CREATE:
        return model.commitments(change.after or {}, currency)
    if change.action is Action.RETIRE:
        return [replace(c, active=False) for c in before]  # pause or cancel: it spends nothing more
    if change.action in UPDATES and change.updatable and before_fields is not None:
        fields = dict(before_fields)
        # what apply sends: an ignored part of a field it resends whole goes back as it is live
        desired = keep_live(change.after or {}, change.ignored)
        for top in {d.path.split(".")[0] for d in change.updatable}:
            fields[top] = desired.get(top)
        return model.commitments(fields, currency)
    return before  # no-op, blocked or waiting: the platform keeps what it has


def _pair(before: list[Commitment], after: list[Commitment]) -> list[tuple[str, Commitment | None,
                                                                             Commitment | None]]:
    """Before and after of one campaign, matched by period. A commitment with no limit has no
    period of its own: it is put where the campaign's capped one was, so a daily cap removed reads
    "daily: 100.00 → unbounded", not as a saving."""
    was = {c.period: c for c in before}
    will = {c.period: c for c in after}
    for mine, other in ((will, was), (was, will)):
        for period, commitment in list(mine.items()):
            spare = [p for p in other if p not in mine]
            if not commitment.capped and period not in other and spare:
                del mine[period]
                mine[spare[0]] = replace(commitment, period=spare[0])
    return [(p, was.get(p), will.get(p)) for p in sorted(set(was) | set(will), key=period_key)]


def period_key(period: str) -> tuple[int, str]:
    return (PERIOD_ORDER.index(period) if period in PERIOD_ORDER else len(PERIOD_ORDER), period)


def _steady_commitments(commitments: list[Commitment]) -> Iterable[Commitment]:
    """One commitment per period, as `_pair` keeps them (the last of a period wins)."""
    return {c.period: c for c in commitments}.values() if len(commitments) > 1 else commitments


def _line(lines: dict[tuple[str, str, str], SpendLine], provider: str, currency: str | None,
          period: str) -> SpendLine:
    slot = (provider, currency or "", period)
    line = lines.get(slot)
    if line is None:
        line = lines[slot] = SpendLine(provider, currency, period)
    return line


def _add_steady(lines: dict[tuple[str, str, str], SpendLine], groups: list[_Steady], counted: bool) -> None:
    """Add unchanged campaigns' commitments to both totals: each group once, times the campaigns that
    share it (`counted`), or each campaign after the other (`groups` then lists one group per campaign)."""
    for group in groups:
        times = group.count if counted else 1
        for commitment in _steady_commitments(group.commitments):
            committed = commitment.committed
            if counted and committed.is_signed():
                raise Inexact  # (see `_add_counted`: not provably the one-by-one sum)
            line = _line(lines, group.provider, group.currency, commitment.period)
            total = committed * times if times > 1 else committed
            line.before += total
            line.after += total
            if commitment.unbounded:
                line.unbounded_before = line.unbounded = True
            if commitment.unknown:
                line.unknown_before += times
                line.unknown_after += times


def _add_counted(lines: dict[tuple[str, str, str], SpendLine], steady: list[_Steady]) -> bool:
    """`_add_steady` counted, only where that is exactly the one-by-one sum (False, having added
    nothing that counts, otherwise): with no amount below zero, and no operation rounded, every
    partial sum in any order is exact too, so the totals (value and exponent alike) are those of
    adding one campaign after the other."""
    with localcontext() as context:
        context.traps[Inexact] = context.traps[Rounded] = True
        try:
            _add_steady(lines, steady, counted=True)
        except (Inexact, Rounded):
            return False
    return True


def _lines(rows: list[CampaignSpend], steady: list[_Steady], order: list[_Steady]) -> list[SpendLine]:
    lines: dict[tuple[str, str, str], SpendLine] = {}
    if not _add_counted(lines, steady):
        lines.clear()
        _add_steady(lines, order, counted=False)
    for row in rows:
        line = _line(lines, row.provider, row.currency, row.period)
        if row.before is not None:
            line.before += row.before.committed
            line.unbounded_before = line.unbounded_before or row.before.unbounded
            line.unknown_before += row.before.unknown
        if row.after is not None:
            line.after += row.after.committed
            line.unbounded = line.unbounded or row.after.unbounded
            line.unknown_after += row.after.unknown
        for flag, names in ((row.starts, line.starts), (row.stops, line.stops),
                            (row.becomes_unbounded, line.newly_unbounded)):
            if flag:
                names.append(row.key)
    ordered = [lines[slot] for slot in sorted(lines, key=lambda s: (s[0], s[1], period_key(s[2])))]
    for line in ordered:
        if line.currency:  # written with the currency's decimals: 0 EUR is 0.00, 0 JPY is 0
            line.before, line.after = scaled(line.before, line.currency), scaled(line.after, line.currency)
    return ordered
