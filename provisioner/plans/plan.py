"""The Plan: everything apply needs, and everything a reviewer reads, as plain data."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from provisioner.plans.action import Action
from provisioner.plans.change import DriftEntry, ResourceChange
from provisioner.plans.money import CampaignSpend, RuleOutcome, SpendLine

FORMAT_VERSION = 2  # 2: actions named by what they are (cannot-retire, cannot-move, ambiguous, ...), read_errors
NORMAL, REFRESH_ONLY = "normal", "refresh-only"


@dataclass
class Plan:
    mode: str
    workspace: list[str]  # the paths the plan was made from (apply reloads them)
    config_digest: str
    state_digest: str
    state_lineage: str
    created_at: str
    changes: list[ResourceChange] = field(default_factory=list)
    drift: list[DriftEntry] = field(default_factory=list)
    not_observable: dict[str, str] = field(default_factory=dict)  # instance → why
    read_errors: dict[str, str] = field(default_factory=dict)  # instance → why reading it failed
    warnings: list[str] = field(default_factory=list)
    prune: bool = False
    # --target / --exclude globs the plan was made with; apply re-plans with the same ones
    targets: list[str] = field(default_factory=list)
    excludes: list[str] = field(default_factory=list)
    # money: the spend summary, each campaign's commitment change, the policy's verdicts
    spend: list[SpendLine] = field(default_factory=list)
    spend_campaigns: list[CampaignSpend] = field(default_factory=list)
    policy: list[RuleOutcome] = field(default_factory=list)
    allow_spend_increase: bool = False  # made with --allow-spend-increase: policy blocks are overridden
    format_version: int = FORMAT_VERSION

    @property
    def complete(self) -> bool:
        """Every provider instance was read (or is known to be unreadable): safe to save and apply."""
        return not self.read_errors

    @property
    def actionable(self) -> list[ResourceChange]:
        return [c for c in self.changes if c.action.is_change or c.record_state]

    @property
    def blocked_by_policy(self) -> list[RuleOutcome]:
        """Policy rules that stop this plan (exit 3; apply refuses it)."""
        return [o for o in self.policy if o.blocks]

    @property
    def human_drift(self) -> list[DriftEntry]:
        """Drift a person should look at (exit 2); the platform's own changes are only reported."""
        return [d for d in self.drift if d.kind.is_human]

    def has_changes(self) -> bool:
        """True when config and platforms differ: a blocked change counts (it needs a human)."""
        return any(c.action.is_change for c in self.changes)

    def counts(self) -> dict[str, int]:
        counts = {a.value: 0 for a in Action}
        for change in self.changes:
            counts[change.action.value] += 1
        return counts

    def to_dict(self, slim: bool = False, changes: bool = True) -> dict[str, Any]:
        """`slim`: unchanged campaigns that need nothing recorded as key and field digests only.
        `changes=False`: without the "changes" member (the plan file writer encodes them in parts)."""
        document = {
            "format_version": self.format_version, "mode": self.mode, "workspace": self.workspace,
            "config_digest": self.config_digest, "state_digest": self.state_digest,
            "state_lineage": self.state_lineage, "created_at": self.created_at, "prune": self.prune,
            "summary": self.counts(),
        }
        if changes:  # (members in the order they always had)
            document["changes"] = [c.to_dict(slim) for c in self.changes]
        document |= {
            "drift": [d.to_dict() for d in self.drift],
            "not_observable": self.not_observable, "read_errors": self.read_errors, "warnings": self.warnings,
            "targets": self.targets, "excludes": self.excludes,
            "spend": [line.to_dict() for line in self.spend],
            "spend_campaigns": [c.to_dict() for c in self.spend_campaigns],
            "policy": [o.to_dict() for o in self.policy], "allow_spend_increase": self.allow_spend_increase,
        }
        return document

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Plan:
        return cls(
            mode=data["mode"], workspace=list(data["workspace"]), config_digest=data["config_digest"],
            state_digest=data["state_digest"], state_lineage=data["state_lineage"],
            created_at=data["created_at"], prune=bool(data.get("prune")),
            changes=[ResourceChange.from_dict(c) for c in data["changes"]],
            drift=[DriftEntry.from_dict(d) for d in data.get("drift", [])],
            not_observable=dict(data.get("not_observable", {})), read_errors=dict(data.get("read_errors", {})),
            warnings=list(data.get("warnings", [])),
            targets=list(data.get("targets", [])), excludes=list(data.get("excludes", [])),
            spend=[SpendLine.from_dict(s) for s in data.get("spend", [])],
            spend_campaigns=[CampaignSpend.from_dict(c) for c in data.get("spend_campaigns", [])],
            policy=[RuleOutcome.from_dict(o) for o in data.get("policy", [])],
            allow_spend_increase=bool(data.get("allow_spend_increase")),
            format_version=data["format_version"],
        )
