"""The loaded workspace as data: provider instances, campaigns and state settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from provisioner.canonical import SPACED, content_hash
from provisioner.config.secrets import is_secret_field
from provisioner.diagnostics import SourceLocation
from provisioner.diff import canon
from provisioner.providers.base import AnyPlugin, CampaignModel, ProviderSettings


@dataclass
class ProviderInstance:
    name: str
    plugin: AnyPlugin
    settings: ProviderSettings
    source: SourceLocation


@dataclass
class CampaignConfig:
    key: str
    instance: str
    model: CampaignModel
    source: SourceLocation

    @cached_property
    def desired(self) -> dict[str, Any]:
        """The declared fields (computed once: the model is not changed after loading)."""
        return self.model.declared()

    @cached_property
    def compared(self) -> dict[str, Any]:
        """The declared fields that are compared with live (bids and the like are create-only input)."""
        skip = self.model.not_compared
        return {k: v for k, v in self.desired.items() if k not in skip}

    @cached_property
    def compared_canon(self) -> Any:
        """`compared` in the normal form of diff.canon, computed once: every comparison reuses it."""
        return canon(self.compared)


@dataclass
class StateSettings:
    backend: str = "local"
    path: str = ".provisioner"  # local state; with postgres, still where sandbox data and `state pull` go
    dsn: str | None = field(default=None, repr=False)  # a secret: never printed
    workspace: str | None = None  # the name of this workspace's state in a shared backend


@dataclass
class Workspace:
    root: Path
    files: list[Path]
    providers: dict[str, ProviderInstance] = field(default_factory=dict)
    campaigns: dict[str, CampaignConfig] = field(default_factory=dict)
    state: StateSettings = field(default_factory=StateSettings)

    def campaigns_of(self, instance: str) -> list[CampaignConfig]:
        return [c for c in self.campaigns.values() if c.instance == instance]

    def digest(self) -> str:
        """Hash of everything that shapes a plan; secrets are excluded (they never shape one)."""
        content = {
            "providers": {n: p.settings.model_dump(mode="json", exclude=_secret_fields(p.settings))
                          for n, p in sorted(self.providers.items())},
            "campaigns": {k: {"provider": c.instance, "desired": c.desired}
                          for k, c in sorted(self.campaigns.items())},
        }
        return content_hash(content, separators=SPACED)


def _secret_fields(settings: BaseModel) -> set[str]:
    return {name for name in type(settings).model_fields if is_secret_field(name)}
