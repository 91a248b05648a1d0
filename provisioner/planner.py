"""desired (YAML) + last applied (state) + live (platforms) → Plan. Pure logic, no I/O.

Capabilities decide what is possible: a platform without Updates gets "cannot update in place",
one that cannot be read is planned from state alone and reported as not observable.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from operator import attrgetter
from typing import Any

from provisioner.config.models import PAUSED, CampaignConfig, Workspace
from provisioner.diff import DIFFERENT, UNDECIDED, canon, field_diffs, fingerprint, project, same, same_projection
from provisioner.flight import check_flights
from provisioner.moves import pending_moves, plan_rename
from provisioner.plans.action import Action, DriftKind
from provisioner.plans.change import DriftEntry, FieldDiff, ResourceChange
from provisioner.plans.plan import NORMAL, REFRESH_ONLY, Plan
from provisioner.platform_rules import check_platform_rules
from provisioner.providers.base import LaunchSwitch, LiveCampaign, Observed, parse_moment
from provisioner.refresh import LiveView
from provisioner.spend import summarize
from provisioner.states.state import MANAGED, PENDING, ResourceState, State
from provisioner.states.streamed import in_key_order
from provisioner.targeting import Targeting, targeting_warnings

ABSENT = "absent"
BLOCKED_HINT = ("to proceed, revert the field in YAML (or change it in the platform's UI first), or give the "
                "campaign a new key to create a new one")
# (ABSENT is the fingerprint of "no live campaign": a planned create goes stale if one appears)
_BY_ADDRESS = attrgetter("instance", "key")  # the order of a plan's changes
_BY_KEY = attrgetter("key")  # the order of its drift entries


def compared(campaign: CampaignConfig) -> dict[str, Any]:
    """The declared fields that are compared with live (bids and the like are create-only input)."""
    return campaign.compared  # computed once per campaign (and without validating a cached model)


class Planner:
    def __init__(self, workspace: Workspace, state: State, live: dict[str, LiveView],
                 prune: bool = False, now: datetime | None = None, targeting: Targeting | None = None,
                 state_digest: str | None = None) -> None:
        self.workspace, self.state, self.live = workspace, state, live
        self.state_digest = state_digest  # the backend's (StateBackend.digest); else State.digest
        self.targeting = targeting or Targeting()
        self.now = now or datetime.now(UTC)  # the plan's clock: injected, so tests pin it
        self.prune = prune
        self.claimed = {r.id for r in state.resources.values() if r.id}
        self.moves = pending_moves(workspace, state)  # new key → old key (`moved:`)
        # keys of managed campaigns whose live values are as last applied (drift finds them first)
        self._as_applied: set[str] = set()
        # ... of those whose last applied values are the declared ones: live projected onto them
        self._projected: dict[str, Any] = {}

    def plan(self, mode: str = NORMAL, paths: list[str] | None = None) -> Plan:
        plan = Plan(mode=mode, workspace=paths or [str(self.workspace.root)],
                    config_digest=self.workspace.digest(), state_digest=self.state_digest or self.state.digest(),
                    state_lineage=self.state.lineage, prune=self.prune,
                    created_at=self.now.isoformat(timespec="seconds").replace("+00:00", "Z"),
                    targets=list(self.targeting.targets), excludes=list(self.targeting.excludes))
        plan.warnings.extend(targeting_warnings(self.workspace, self.state, self.targeting))
        plan.not_observable = {n: v.reason or "" for n, v in self.live.items() if not v.observable}
        plan.read_errors = {n: v.error for n, v in sorted(self.live.items()) if v.error}
        plan.drift = self._drift()
        if mode == REFRESH_ONLY:
            return plan
        campaigns: Iterable[CampaignConfig] = self.workspace.campaigns.values()
        if self.targeting.active:
            campaigns = [c for c in campaigns if self.targeting.selects(c.key, c.instance)]
        plan.changes.extend(self._plan_declared(sorted(campaigns, key=_BY_ADDRESS)))
        plan.changes.extend(self._retirements(plan.warnings))
        check_flights(plan.changes, self.workspace, self.now)
        check_platform_rules(plan, self.live)
        plan.spend, plan.spend_campaigns = summarize(self.workspace, plan.changes, self._live_fields())
        return plan

    def _live_fields(self) -> Callable[[ResourceChange], dict[str, Any] | None]:
        """The campaign as it is now, for the spend summary: live where readable, else as last applied."""
        readable = {name: view.by_id for name, view in self.live.items() if view.observable}
        resources = self.state.resources

        def live_fields(change: ResourceChange) -> dict[str, Any] | None:
            by_id = readable.get(change.provider)
            if by_id is not None and change.id:
                found = by_id.get(change.id)
                return found.fields if found else None
            resource = resources.get(change.key)
            return resource.attrs if resource and resource.status == MANAGED else None
        return live_fields

    def _launch_switch(self, campaign: CampaignConfig) -> LaunchSwitch | None:
        """The fields of a paused-first launch, for a campaign that asks for one (validate has
        checked its platform can)."""
        if campaign.launch != PAUSED:
            return None
        return self.workspace.providers[campaign.instance].plugin.capabilities.launch_switch

    # -- declared campaigns ---------------------------------------------------------------------
    def _plan_declared(self, campaigns: list[CampaignConfig]) -> list[ResourceChange]:
        """The change of each declared campaign. Most are unchanged: live as last applied (drift found
        them), found by the id state records, and what was applied is what the YAML declares
        (`_unchanged`). Such a campaign's no-op is built here directly, exactly as `_plan_moved` would
        build it, without the lookups and checks that only matter for a change."""
        changes: list[ResourceChange] = []
        resources, as_applied, moves, projected = self.state.resources, self._as_applied, self.moves, self._projected
        # per instance, once: its platform's name and its live campaigns by id
        quick = {name: (provider.plugin.name, self.live[name].by_id)
                 for name, provider in self.workspace.providers.items() if name in self.live}
        unchanged, full = self._unchanged, self._plan_moved
        for campaign in campaigns:
            key = campaign.key
            resource = resources.get(key)
            if key in as_applied and resource is not None and resource.id and key not in moves \
                    and resource.provider == campaign.instance:
                platform, by_id = quick[campaign.instance]
                found = by_id.get(resource.id)
                declared = campaign.compared
                if found is not None and unchanged(campaign, resource, declared):
                    before = projected.get(key)  # (drift projected it, where it could)
                    changes.append(ResourceChange(
                        key, campaign.instance, platform, Action.NOOP, id=found.id, after=campaign.desired,
                        before=project(found.fields, declared) if before is None else before))
                    continue
            changes.append(full(campaign))
        return changes

    def _plan_moved(self, campaign: CampaignConfig) -> ResourceChange:
        old = self.moves.get(campaign.key)
        change = self._plan_campaign(campaign, old)
        if old is None:
            return change
        plugin = self.workspace.providers[campaign.instance].plugin
        found = self.live[campaign.instance].by_id.get(change.id or "")
        return plan_rename(change, plugin.capabilities, plugin.name, found.key if found else None)

    def _plan_campaign(self, campaign: CampaignConfig, moved_from: str | None = None) -> ResourceChange:
        instance = self.workspace.providers[campaign.instance]
        resource = self.state.resources.get(moved_from or campaign.key)
        switch = self._launch_switch(campaign)
        # launch: paused creates the campaign switched off; activating it is a later plan's change
        after = {**campaign.desired, **switch.paused} if switch else campaign.desired
        change = ResourceChange(campaign.key, campaign.instance, instance.plugin.name, Action.CREATE,
                                after=after, live_fingerprint=ABSENT, moved_from=moved_from)
        if resource and resource.provider != campaign.instance:
            change.action = Action.CANNOT_MOVE
            change.reason = (f"state records this campaign under provider {resource.provider!r}; moving a "
                             "campaign between provider instances is not supported")
            return change
        view = self.live[campaign.instance]
        if not view.observable:
            return self._plan_from_state(change, campaign, resource)
        found, adopt_reason = self._locate(campaign, resource, view, change)
        if found is None and campaign.protect and resource and resource.status == MANAGED and resource.id:
            change.action = Action.PROTECTED
            change.reason = (f"protect: true: campaign {resource.id} recorded in state no longer exists on the "
                             "platform, and creating a new one is not a change made in place; remove protect "
                             "to create it again")
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
                self._settle(change, resource)
            return None, None
        if resource and resource.status == PENDING:
            return found, "an earlier create was interrupted; the platform did create it"
        if campaign.adopt:
            return found, f"adopt: true: taking over live campaign {found.id}, which matches this campaign"
        # Not created by this workspace (no state entry, no journal): another workspace or a person
        # owns it. Taking it over silently would let two workspaces fight over one campaign.
        by = {"key": "key", "name": "name"}.get(self._adopt_by(campaign), "identity")
        change.action, change.id = Action.NOT_OWNED, found.id
        change.live_fingerprint = fingerprint(project(found.fields, compared(campaign)))
        change.reason = (f"live campaign {found.id} has this campaign's {by} but this workspace did not create "
                         "it (its state has no record of it); to take it over, set `adopt: true` on the "
                         "campaign or import it; otherwise give this campaign another "
                         f"{'name' if by == 'name' else 'key'}")
        return None, None

    def _adopt_by(self, campaign: CampaignConfig) -> str:
        return self.workspace.providers[campaign.instance].plugin.capabilities.adopt_by

    def _settle(self, change: ResourceChange, resource: ResourceState) -> None:
        """A create whose answer was lost may still be committed by the platform: until the instance's
        settle window has passed, wait instead of creating it again (a lookup decides after)."""
        if resource.ambiguous_at is None:
            return
        window = self.workspace.providers[resource.provider].settings.settle_window
        try:
            lost = datetime.fromisoformat(resource.ambiguous_at.replace("Z", "+00:00"))
        except ValueError:
            return  # an unreadable time cannot hold the campaign back forever
        settles = (lost if lost.tzinfo else lost.replace(tzinfo=UTC)) + timedelta(seconds=window)
        if self.now >= settles:
            change.reason = (f"an earlier create's answer was lost at {resource.ambiguous_at}; the platform "
                             f"has no such campaign {window:g} s later (settle window): creating it")
            return
        change.action = Action.WAITING
        change.settles_at = settles.isoformat(timespec="seconds").replace("+00:00", "Z")
        change.reason = (f"waiting for the platform to settle: an earlier create's answer was lost at "
                         f"{resource.ambiguous_at} and the platform may still commit it; the next plan after "
                         f"{change.settles_at} decides (adopt if it appeared, else create)")

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
        declared = compared(campaign)
        if adopt_reason is None and self._unchanged(campaign, resource, declared):
            change.action, change.id = Action.NOOP, found.id
            change.before = project(found.fields, declared)
            change.live_fingerprint = None  # (a plain no-op needs none: see below)
            return change
        switch = self._launch_switch(campaign)
        if switch:  # once created (paused), a paused-first campaign is wanted switched on (unless declared off)
            declared = {**switch.active, **declared}
            change.after = {**switch.active, **campaign.desired}
        rules = self.workspace.ignore_rules(campaign.key, campaign.instance)
        wanted = rules.strip(declared)
        change.id = found.id
        change.before = project(found.fields, declared)
        # Equal values (or equal normal forms) mean no field differs: field diffs only for what differs.
        unchanged = not switch and (change.before == declared or canon(change.before) == campaign.compared_canon)
        diffs = [] if unchanged else field_diffs(declared, found.fields, campaign.model_type,
                                                 self._observed(found, resource))
        change.diffs, change.ignored = rules.split(diffs)
        capabilities = self.workspace.providers[campaign.instance].plugin.capabilities
        if not capabilities.can("update"):
            for diff in change.diffs:
                diff.blocked = diff.blocked or capabilities.why_not("update")
        if adopt_reason:
            change.action, change.reason = Action.ADOPT, adopt_reason
        elif not change.diffs:
            change.action = Action.NOOP
            change.record_state = (resource is None
                                   or (resource.attrs != wanted and canon(rules.strip(resource.attrs)) != canon(wanted))
                                   or resource.protected != campaign.protect)
        else:
            change.action = Action.UPDATE if change.updatable else Action.CANNOT_UPDATE
        if switch and change.action is Action.UPDATE and any(
                d.path in switch.active and d.after == switch.active[d.path] for d in change.updatable):
            change.action = Action.ACTIVATE  # the separate, reviewed change that starts it spending
            change.reason = "launched paused: switching it on (its budget starts being spent)"
        if any(d.blocked for d in change.diffs):
            change.reason = change.reason or BLOCKED_HINT
        for diff in change.diffs:
            if diff.blocked:
                change.warnings.append(f"{diff.path}: cannot update in place: {diff.blocked}")
        if change.action is not Action.NOOP or change.record_state:
            # apply checks the live fingerprint of what it acts on; ignored fields never stale a plan.
            # A plain no-op needs none (engine.staleness computes it if a saved plan acted on it).
            change.live_fingerprint = fingerprint(project(found.fields, wanted))
        else:
            change.live_fingerprint = None
        return change

    def _unchanged(self, campaign: CampaignConfig, resource: ResourceState | None, declared: dict[str, Any]) -> bool:
        """Most campaigns: live is as last applied (drift checked it), and what was last applied is what
        the YAML declares, with no `ignore:`, launch switch or `protect` change to weigh. The full
        comparison below gives such a campaign exactly this no-op; this only skips its work."""
        return (resource is not None and resource.key in self._as_applied and campaign.launch != PAUSED
                and resource.protected == campaign.protect and not self.workspace.has_ignore_rules(campaign)
                # (as the full comparison, plain equality first; drift projected only where attrs == declared)
                and ((resource.key == campaign.key and resource.key in self._projected) or resource.attrs == declared
                     or (resource.attrs.keys() == declared.keys() and same(resource.attrs, declared))))

    def _observed(self, found: LiveCampaign, resource: ResourceState | None) -> Observed:
        created = parse_moment(resource.created_at) if resource and resource.created_at else None
        return Observed(found.fields, self.now, created)

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
        rules = self.workspace.ignore_rules(campaign.key, campaign.instance)
        change.diffs, change.ignored = rules.split(field_diffs(wanted, resource.attrs, campaign.model_type))
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
        moved_away = set(self.moves.values())  # planned under their new keys
        resources = self.state.resources
        # (a set difference first: nearly every key in state is still declared)
        for key in sorted(resources.keys() - self.workspace.campaigns.keys()):
            resource = resources[key]
            if key in moved_away or not self.targeting.selects(key, resource.provider):
                continue
            instance = self.workspace.providers.get(resource.provider)
            if instance is None:
                warnings.append(f"{key}: its provider instance {resource.provider!r} is no longer configured; "
                                "it is left alone")
                continue
            cannot_retire = instance.plugin.capabilities.why_not("retire")
            if resource.protected:
                if self.prune:
                    changes.append(ResourceChange(
                        key, resource.provider, resource.provider_type, Action.PROTECTED, id=resource.id,
                        before=resource.attrs, reason="removed from config, but it was applied with protect: "
                        "true, which forbids retiring it; to retire it, put it back with protect: false and "
                        "apply, then remove it"))
                else:
                    warnings.append(f"{key}: no longer in config; it is protected (protect: true when last "
                                    f"applied), so it is left alone: `provisioner state rm WORKSPACE --key {key}` "
                                    "to forget it")
                continue
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
        drift: list[DriftEntry] = []
        # the live campaigns by id of each instance that can be read, and its twins (None: it has none)
        readable = {name: (view.by_id, self._twins_by_identity(name, view)) for name, view in self.live.items()
                    if view.observable and not view.error}
        targeting, as_applied = self.targeting, self._as_applied
        selects = targeting.selects if targeting.active else None
        # in state's order: the entries are put in key order at the end (a stable sort keeps the
        # entries of one campaign in the order they were found)
        for key, resource in self.state.resources.items():
            if selects is not None and not selects(key, resource.provider):
                continue
            reading = readable.get(resource.provider)
            if reading is None or resource.status != MANAGED:
                continue
            by_id, twins = reading
            found = by_id.get(resource.id or "")
            if found is None:
                drift.append(DriftEntry(key, resource.provider, resource.id, DriftKind.DELETED))
                continue
            duplicates = self._twins_of(found, twins) if twins is not None and twins[1] else None
            if duplicates:
                drift.append(DriftEntry(key, resource.provider, resource.id, DriftKind.POSSIBLE_DUPLICATE,
                                        twins=duplicates))
            if self._as_last_applied(key, found.fields, resource.attrs):
                as_applied.add(key)
                continue  # unchanged since the last apply: no field differs, and the platform rewrote none
            campaign = self.workspace.campaigns.get(key)
            plugin = self.workspace.providers[resource.provider].plugin
            model = campaign.model_type if campaign else plugin.campaign_model
            rules = self.workspace.ignore_rules(key, resource.provider)
            rewrites: list[tuple[FieldDiff, str]] = []
            applied = resource.attrs
            if key in self.state.applied_as_declared and campaign is not None and applied is campaign.compared:
                applied = in_key_order(applied)  # the order state stored them in: the diffs' order
            diffs, _ = rules.split(field_diffs(applied, found.fields, model,
                                               self._observed(found, resource), rewrites))
            if diffs:  # reported as last applied -> live now
                flipped = [FieldDiff(d.path, d.after, d.before) for d in diffs]
                drift.append(DriftEntry(key, resource.provider, resource.id, DriftKind.CHANGED, flipped))
            platform, _ = rules.split(d for d, _ in rewrites)
            if platform:  # the platform's own doing: reported apart, never a reason to exit 2
                reasons = "; ".join(dict.fromkeys(why for d, why in rewrites if d in platform))
                drift.append(DriftEntry(key, resource.provider, resource.id, DriftKind.PLATFORM_CHANGED,
                                        platform, reason=reasons))
        drift.sort(key=_BY_KEY)
        return drift

    def _as_last_applied(self, key: str, live: dict[str, Any], attrs: dict[str, Any]) -> bool:
        """`same(live, attrs)`. Where what was last applied is what the YAML declares (nearly always),
        the same walk also projects live onto the declared fields: the `before` of its no-op."""
        campaign = self.workspace.campaigns.get(key)
        if campaign is not None and ((declared := campaign.compared) is attrs or attrs == declared):
            before = same_projection(live, declared, attrs)
            if before is DIFFERENT:
                return False
            if before is not UNDECIDED:
                self._projected[key] = before
                return True
        return same(live, attrs)

    def _twins_by_identity(self, instance: str, view: LiveView) -> tuple[Any, dict[Any, list[str]]] | None:
        """(the platform's twin identity, identity → ids of live campaigns no state entry claims)."""
        provider = self.workspace.providers.get(instance)
        identity = provider.plugin.twin_identity if provider else None
        if identity is None or not view.observable or view.error:
            return None
        unclaimed: dict[Any, list[str]] = {}
        if not view.by_id.keys() - self.claimed:
            return identity, unclaimed  # state claims every live campaign (one set difference, not a loop)
        for campaign in view.campaigns:
            if campaign.id not in self.claimed:
                value = identity(campaign)
                if value is not None:
                    unclaimed.setdefault(value, []).append(campaign.id)
        return identity, unclaimed

    @staticmethod
    def _twins_of(found: LiveCampaign, twins: tuple[Any, dict[Any, list[str]]] | None) -> list[str]:
        if twins is None:
            return []
        identity, unclaimed = twins
        if not unclaimed:
            return []  # every live campaign is claimed by state: no campaign can have a twin
        value = identity(found)
        return sorted(unclaimed.get(value, [])) if value is not None else []

