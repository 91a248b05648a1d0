"""Read live state in bulk: one list/search pass per provider instance, instances in parallel."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import cast

import httpx

from provisioner.config.models import ProviderInstance, Workspace
from provisioner.errors import ProvisionerError
from provisioner.hooks import Hook
from provisioner.providers.base import ChecksRules, Finds, Lists, LiveCampaign, Prepares, ProviderSession, RuleCheck
from provisioner.providers.http import HttpContext, SharedCredentials
from provisioner.states.state import PENDING, State


@dataclass
class LiveView:
    """What one provider instance looks like right now (or why we cannot know)."""

    instance: str
    observable: bool = True
    reason: str | None = None  # why not observable
    error: str | None = None  # reading failed
    campaigns: list[LiveCampaign] = field(default_factory=list)
    pending_matches: dict[str, LiveCampaign] = field(default_factory=dict)
    rules: RuleCheck | None = None  # the platform's own rules checked on the declared campaigns

    def __post_init__(self) -> None:
        self.by_id = {c.id: c for c in self.campaigns}
        self.by_key = {c.key: c for c in self.campaigns if c.key}

    @cached_property
    def by_name(self) -> dict[str, list[LiveCampaign]]:
        """Built on first use: only adoption by name reads it, and a list per live campaign held for
        the whole plan was ~6 MB at 50,000 campaigns."""
        by_name: dict[str, list[LiveCampaign]] = {}
        for campaign in self.campaigns:
            if campaign.name is not None:
                by_name.setdefault(campaign.name, []).append(campaign)
        return by_name


MAX_READERS = 32  # instances read at once; the shared per-credential limiters bound the requests

TransportFor = Callable[[ProviderInstance], httpx.BaseTransport | None]


class Sessions:
    """Connected provider sessions, opened on first use and closed together. `transport_for`
    chooses each instance's transport to its platform (None: real HTTPS)."""

    def __init__(self, workspace: Workspace, context: HttpContext,
                 transport_for: TransportFor = lambda instance: None) -> None:
        self.workspace = workspace
        self.context = context
        self._transport_for = transport_for
        self._open: dict[str, ProviderSession] = {}
        self._lock = threading.Lock()
        # instances under one platform credential share its rate limiter and token (providers/http.py)
        self._shared = context.shared or SharedCredentials()

    def get(self, instance: str) -> ProviderSession:
        with self._lock:
            if instance not in self._open:
                provider = self.workspace.providers[instance]
                # shares stats, redactor and the per-credential limiters and logins
                context = replace(self.context, transport=self._transport_for(provider), shared=self._shared)
                self._open[instance] = provider.plugin.connect(provider.settings, context)
            return self._open[instance]

    def close(self) -> None:
        for session in self._open.values():
            session.close()
        self._open.clear()


def refresh(workspace: Workspace, state: State, sessions: Sessions, hook: Hook | None = None,
            instances: list[str] | None = None) -> dict[str, LiveView]:
    hook = hook or Hook()
    names = instances if instances is not None else sorted(workspace.providers)
    # Instances under one credential share its rate limiter (Sessions), which paces them: the pool
    # only needs to be wide enough for an agency workspace's instances to all be in flight at once.
    with ThreadPoolExecutor(max_workers=max(1, min(MAX_READERS, len(names)))) as pool:
        views = list(pool.map(lambda name: _read_instance(workspace, state, sessions, name, hook), names))
    return {view.instance: view for view in views}


def _read_instance(workspace: Workspace, state: State, sessions: Sessions, instance: str,
                   hook: Hook) -> LiveView:
    capabilities = workspace.providers[instance].plugin.capabilities
    hook.pre_refresh(instance)
    try:
        session = sessions.get(instance)
        declared = {c.key: c.desired for c in workspace.campaigns_of(instance)}
        if capabilities.can("prepare"):
            cast(Prepares, session).prepare(declared)
        rules = cast(ChecksRules, session).check_rules(declared) if capabilities.can("check") and declared \
            else None
        if not capabilities.can("read"):
            view = LiveView(instance, observable=False, reason=capabilities.why_not("read"), rules=rules)
            hook.post_refresh(instance, 0, None, not_observable=view.reason)
            return view
        view = LiveView(instance, campaigns=cast(Lists, session).list_campaigns(), rules=rules)
        if capabilities.adopt_by == "none" and capabilities.can("find"):
            view.pending_matches = _resolve_pending(workspace, state, cast(Finds, session), instance)
    except ProvisionerError as error:
        message = sessions.context.redactor(str(error))
        hook.post_refresh(instance, 0, message)
        return LiveView(instance, error=message)
    hook.post_refresh(instance, len(view.campaigns), None)
    return view


def _resolve_pending(workspace: Workspace, state: State, session: Finds, instance: str) -> dict[str, LiveCampaign]:
    """Platforms with no identity field: look up each interrupted create by its attributes."""
    found: dict[str, LiveCampaign] = {}
    for resource in state.of_provider(instance):
        if resource.status != PENDING:
            continue
        campaign = workspace.campaigns.get(resource.key)
        desired = campaign.desired if campaign else resource.attrs
        match = session.find_campaign(resource.key, desired)
        if match is not None:
            found[resource.key] = match
    return found
