"""State data: per campaign key, the platform id and the declared fields last applied.

`status` is "pending" between the moment a create is about to be sent and the moment its outcome
is known; a pending entry left by a crash is resolved by the next plan, which looks it up. A pending
entry whose create got an ambiguous answer also records when (`ambiguous_at`): the platform may still
commit it, so plans wait for the instance's settle window before a lookup decides.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from provisioner.canonical import content_hash

PENDING, MANAGED = "pending", "managed"


@dataclass(slots=True)  # one per campaign in state: no per-instance __dict__
class ResourceState:
    key: str
    provider: str  # the provider instance name
    provider_type: str
    status: str = MANAGED
    id: str | None = None
    attrs: dict[str, Any] = field(default_factory=dict)  # declared fields as last applied
    outputs: dict[str, Any] = field(default_factory=dict)  # links etc. the platform returned
    updated_at: str = ""
    ambiguous_at: str | None = None  # ISO time the create's answer was lost (pending entries only)
    created_at: str = ""  # when this workspace's apply created it ("" for adopted or older entries)
    protected: bool = False  # `protect: true` when last applied: --prune must not retire it after
    # the campaign (and with it the flag) is removed from config
    # the commit and CI run of the apply that last wrote this entry ({commit, run}), when CI named them
    applied_by: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        # Shallow on purpose: attrs and outputs are already plain JSON values (asdict deep-copies,
        # which dominated planning time at 10,000 campaigns).
        data: dict[str, Any] = {"key": self.key, "provider": self.provider, "provider_type": self.provider_type,
                "status": self.status, "id": self.id, "attrs": self.attrs, "outputs": self.outputs,
                "updated_at": self.updated_at}
        if self.ambiguous_at is not None:  # written only when set: older state files stay byte-identical
            data["ambiguous_at"] = self.ambiguous_at
        # written only when set, so entries (and state digests) of earlier versions stay as they were
        if self.created_at:
            data["created_at"] = self.created_at
        if self.protected:
            data["protected"] = True
        if self.applied_by:  # only when known, so states written outside CI keep their digest
            data["applied_by"] = self.applied_by
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ResourceState:
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


@dataclass
class State:
    lineage: str = field(default_factory=lambda: str(uuid.uuid4()))
    serial: int = 0
    resources: dict[str, ResourceState] = field(default_factory=dict)
    # keys whose attrs, as read from storage, were spelt as their campaign's declared values: such an
    # entry holds the declared mapping itself, whose order is the YAML's; storage had the names sorted
    # at every level (a reader to whom the order matters uses that: streamed.in_key_order)
    applied_as_declared: set[str] = field(default_factory=set, compare=False, repr=False)

    def digest(self) -> str:
        """Changes whenever any resource entry changes; plans record it to detect stale plans."""
        return content_hash({k: r.to_dict() for k, r in self.resources.items()})  # keys sorted by the dump

    def of_provider(self, instance: str) -> list[ResourceState]:
        return [r for r in self.resources.values() if r.provider == instance]
