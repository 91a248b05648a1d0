"""State data: per campaign key, the platform id and the declared fields last applied.

`status` is "pending" between the moment a create is about to be sent and the moment its outcome
is known; a pending entry left by a crash is resolved by the next plan, which looks it up.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from provisioner.canonical import content_hash

PENDING, MANAGED = "pending", "managed"


@dataclass
class ResourceState:
    key: str
    provider: str  # the provider instance name
    provider_type: str
    status: str = MANAGED
    id: str | None = None
    attrs: dict[str, Any] = field(default_factory=dict)  # declared fields as last applied
    outputs: dict[str, Any] = field(default_factory=dict)  # links etc. the platform returned
    updated_at: str = ""

    def to_dict(self) -> dict[str, Any]:
        # Shallow on purpose: attrs and outputs are already plain JSON values (asdict deep-copies,
        # which dominated planning time at 10,000 campaigns).
        return {"key": self.key, "provider": self.provider, "provider_type": self.provider_type,
                "status": self.status, "id": self.id, "attrs": self.attrs, "outputs": self.outputs,
                "updated_at": self.updated_at}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ResourceState:
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


@dataclass
class State:
    lineage: str = field(default_factory=lambda: str(uuid.uuid4()))
    serial: int = 0
    resources: dict[str, ResourceState] = field(default_factory=dict)

    def digest(self) -> str:
        """Changes whenever any resource entry changes; plans record it to detect stale plans."""
        return content_hash({k: r.to_dict() for k, r in self.resources.items()})  # keys sorted by the dump

    def of_provider(self, instance: str) -> list[ResourceState]:
        return [r for r in self.resources.values() if r.provider == instance]
