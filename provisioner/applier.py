"""Execute a Plan: creates, updates (batched where the platform can), adoptions and retirements,
concurrently within each provider instance's limit, recording every outcome in state as it happens.

A create is journalled as pending *before* it is sent, so a crash at any moment leaves a trail the
next plan resolves by looking the campaign up; nothing is ever created twice. A set `cancel` event
(the CLI sets it on SIGINT/SIGTERM) stops new requests: those in flight finish and are recorded.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from provisioner.config.models import Workspace
from provisioner.diff import field_diffs
from provisioner.errors import AmbiguousOutcomeError, ProviderError, ProvisionerError
from provisioner.hooks import Hook
from provisioner.ignore import keep_live
from provisioner.plans.action import Action
from provisioner.plans.change import ResourceChange
from provisioner.plans.plan import Plan
from provisioner.providers.base import BatchUpdates, CreateRequest, LiveCampaign, UpdateRequest, UpdateResult, Updates
from provisioner.refresh import Sessions
from provisioner.states.backend import StateBackend, now_iso
from provisioner.states.state import MANAGED, PENDING, ResourceState

# the code a refused blocked change reports (scripts read it); other blocked kinds use their action's name
BLOCKED_CODES = {Action.CANNOT_UPDATE: "cannot-update-in-place"}


@dataclass
class Outcome:
    key: str
    provider: str
    action: Action
    ok: bool
    id: str | None = None
    message: str | None = None
    code: str | None = None
    warnings: list[str] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)


@dataclass
class ApplyReport:
    outcomes: list[Outcome] = field(default_factory=list)
    interrupted: bool = False  # cancelled: the changes in `not_started` were never sent
    not_started: list[str] = field(default_factory=list)  # campaign addresses (instance.key)

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.ok]

    @property
    def succeeded(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.ok]


class Applier:
    def __init__(self, workspace: Workspace, state: StateBackend, sessions: Sessions,
                 hook: Hook | None = None, applied_by: dict[str, str] | None = None,
                 cancel: threading.Event | None = None) -> None:
        self.workspace, self.statemgr, self.sessions = workspace, state, sessions
        self.hook = hook or Hook()
        self.cancel = cancel or threading.Event()  # checked before each request is started
        self.applied_by = dict(applied_by or {})  # the commit and CI run this apply came from
        self._state_lock = threading.Lock()
        self._report_lock = threading.Lock()
        self.report = ApplyReport()

    def apply(self, plan: Plan) -> ApplyReport:
        by_instance: dict[str, list[ResourceChange]] = {}
        for change in plan.actionable:
            by_instance.setdefault(change.provider, []).append(change)
        with ThreadPoolExecutor(max_workers=max(1, len(by_instance))) as pool:
            for future in [pool.submit(self._apply_instance, n, cs) for n, cs in by_instance.items()]:
                future.result()
        self.report.interrupted = self.cancel.is_set()
        self.report.not_started.sort()
        return self.report

    # -- per instance -----------------------------------------------------------------------------
    def _apply_instance(self, instance: str, changes: list[ResourceChange]) -> None:
        session = self.sessions.get(instance)
        parallelism = self.workspace.providers[instance].settings.parallelism
        for change in (c for c in changes if c.action.is_blocked):
            self._done(Outcome(change.key, instance, change.action, False, change.id,
                               message=change.reason or "; ".join(change.warnings) or change.action.value,
                               code=BLOCKED_CODES.get(change.action, change.action.value)))
        for change in (c for c in changes if c.action is Action.WAITING):
            self._done(Outcome(change.key, instance, change.action, False, change.id, code=Action.WAITING.value,
                               message=f"not created again: waiting for the platform to settle until "
                                       f"{change.settles_at}; plan again after that"))
        for change in (c for c in changes if c.action in (Action.NOOP, Action.RENAME)):
            self._record_applied(change, change.id, change.after or {}, {})
            if change.action is Action.RENAME:  # nothing sent: the key changes in state only
                self._done(Outcome(change.key, instance, change.action, True, change.id, warnings=change.warnings))
        for change in (c for c in changes if c.action is Action.ADOPT):
            self._adopt(change)
        # an activation (paused-first launch) is an update of the fields that switch the campaign on
        updates = [c for c in changes if c.action in (Action.UPDATE, Action.ADOPT, Action.ACTIVATE) and c.updatable]
        with ThreadPoolExecutor(max_workers=parallelism) as pool:
            creates = [pool.submit(self._guard, self._create, session, c) for c in changes
                       if c.action is Action.CREATE]
            retires = [pool.submit(self._guard, self._retire, session, c) for c in changes
                       if c.action is Action.RETIRE]
            # both provide "update"; a platform that batches gets one request per batch
            if isinstance(session, BatchUpdates):
                # one request per batch, batches in flight together within the instance's parallelism
                # (and its credential's rate limit); each batch's items are reported as it answers
                size = max(1, getattr(session, "batch_size", None) or len(updates) or 1)
                for future in [pool.submit(self._guard, self._update_batch, session, updates[i:i + size])
                               for i in range(0, len(updates), size)]:
                    future.result()
            elif isinstance(session, Updates):
                for future in [pool.submit(self._guard, self._update_one, session, c) for c in updates]:
                    future.result()
            for future in creates + retires:
                future.result()

    def _guard(self, step: Callable[..., None], session: Any, item: Any) -> None:
        """A failure of one campaign is reported and never stops the others; once cancelled, nothing
        new starts (the change stays for the next plan)."""
        if self.cancel.is_set():
            with self._report_lock:
                self.report.not_started += [c.address for c in (item if isinstance(item, list) else [item])]
            return
        try:
            step(session, item)
        except ProvisionerError as error:
            for change in item if isinstance(item, list) else [item]:
                self._done(Outcome(change.key, change.provider, change.action, False, change.id,
                                   message=self._redact(str(error)), code=getattr(error, "code", None)))

    # -- creates ----------------------------------------------------------------------------------
    def _create(self, session: Any, change: ResourceChange) -> None:
        self.hook.pre_apply(change)
        desired = change.after or {}
        campaign = self.workspace.campaigns[change.key]
        wanted = {k: v for k, v in desired.items() if k not in campaign.model.not_compared}
        capabilities = self.workspace.providers[change.provider].plugin.capabilities
        if capabilities.lookup_before_create:
            found = session.find_campaign(change.key, desired)
            if found is not None:
                pending = self.statemgr.state.resources.get(change.key)
                if not campaign.adopt and (pending is None or pending.status != PENDING):
                    # the list did not show it at plan time; it is still not ours to take
                    raise ProviderError(f"campaign {found.id} already exists on the platform with this key and "
                                        "this workspace did not create it; set `adopt: true` on the campaign "
                                        "to take it over", code=Action.NOT_OWNED.value)
                self._created(change, found, wanted, ["already existed on the platform: recorded, not created"],
                              created=False)
                return
        self._write(ResourceState(change.key, change.provider, change.provider_type, PENDING, attrs=wanted))
        try:
            result = session.create_campaign(CreateRequest(change.key, desired))
        except AmbiguousOutcomeError as error:
            found = session.find_campaign(change.key, desired) if capabilities.can("find") else None
            if found is None:
                # Keep the pending entry, with the time: the platform may still commit the create, so
                # plans wait for the instance's settle window before a lookup decides.
                self._write(ResourceState(change.key, change.provider, change.provider_type, PENDING, attrs=wanted,
                                          ambiguous_at=now_iso()))
                window = self.workspace.providers[change.provider].settings.settle_window
                raise AmbiguousOutcomeError(f"{error}; no campaign found afterwards; the platform may still "
                                            f"commit it, so plans wait {window:g} s for it before a lookup "
                                            "decides", code="ambiguous") from None
            self._created(change, found, wanted, ["the answer was lost; found the created campaign by lookup"])
            return
        except ProviderError:
            with self._state_lock:
                self.statemgr.remove(change.key)  # refused: nothing was created
            raise
        warnings = list(result.warnings)
        if result.adopted:
            warnings.append("the platform already had this campaign (create-or-retrieve): recorded it")
        warnings += self._verify(campaign.model, wanted, result.live)
        self._created(change, result.live, wanted, warnings)

    def _created(self, change: ResourceChange, live: LiveCampaign, wanted: dict[str, Any],
                 warnings: list[str], created: bool = True) -> None:
        previous = self.statemgr.state.resources.get(change.key)
        # the creation time: drift tells a platform's own rewrite of a past start date by it
        created_at = now_iso() if created and not (previous and previous.created_at) else ""
        self._write(ResourceState(change.key, change.provider, change.provider_type, MANAGED, live.id,
                                  attrs=wanted, outputs=live.outputs, created_at=created_at))
        self._forget_moved(change)
        self._done(Outcome(change.key, change.provider, change.action, True, live.id, warnings=warnings,
                           outputs=live.outputs))

    @staticmethod
    def _verify(model: Any, wanted: dict[str, Any], live: LiveCampaign) -> list[str]:
        """Terraform's AssertObjectCompatible: the platform must have stored what we asked for."""
        if not live.fields:
            return []
        return [f"provider produced an inconsistent result: {d.path} is {d.before!r}, planned {d.after!r}"
                for d in field_diffs(wanted, live.fields, model)]

    # -- adoptions and updates ------------------------------------------------------------------
    def _adopt(self, change: ResourceChange) -> None:
        self.hook.pre_apply(change)
        self._write(ResourceState(change.key, change.provider, change.provider_type, MANAGED, change.id,
                                  attrs=dict(change.before or {})))
        if not change.updatable:
            self._done(Outcome(change.key, change.provider, change.action, True, change.id,
                               warnings=change.warnings))

    def _update_requests(self, changes: list[ResourceChange]) -> list[UpdateRequest]:
        requests = []
        for change in changes:
            top = {d.path.split(".")[0] for d in change.updatable}
            after = keep_live(change.after or {}, change.ignored)
            values = {k: after[k] for k in sorted(top) if k in after}
            # a field the YAML does not declare but the plan changes: the key's platform field (`moved:`)
            values |= {d.path: d.after for d in change.updatable if d.path not in after}
            requests.append(UpdateRequest(change.key, change.id or "", values, after))
        return requests

    def _update_batch(self, session: Any, changes: list[ResourceChange]) -> None:
        if not changes:
            return
        for change in changes:
            self.hook.pre_apply(change)
        results = {r.key: r for r in session.update_campaigns(self._update_requests(changes))}
        for change in changes:
            # A provider that drops an item must not make it look applied.
            result = results.get(change.key) or UpdateResult(
                change.key, change.id or "", error=ProviderError("the provider returned no result", code="no-result"))
            self._updated(change, result)

    def _update_one(self, session: Any, change: ResourceChange) -> None:
        self.hook.pre_apply(change)
        self._updated(change, session.update_campaign(self._update_requests([change])[0]))

    def _updated(self, change: ResourceChange, result: UpdateResult) -> None:
        if result.error is not None:
            self._done(Outcome(change.key, change.provider, change.action, False, change.id,
                               message=self._redact(str(result.error)), code=result.error.code,
                               warnings=result.warnings))
            return
        applied = dict(change.before or {})
        after = keep_live(change.after or {}, change.ignored)
        for path in {d.path.split(".")[0] for d in change.updatable} & set(after):
            applied[path] = after[path]
        self._record_applied(change, change.id, applied, {})
        self._done(Outcome(change.key, change.provider, change.action, True, change.id,
                           warnings=result.warnings + change.warnings))

    def _record_applied(self, change: ResourceChange, campaign_id: str | None, attrs: dict[str, Any],
                        outputs: dict[str, Any]) -> None:
        previous = self.statemgr.state.resources.get(change.key)
        campaign = self.workspace.campaigns.get(change.key)
        if campaign is not None:
            attrs = {k: v for k, v in attrs.items() if k not in campaign.model.not_compared}
        previous = previous or (self.statemgr.state.resources.get(change.moved_from) if change.moved_from else None)
        self._write(ResourceState(change.key, change.provider, change.provider_type, MANAGED, campaign_id,
                                  attrs=attrs, outputs=outputs or (previous.outputs if previous else {})))
        self._forget_moved(change)

    def _forget_moved(self, change: ResourceChange) -> None:
        """A `moved:` rename is done once the new key is recorded: the old one is forgotten."""
        if change.moved_from:
            with self._state_lock:
                self.statemgr.remove(change.moved_from)

    # -- retirements ------------------------------------------------------------------------------
    def _retire(self, session: Any, change: ResourceChange) -> None:
        self.hook.pre_apply(change)
        if not self.workspace.providers[change.provider].plugin.capabilities.can("retire") or change.id is None:
            raise ProviderError("this platform cannot retire campaigns", code=Action.CANNOT_RETIRE.value)
        session.retire_campaign(change.id, change.key)
        with self._state_lock:
            self.statemgr.remove(change.key)
        self._done(Outcome(change.key, change.provider, change.action, True, change.id))

    # -- bookkeeping ----------------------------------------------------------------------------
    def _write(self, resource: ResourceState) -> None:
        if resource.status == MANAGED and self.applied_by:
            resource.applied_by = dict(self.applied_by)
        with self._state_lock:
            previous = self.statemgr.state.resources.get(resource.key)
            if previous is not None and not resource.created_at:
                resource.created_at = previous.created_at
            campaign = self.workspace.campaigns.get(resource.key)
            resource.protected = campaign.protect if campaign else bool(previous and previous.protected)
            self.statemgr.record(resource)

    def _done(self, outcome: Outcome) -> None:
        with self._report_lock:
            self.report.outcomes.append(outcome)
        self.hook.post_apply(outcome)

    def _redact(self, text: str) -> str:
        return self.sessions.context.redactor(text)
