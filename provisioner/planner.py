"""desired (YAML) + last applied (state) + live (platforms) → Plan. Pure logic, no I/O.

Capabilities decide what is possible: a platform without Updates gets "cannot update in place",
one that cannot be read is planned from state alone and reported as not observable.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from provisioner.config.models import CampaignConfig, Workspace
from provisioner.diff import canon, field_diffs, fingerprint, project
from provisioner.plans.action import Action, DriftKind
from provisioner.plans.change import DriftEntry, FieldDiff, ResourceChange
from provisioner.plans.plan import NORMAL, REFRESH_ONLY, Plan
from provisioner.providers.base import LiveCampaign
from provisioner.refresh import LiveView
from provisioner.states.state import MANAGED, PENDING, ResourceState, State

ABSENT = "absent"
BLOCKED_HINT = ("to proceed, revert the field in YAML (or change it in the platform's UI first), or give the "
                "campaign a new key to create a new one")
# (ABSENT is the fingerprint of "no live campaign": a planned create goes stale if one appears)


def compared(campaign: CampaignConfig) -> dict[str, Any]:
    """The declared fields that are compared with live (bids and the like are create-only input)."""
    return campaign.compared


class Planner:
    def __init__(self, workspace: Workspace, state: State, live: dict[str, LiveView],
                 prune: bool = False, now: datetime | None = None) -> None:
        self.workspace, self.state, self.live = workspace, state, live
        self.now = now or datetime.now(UTC)  # the plan's clock: injected, so tests pin it
        self.prune = prune
        self.claimed = {r.id for r in state.resources.values() if r.id}
        # Canonical forms computed once per plan: state attrs by key, and the live projection on
        # the state attrs (`_drift` computes it; `_compare` reuses it when attrs == the config).
        self._state_canon: dict[str, Any] = {}
        self._live_on_state: dict[str, tuple[dict[str, Any], dict[str, Any], Any | None]] = {}

    def _canon_of_state(self, resource: ResourceState) -> Any:
        known = self._state_canon.get(resource.key)
        if known is None:
            campaign = self.workspace.campaigns.get(resource.key)
            if campaign is not None and resource.attrs == campaign.compared:
                known = campaign.compared_canon  # as last applied: already canonical
            else:
                known = canon(resource.attrs)
            self._state_canon[resource.key] = known
        return known

    def plan(self, mode: str = NORMAL, paths: list[str] | None = None) -> Plan:
        plan = Plan(mode=mode, workspace=paths or [str(self.workspace.root)],
                    config_digest=self.workspace.digest(), state_digest=self.state.digest(),
                    state_lineage=self.state.lineage, prune=self.prune,
                    created_at=self.now.isoformat(timespec="seconds").replace("+00:00", "Z"))
        plan.not_observable = {n: v.reason or "" for n, v in self.live.items() if not v.observable}
        plan.read_errors = {n: v.error for n, v in sorted(self.live.items()) if v.error}
        plan.drift = self._drift()
        if mode == REFRESH_ONLY:
            return plan
        campaigns = sorted(self.workspace.campaigns.values(), key=lambda c: (c.instance, c.key))
        plan.changes.extend(self._plan_campaign(campaign) for campaign in campaigns)
        plan.changes.extend(self._retirements(plan.warnings))
        return plan

    # -- declared campaigns ---------------------------------------------------------------------
    def _plan_campaign(self, campaign: CampaignConfig) -> ResourceChange:
        instance = self.workspace.providers[campaign.instance]
        resource = self.state.resources.get(campaign.key)
        change = ResourceChange(campaign.key, campaign.instance, instance.plugin.name, Action.CREATE,
                                after=campaign.desired, live_fingerprint=ABSENT)
        if resource and resource.provider != campaign.instance:
            change.action = Action.CANNOT_MOVE
            change.reason = (f"state records this campaign under provider {resource.provider!r}; moving a "
                             "campaign between provider instances is not supported")
            return change
        view = self.live[campaign.instance]
        if not view.observable:
            return self._plan_from_state(change, campaign, resource)
        found, adopt_reason = self._locate(campaign, resource, view, change)
        if change.action.is_blocked or found is None:
            return change
        return self._compare(change, campaign, resource, found, adopt_reason)

    def _locate(self, campaign: CampaignConfig, resource: ResourceState | None, view: LiveView,
                change: ResourceChange) -> tuple[LiveCampaign | None, str | None]:
        if resource and resource.status == MANAGED and resource.id:
            found = view.by_id.get(resource.id)
            if found is None:
                change.reason = (f"campaign {resource.id} recorded in state no longer exists on the "
                                 "platform; it will be created again")
            return found, None
        found = self._by_identity(campaign, view, change)
        if found is None:
            if resource and resource.status == PENDING:
                change.reason = "an earlier create was interrupted and the platform has no such campaign"
            return None, None
        if resource and resource.status == PENDING:
            return found, "an earlier create was interrupted; the platform did create it"
        return found, "a live campaign matches this key and is not in state yet"

    def _by_identity(self, campaign: CampaignConfig, view: LiveView, change: ResourceChange) -> LiveCampaign | None:
        adopt_by = self.workspace.providers[campaign.instance].plugin.capabilities.adopt_by
        if adopt_by == "key":
            return view.by_key.get(campaign.key)
        if adopt_by == "name":
            name = campaign.desired.get("name")
            matches = [c for c in view.by_name.get(str(name), []) if c.id not in self.claimed]
            if len(matches) > 1:
                change.action = Action.AMBIGUOUS
                change.reason = (f"{len(matches)} live campaigns are named {name!r} "
                                 f"(ids {', '.join(c.id for c in matches)}); cannot tell which is this one")
                return None
            return matches[0] if matches else None
        return view.pending_matches.get(campaign.key)

    def _compare(self, change: ResourceChange, campaign: CampaignConfig, resource: ResourceState | None,
                 found: LiveCampaign, adopt_reason: str | None) -> ResourceChange:
        wanted = campaign.compared
        change.id = found.id
        reused = self._live_on_state.get(campaign.key)
        before_canon: Any = None
        if reused is not None and resource is not None and reused[0] is resource.attrs and resource.attrs == wanted:
            change.before, before_canon = reused[1], reused[2]
        else:
            change.before = project(found.fields, wanted)
        # Equal values (then equal normal forms) mean no field differs: field diffs only for
        # campaigns that differ.
        if change.before != wanted:
            if before_canon is None:
                before_canon = canon(change.before)
            if before_canon != campaign.compared_canon:
                change.diffs = field_diffs(wanted, found.fields, campaign.model_type)
        capabilities = self.workspace.providers[campaign.instance].plugin.capabilities
        if not capabilities.can("update"):
            for diff in change.diffs:
                diff.blocked = diff.blocked or capabilities.why_not("update")
        if adopt_reason:
            change.action, change.reason = Action.ADOPT, adopt_reason
        elif not change.diffs:
            change.action = Action.NOOP
            change.record_state = resource is None or (resource.attrs != wanted
                                                        and self._canon_of_state(resource) != campaign.compared_canon)
        else:
            change.action = Action.UPDATE if change.updatable else Action.CANNOT_UPDATE
        if change.action is not Action.NOOP or change.record_state:
            # apply checks the live fingerprint of what it acts on; a plain no-op needs none
            # (engine.staleness computes it for a fresh no-op when a saved plan acted on that campaign)
            change.live_fingerprint = fingerprint(canon(change.before) if before_canon is None else before_canon,
                                                  canonical=True)
        else:
            change.live_fingerprint = None
        if any(d.blocked for d in change.diffs):
            change.reason = change.reason or BLOCKED_HINT
        for diff in change.diffs:
            if diff.blocked:
                change.warnings.append(f"{diff.path}: cannot update in place: {diff.blocked}")
        return change

    def _plan_from_state(self, change: ResourceChange, campaign: CampaignConfig,
                         resource: ResourceState | None) -> ResourceChange:
        if resource is None or resource.status == PENDING:
            if resource is not None:
                change.reason = ("retrying an interrupted create (the platform's create-or-retrieve will not "
                                 "duplicate it)")
            return change
        wanted = compared(campaign)
        change.id, change.before = resource.id, project(resource.attrs, wanted)
        change.live_fingerprint = None  # nothing live to compare: the plan rests on state
        change.diffs = field_diffs(wanted, resource.attrs, campaign.model_type)
        for diff in change.diffs:
            diff.blocked = diff.blocked or "the platform cannot change an existing campaign through its API"
            change.warnings.append(f"{diff.path}: cannot update in place: {diff.blocked}")
        change.action = Action.CANNOT_UPDATE if change.diffs else Action.NOOP
        if change.diffs:
            change.reason = BLOCKED_HINT
        return change

    # -- campaigns removed from config ----------------------------------------------------------
    def _retirements(self, warnings: list[str]) -> list[ResourceChange]:
        changes = []
        for key, resource in sorted(self.state.resources.items()):
            if key in self.workspace.campaigns:
                continue
            instance = self.workspace.providers.get(resource.provider)
            if instance is None:
                warnings.append(f"{key}: its provider instance {resource.provider!r} is no longer configured; "
                                "it is left alone")
                continue
            cannot_retire = instance.plugin.capabilities.why_not("retire")
            if not self.prune:
                if cannot_retire:
                    warnings.append(f"{key}: no longer in config; {resource.provider_type} cannot retire it "
                                    f"({cannot_retire}): stop it in the platform, then "
                                    f"`provisioner state rm WORKSPACE --key {key}` to forget it")
                else:
                    warnings.append(f"{key}: no longer in config; run plan with --prune to retire it on "
                                    f"{resource.provider_type}, or `provisioner state rm WORKSPACE --key {key}` "
                                    "to forget it")
                continue
            change = ResourceChange(key, resource.provider, resource.provider_type, Action.RETIRE,
                                    id=resource.id, before=resource.attrs, reason="removed from config (--prune)")
            if not instance.plugin.capabilities.can("retire"):
                change.action = Action.CANNOT_RETIRE
                change.reason = (f"cannot retire: {cannot_retire}; stop it "
                                 f"in the platform, then `provisioner state rm WORKSPACE --key {key}`")
            changes.append(change)
        return changes

    # -- drift: live vs last applied ------------------------------------------------------------
    def _drift(self) -> list[DriftEntry]:
        drift = []
        for key, resource in sorted(self.state.resources.items()):
            view = self.live.get(resource.provider)
            if view is None or not view.observable or view.error or resource.status != MANAGED:
                continue
            found = view.by_id.get(resource.id or "")
            if found is None:
                drift.append(DriftEntry(key, resource.provider, resource.id, DriftKind.DELETED))
                continue
            campaign = self.workspace.campaigns.get(key)
            plugin = self.workspace.providers[resource.provider].plugin
            model = campaign.model_type if campaign else plugin.campaign_model
            projected = project(found.fields, resource.attrs)
            if projected == resource.attrs:  # unchanged since the last apply, spelled the same
                self._live_on_state[key] = (resource.attrs, projected, None)
                continue
            projected_canon = canon(projected)
            self._live_on_state[key] = (resource.attrs, projected, projected_canon)
            if projected_canon == self._canon_of_state(resource):
                continue  # unchanged, spelled differently: no field diffs to compute
            diffs = field_diffs(resource.attrs, found.fields, model)
            if diffs:  # reported as last applied -> live now
                flipped = [FieldDiff(d.path, d.after, d.before) for d in diffs]
                drift.append(DriftEntry(key, resource.provider, resource.id, DriftKind.CHANGED, flipped))
        return drift

