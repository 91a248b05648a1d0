"""One campaign's planned change and one drifted campaign, as plain data.

`before` is the live value of the declared fields (None for a create), `after` the declared
value from YAML (None for a retire). `reason` explains the plan to people; the applier never
reads it (as Terraform's ActionReason).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from provisioner.plans.action import Action, DriftKind


@dataclass
class FieldDiff:
    path: str  # dotted, in the config vocabulary: "budget.amount"
    before: Any
    after: Any
    blocked: str | None = None  # why this field cannot change in place, if it cannot

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ResourceChange:
    key: str
    provider: str  # provider instance name
    provider_type: str
    action: Action
    id: str | None = None
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    diffs: list[FieldDiff] = field(default_factory=list)
    reason: str | None = None
    warnings: list[str] = field(default_factory=list)
    live_fingerprint: str | None = None
    record_state: bool = False  # no-op on the platform, but state must learn the applied values
    settles_at: str | None = None  # WAITING: when the platform's settle window ends and a lookup decides
    # differences that `ignore:` rules leave alone (before: live, after: declared); never sent
    ignored: list[FieldDiff] = field(default_factory=list)
    moved_from: str | None = None  # a `moved:` rename: the key state records it under until applied

    @property
    def address(self) -> str:
        return f"{self.provider}.{self.key}"

    @property
    def updatable(self) -> list[FieldDiff]:
        return [d for d in self.diffs if d.blocked is None]

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["action"] = self.action.value
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ResourceChange:
        values = dict(data)
        values["action"] = Action(values["action"])
        values["diffs"] = [FieldDiff(**d) for d in values.get("diffs", [])]
        values["ignored"] = [FieldDiff(**d) for d in values.get("ignored", [])]
        return cls(**values)


@dataclass
class DriftEntry:
    """A campaign changed outside provisioner (live differs from what was last applied), or a live
    campaign not in state looks like it (a possible duplicate, e.g. a create the platform committed late)."""

    key: str
    provider: str
    id: str | None
    kind: DriftKind
    diffs: list[FieldDiff] = field(default_factory=list)
    twins: list[str] = field(default_factory=list)  # POSSIBLE_DUPLICATE: ids of the live look-alikes
    reason: str | None = None  # why the platform did it (platform-changed)

    def __post_init__(self) -> None:
        self.kind = DriftKind(self.kind)  # also accepts the kind's name as read from a plan file

    def to_dict(self) -> dict[str, Any]:
        return asdict(self) | {"kind": self.kind.value}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DriftEntry:
        values = dict(data)
        values["diffs"] = [FieldDiff(**d) for d in values.get("diffs", [])]
        return cls(**values)
