"""The plan's money as data: the spend summary (per provider instance, currency and period, before
and after the plan), each campaign's commitment change, and the outcome of every policy rule.

Amounts travel as decimal strings in major units of the currency, never floats.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from provisioner.providers.base import Commitment


class Outcome(enum.StrEnum):
    """What one policy rule says about a plan."""

    ALLOW = "allow"
    WARN = "warn"
    BLOCK = "block"


def _commitment_dict(commitment: Commitment | None) -> dict[str, Any] | None:
    if commitment is None:
        return None
    amount = None if commitment.amount is None else str(commitment.amount)
    return {"period": commitment.period, "amount": amount, "capped": commitment.capped,
            "active": commitment.active}


def _commitment(data: dict[str, Any] | None) -> Commitment | None:
    if data is None:
        return None
    amount = None if data.get("amount") is None else Decimal(str(data["amount"]))
    return Commitment(str(data["period"]), amount, bool(data.get("capped", True)), bool(data.get("active", True)))


@dataclass
class CampaignSpend:
    """One campaign's commitment for one period, before and after the plan (None: none at all)."""

    key: str
    provider: str
    currency: str | None
    period: str
    action: str
    before: Commitment | None = None
    after: Commitment | None = None

    @property
    def address(self) -> str:
        return f"{self.provider}.{self.key}"

    @property
    def starts(self) -> bool:
        """Starts spending: nothing active before, an active commitment after (create, activation)."""
        return not (self.before and self.before.active) and bool(self.after and self.after.active)

    @property
    def stops(self) -> bool:
        return bool(self.before and self.before.active) and not (self.after and self.after.active)

    @property
    def becomes_unbounded(self) -> bool:
        """Capped (or nothing) before, no limit at all after: the summary flags it **unbounded**."""
        return bool(self.after and self.after.unbounded) and not (self.before and self.before.unbounded)

    @property
    def delta(self) -> Decimal:
        return (self.after.committed if self.after else Decimal(0)) - \
            (self.before.committed if self.before else Decimal(0))

    @property
    def changed(self) -> bool:
        return self.before != self.after

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "provider": self.provider, "currency": self.currency, "period": self.period,
                "action": self.action, "before": _commitment_dict(self.before),
                "after": _commitment_dict(self.after)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CampaignSpend:
        return cls(data["key"], data["provider"], data.get("currency"), data["period"], data["action"],
                   _commitment(data.get("before")), _commitment(data.get("after")))


@dataclass
class SpendLine:
    """The committed budget of one provider instance, currency and period, before and after the plan.

    `before`/`after` add up the known capped amounts of active campaigns; campaigns with no limit
    (`unbounded…`) or an amount the plan cannot know (`unknown…`, a count) are flagged, never guessed.
    """

    provider: str
    currency: str | None
    period: str
    before: Decimal = Decimal(0)
    after: Decimal = Decimal(0)
    unbounded_before: bool = False
    unbounded: bool = False  # some campaign here has no limit after the plan
    unknown_before: int = 0
    unknown_after: int = 0
    starts: list[str] = field(default_factory=list)  # campaigns that start spending
    stops: list[str] = field(default_factory=list)  # campaigns that stop spending
    newly_unbounded: list[str] = field(default_factory=list)  # capped → uncapped (or created uncapped)

    @property
    def delta(self) -> Decimal:
        return self.after - self.before

    @property
    def changed(self) -> bool:
        return bool(self.delta or self.starts or self.stops or self.newly_unbounded
                    or self.unknown_before != self.unknown_after)

    def to_dict(self) -> dict[str, Any]:
        return {"provider": self.provider, "currency": self.currency, "period": self.period,
                "before": str(self.before), "after": str(self.after),
                # none where a campaign goes uncapped: an increase with no limit is not a number,
                # and the capped totals alone would read as a saving
                "delta": None if self.newly_unbounded else str(self.delta),
                "unbounded": self.unbounded, "unbounded_before": self.unbounded_before,
                "unknown_before": self.unknown_before, "unknown_after": self.unknown_after,
                "starts": self.starts, "stops": self.stops, "newly_unbounded": self.newly_unbounded}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SpendLine:
        return cls(data["provider"], data.get("currency"), data["period"], Decimal(str(data["before"])),
                   Decimal(str(data["after"])), bool(data.get("unbounded_before")), bool(data.get("unbounded")),
                   int(data.get("unknown_before", 0)), int(data.get("unknown_after", 0)),
                   list(data.get("starts", [])), list(data.get("stops", [])),
                   list(data.get("newly_unbounded", [])))


@dataclass
class RuleOutcome:
    """One policy rule's verdict on one subject (a campaign and period, or an instance's total)."""

    rule: str
    outcome: Outcome
    subject: str  # "topsort.spring-sale daily", "topsort EUR daily", "criteo"
    detail: str  # the numbers, in words: "daily budget 900.00 EUR > limit 500.00 EUR"
    overridden: bool = False  # a block let through by --allow-spend-increase

    def __post_init__(self) -> None:
        self.outcome = Outcome(self.outcome)

    @property
    def blocks(self) -> bool:
        """This outcome stops the plan (a block nobody overrode)."""
        return self.outcome is Outcome.BLOCK and not self.overridden

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "outcome": self.outcome.value, "subject": self.subject, "detail": self.detail,
                "overridden": self.overridden}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RuleOutcome:
        return cls(data["rule"], Outcome(data["outcome"]), data["subject"], data["detail"],
                   bool(data.get("overridden")))
