"""The loaded workspace as data: provider instances, campaigns and state settings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from provisioner.canonical import SPACED, content_hash
from provisioner.config.secrets import is_secret_field
from provisioner.diagnostics import SourceLocation
from provisioner.providers.base import AnyPlugin, CampaignModel, ProviderSettings

if TYPE_CHECKING:  # the `policy:` section's model loads only where one is read
    from provisioner.config.moved import Move
    from provisioner.ignore import IgnoreRules  # loads where rules are applied: `validate` applies none
    from provisioner.policy import Policy

ACTIVE, PAUSED = "active", "paused"  # how a campaign is launched (`launch:`)


# The planner's modules, imported where a plan first compares a campaign or applies ignore rules (a
# `validate` does neither); looked up once, as a function-level import costs ~0.6 us per call.
@cache
def _diff_canon() -> Callable[[Any], Any]:
    from provisioner.diff import canon

    return canon


@cache
def _ignore_combine() -> Callable[..., IgnoreRules]:
    from provisioner.ignore import combine

    return combine


def __getattr__(name: str) -> Any:
    """`Move` (config/moved.py) as before: it loads where a `moved:` section is read (PEP 562)."""
    if name == "Move":
        from provisioner.config.moved import Move

        return Move
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclass
class ProviderInstance:
    name: str
    plugin: AnyPlugin
    settings: ProviderSettings
    source: SourceLocation
    ignore: tuple[str, ...] = ()  # field paths no campaign of this instance updates or reports as drift


@dataclass
class CampaignConfig:
    """A validated campaign as the run keeps it: its declared values, not the pydantic model that
    validated them (the models of 50,000 campaigns held 132 MiB for the whole run)."""

    key: str
    instance: str
    model_type: type[CampaignModel]  # the campaign's model class (what comparisons need)
    desired: dict[str, Any]  # the declared fields, as validated (the model's `declared()`)
    source: SourceLocation
    launch: str = ACTIVE  # "paused": created switched off, activated by a later plan
    source_of_launch: SourceLocation | None = None  # where the campaign itself says `launch:`
    # workspace meta-fields, never sent to a platform
    ignore: tuple[str, ...] = ()  # field paths neither updated nor reported as drift
    protect: bool = False  # never retired, never changed in a way that cannot be made in place
    adopt: bool = False  # a live campaign this workspace did not create may be taken over

    def meta(self) -> dict[str, Any]:
        """The meta-fields that are set (they shape the plan, so the config digest includes them)."""
        meta: dict[str, Any] = {}
        if self.ignore:
            meta["ignore"] = list(self.ignore)
        if self.protect:
            meta["protect"] = True
        if self.adopt:
            meta["adopt"] = True
        return meta

    @property
    def model(self) -> CampaignModel:
        """The model, validated again from the declared values: only apply and import read it, for
        the campaigns they send (a model type whose values do not validate back to themselves is
        never cached, and the loader checks the same round trip)."""
        return self.model_type.model_validate(self.desired)

    @cached_property
    def compared(self) -> dict[str, Any]:
        """The declared fields that are compared with live (bids and the like are create-only input)."""
        skip = self.model_type.not_compared
        desired = self.desired
        if skip.isdisjoint(desired):  # nothing skipped: the declared mapping itself (never changed in place)
            return desired
        return {k: v for k, v in desired.items() if k not in skip}

    @cached_property
    def compared_canon(self) -> Any:
        """`compared` in the normal form of diff.canon, computed once: every comparison reuses it."""
        return _diff_canon()(self.compared)


class CachedCampaignConfig(CampaignConfig):
    """A campaign from the workspace cache: its declared values as validated when the cache was
    written (a cold load validated them; a warm one does not validate them again)."""


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
    moved: list[Move] = field(default_factory=list)
    launch: str = ACTIVE  # the workspace's default `launch:` for its campaigns
    policy: Policy | None = None  # budget guardrails (`policy:`)
    ignore: tuple[str, ...] = ()  # the workspace's `ignore:` section: field paths for every campaign
    # digest() as computed when the load cache was written (a warm load: the same files, values
    # and program, so the same workspace); serialising every campaign again cost ~5 us each
    known_digest: str | None = field(default=None, repr=False)
    # the load cache key the campaigns' declared values were read from (a warm load; None otherwise):
    # the local state backend keys its own cache of the snapshot as read by it (states/statecache.py)
    loaded_from: str | None = field(default=None, repr=False)

    def ignore_rules(self, key: str, instance: str) -> IgnoreRules:
        """What campaign `key` of `instance` ignores: its own rules, its instance's, the workspace's."""
        campaign = self.campaigns.get(key)
        provider = self.providers.get(instance)
        return _ignore_combine()(campaign.ignore if campaign else (), provider.ignore if provider else (), self.ignore)

    def has_ignore_rules(self, campaign: CampaignConfig) -> bool:
        """Whether `ignore_rules` gives the campaign any rule (asked for every campaign: no rules built)."""
        provider = self.providers.get(campaign.instance)
        return bool(campaign.ignore or (provider and provider.ignore) or self.ignore)

    def campaigns_of(self, instance: str) -> list[CampaignConfig]:
        return [c for c in self.campaigns.values() if c.instance == instance]

    def digest(self) -> str:
        """Hash of everything that shapes a plan; secrets are excluded (they never shape one)."""
        if self.known_digest is not None:
            return self.known_digest
        content: dict[str, Any] = {
            "providers": {n: p.settings.model_dump(mode="json", exclude=_secret_fields(p.settings))
                          for n, p in sorted(self.providers.items())},
            "campaigns": {k: {"provider": c.instance, "desired": c.desired, **c.meta()}
                          | ({"launch": c.launch} if c.launch != ACTIVE else {})
                          for k, c in sorted(self.campaigns.items())},
        }
        # only when declared, so workspaces without them keep their digests (and saved plans)
        ignores = {n: list(p.ignore) for n, p in sorted(self.providers.items()) if p.ignore}
        if ignores or self.ignore:
            content["ignore"] = {"workspace": list(self.ignore), "providers": ignores}
        if self.moved:  # only when present, so workspaces without moves keep their digest
            content["moved"] = [{"from": m.old, "to": m.new} for m in self.moved]
        if self.policy is not None:  # added only when set, so digests of workspaces without one are unchanged
            content["policy"] = self.policy.model_dump(mode="json")
        # (acyclic: YAML's loader refuses a recursive alias, and validation builds fresh values)
        return content_hash(content, separators=SPACED, acyclic=True)


def _secret_fields(settings: BaseModel) -> set[str]:
    return {name for name in type(settings).model_fields if is_secret_field(name)}
