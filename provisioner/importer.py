"""`provisioner import`: bring an instance's existing campaigns under management. Each live campaign
not in state gets a key (the platform's external id where it keeps one, else a unique slug of its
name) and its config (the provider's `to_config`); the ones YAML already declares only get their
state recorded, as Terraform's import does. Deciding is pure; the command reads, records, writes."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any

from pydantic import ValidationError

from provisioner.config.models import CampaignConfig, ProviderInstance, Workspace
from provisioner.config.workspace import KEY_PATTERN, KEY_RULE
from provisioner.diff import project
from provisioner.providers.base import LiveCampaign, Skip
from provisioner.states.backend import StateBackend
from provisioner.states.state import MANAGED, ResourceState, State

MAX_SLUG = 56  # leaves room for a "-NN" suffix within the 64 characters a key may have


@dataclass
class Imported:
    key: str
    live: LiveCampaign
    config: dict[str, Any]  # the fields written to YAML (empty for a campaign YAML already declares)
    attrs: dict[str, Any]  # what state records as last applied: the compared fields, as validate reads them
    declared: bool = False  # YAML already declares it: state only


@dataclass
class Skipped:
    label: str  # the campaign's name, or its id
    id: str
    reason: str


@dataclass
class ImportPlan:
    instance: str
    new: list[Imported] = field(default_factory=list)
    declared: list[Imported] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    already: int = 0  # live campaigns state already records


def cannot_import(instance: ProviderInstance) -> str | None:
    """Why this instance's campaigns cannot be imported (None when they can)."""
    capabilities = instance.plugin.capabilities
    if not capabilities.can("read"):
        return f"{instance.plugin.name} campaigns cannot be read: {capabilities.why_not('read')}"
    if instance.plugin.to_config is None:
        return f"the {instance.plugin.name} provider does not map live campaigns to config"
    return None


def plan_import(workspace: Workspace, state: State, instance_name: str, live: list[LiveCampaign],
                match: str | None = None) -> ImportPlan:
    instance = workspace.providers[instance_name]
    plugin = instance.plugin
    capabilities = plugin.capabilities
    result = ImportPlan(instance_name)
    claimed = {r.id for r in state.of_provider(instance_name) if r.id}
    taken = set(workspace.campaigns) | set(state.resources)
    keys_seen = _counts([c.key for c in live if c.key])
    names_seen = _counts([c.name for c in live if c.name is not None])
    unclaimed_declared = {c.key: c for c in workspace.campaigns_of(instance_name) if c.key not in state.resources}
    by_name = {str(c.desired.get("name")): c for c in unclaimed_declared.values()}
    for campaign in sorted(live, key=lambda c: c.id):
        if campaign.id in claimed:
            result.already += 1
            continue
        label = campaign.name if campaign.name is not None else (
            plugin.import_label(campaign) if plugin.import_label else campaign.id)
        declared: CampaignConfig | None = None
        if capabilities.adopt_by == "key":
            field_name = capabilities.key_field or "external id"
            key = campaign.key
            if not key:
                why: str | None = f"it has no {field_name}, so it cannot be given a key"
            elif not KEY_PATTERN.match(key):
                why = f"its {field_name} {key!r} is not a valid key ({KEY_RULE})"
            elif keys_seen[key] > 1:
                why = f"its {field_name} {key!r} is shared by {keys_seen[key]} campaigns"
            elif key in state.resources:
                why = f"the key {key!r} is already in state for another campaign (id {state.resources[key].id})"
            elif key in workspace.campaigns and workspace.campaigns[key].instance != instance_name:
                why = f"the key {key!r} is declared for provider instance {workspace.campaigns[key].instance!r}"
            else:
                why, declared = None, unclaimed_declared.get(key)
        else:
            why = None
            if capabilities.adopt_by == "name" and names_seen.get(label, 0) > 1:
                why = f"the name {label!r} is used by {names_seen[label]} campaigns here, so it cannot be told apart"
            elif capabilities.adopt_by == "name":
                declared = by_name.get(label)
            key = declared.key if declared else ""
        if match and not (fnmatchcase(key or slug(label), match) or fnmatchcase(label, match)):
            continue
        if why:
            result.skipped.append(Skipped(label, campaign.id, why))
            continue
        if declared is not None:
            wanted = {k: v for k, v in declared.desired.items() if k not in declared.model.not_compared}
            result.declared.append(Imported(declared.key, campaign, {}, project(campaign.fields, wanted), True))
            continue
        config = plugin.to_config(campaign) if plugin.to_config else Skip("no mapping to config")
        if isinstance(config, Skip):
            result.skipped.append(Skipped(label, campaign.id, config.reason))
            continue
        try:
            model = plugin.campaign_model.model_validate(config)
        except ValidationError as error:
            first = error.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            result.skipped.append(Skipped(label, campaign.id, f"its {where or 'fields'} would not validate: "
                                          f"{first['msg'].removeprefix('Value error, ')}"))
            continue
        if not key:
            key = _unique(slug(label) or f"campaign-{slug(campaign.id)}", taken)
        taken.add(key)
        attrs = {k: v for k, v in model.declared().items() if k not in model.not_compared}
        result.new.append(Imported(key, campaign, {"provider": instance_name, **config}, attrs))
    return result


def record(statemgr: StateBackend, plan: ImportPlan, provider_type: str) -> None:
    """Record every imported campaign as managed (the caller holds the state lock)."""
    for item in plan.declared + plan.new:
        statemgr.record(ResourceState(item.key, plan.instance, provider_type, MANAGED, item.live.id,
                                      attrs=item.attrs, outputs=dict(item.live.outputs)))


def slug(text: str) -> str:
    """A readable key from a name: lower case, runs of anything else as one '-'."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:MAX_SLUG].strip("-")


def _unique(base: str, taken: set[str]) -> str:
    key, number = base, 2
    while key in taken:
        key, number = f"{base}-{number}", number + 1
    return key


def _counts(values: list[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    return counts

