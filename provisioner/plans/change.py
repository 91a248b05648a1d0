"""One campaign's planned change and one drifted campaign, as plain data.

`before` is the live value of the declared fields (None for a create), `after` the declared
value from YAML (None for a retire). `reason` explains the plan to people; the applier never
reads it (as Terraform's ActionReason).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import MISSING, dataclass, field, fields
from operator import attrgetter
from typing import Any

from provisioner.canonical import COMPACT
from provisioner.plans.action import Action, DriftKind

# (to_dict methods copy shallowly: plan values are already plain JSON, and `asdict`'s deep copies
# were the largest cost of writing a plan of 10,000 campaigns)

_CANONICAL = json.JSONEncoder(sort_keys=True, default=str, separators=COMPACT)  # one encoder, reused


def _short_digest(value: Any) -> str:
    """12 hex digits of the value's canonical JSON: enough to tell a field changed (were two ever to
    collide, the plan's config digest still marks the plan stale)."""
    return hashlib.blake2b(_CANONICAL.encode(value).encode(), digest_size=6).hexdigest()


def field_digests(values: dict[str, Any]) -> dict[str, str]:
    """A short digest of each field: how a plan file remembers an unchanged campaign's config."""
    return {name: _short_digest(value) for name, value in values.items()}


@dataclass(slots=True)  # per-campaign plan data: no per-instance __dict__
class FieldDiff:
    path: str  # dotted, in the config vocabulary: "budget.amount"
    before: Any
    after: Any
    blocked: str | None = None  # why this field cannot change in place, if it cannot

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "before": self.before, "after": self.after, "blocked": self.blocked}


@dataclass(slots=True)
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
    # A plan file stores an unchanged campaign without its values: a short digest of each declared
    # field instead, so a saved plan can still tell which fields' configuration changed since.
    after_fields: dict[str, str] | None = None

    @property
    def address(self) -> str:
        return f"{self.provider}.{self.key}"

    @property
    def updatable(self) -> list[FieldDiff]:
        return [d for d in self.diffs if d.blocked is None]

    @property
    def needs_nothing(self) -> bool:
        """Unchanged, nothing to record and nothing to say: stored in a plan file by key only."""
        if self.action is not Action.NOOP:
            return False
        return bool(_optional_values(self) == _OPTIONAL_DEFAULT_VALUES)  # one comparison of tuples

    def field_fingerprints(self) -> dict[str, str] | None:
        """A short digest of each declared field (`after`), or the ones a plan file stored."""
        if self.after is None:
            return self.after_fields
        return field_digests(self.after)

    def to_dict(self, slim: bool = False) -> dict[str, Any]:
        """`slim`: the plan file's form, where an unchanged campaign is its key and field digests."""
        if slim and self.needs_nothing:
            return {"key": self.key, "provider": self.provider, "provider_type": self.provider_type,
                    "action": self.action.value, "id": self.id, "after_fields": self.field_fingerprints()}
        data = {name: _plain_field(getattr(self, name)) for name in _CHANGE_FIELDS}  # every field, shallow
        data["action"] = self.action.value
        if data.get("after_fields") is None:
            data.pop("after_fields", None)  # the full form carries `after` itself
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ResourceChange:
        values = dict(data)
        values["action"] = Action(values["action"])
        values["diffs"] = [FieldDiff(**d) for d in values.get("diffs", [])]
        values["ignored"] = [FieldDiff(**d) for d in values.get("ignored", [])]
        return cls(**values)


# Everything but identity and values: at its default, a no-op needs nothing recorded or said.
_SLIM_KEEPS = frozenset({"key", "provider", "provider_type", "action", "id", "before", "after", "live_fingerprint",
                         "after_fields"})
_CHANGE_FIELDS = tuple(f.name for f in fields(ResourceChange))  # in declaration order, as __dict__ had them
_OPTIONAL_DEFAULTS = [(f.name, f.default_factory() if f.default_factory is not MISSING else f.default)
                      for f in fields(ResourceChange) if f.name not in _SLIM_KEEPS]
_optional_values = attrgetter(*(name for name, _ in _OPTIONAL_DEFAULTS))
_OPTIONAL_DEFAULT_VALUES = tuple(default for _, default in _OPTIONAL_DEFAULTS)


def _plain_field(value: Any) -> Any:
    """A field as plain data: lists of FieldDiff (diffs, ignored, …) as dicts, the rest as it is."""
    if isinstance(value, list) and value and isinstance(value[0], FieldDiff):
        return [item.to_dict() for item in value]
    return value


@dataclass(slots=True)
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
        return {name: _plain_field(getattr(self, name)) for name in _DRIFT_FIELDS} | {"kind": self.kind.value}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DriftEntry:
        values = dict(data)
        values["diffs"] = [FieldDiff(**d) for d in values.get("diffs", [])]
        return cls(**values)


_DRIFT_FIELDS = tuple(f.name for f in fields(DriftEntry))
