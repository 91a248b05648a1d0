"""The Criteo emulator: OAuth token endpoint, versioned campaign routes and Criteo's error shapes."""

from __future__ import annotations

import time
from typing import Any

from provisioner.sandbox.core import Emulator, PlatformRequest, PlatformResponse
from provisioner.sandbox.criteo.backend import CriteoBackend, problem
from provisioner.sandbox.criteo.handlers import CriteoHandlers, not_found_body
from provisioner.sandbox.faults import FaultInjector, RateLimiter
from provisioner.sandbox.store import Store

_BASE = r"/(?P<version>[^/]+)/marketing-solutions/campaigns"


class CriteoEmulator(Emulator):
    name = "criteo"

    def __init__(self, store: Store | None = None, faults: FaultInjector | None = None,
                 rate_limiter: RateLimiter | None = None, clock=time.time) -> None:
        self.clock = clock  # token expiry; a test may replace it after construction
        super().__init__(store=store, faults=faults, rate_limiter=rate_limiter)

    def register_routes(self) -> None:
        self.backend = CriteoBackend(self.store, lambda: self.clock())
        handlers = CriteoHandlers(self.backend)
        add = self.router.add
        add("POST", "/oauth2/token", handlers.token, "Get access token (client credentials)")
        add("POST", _BASE, handlers.create_campaign, "CreateCampaign")
        add("PATCH", _BASE, handlers.patch_campaigns, "PatchCampaigns")
        add("POST", _BASE + "/search", handlers.search_campaigns, "SearchCampaigns")
        add("GET", _BASE + r"/(?P<campaign_id>[^/]+)", handlers.get_campaign, "GetCampaign")

    def not_found(self, request: PlatformRequest) -> PlatformResponse:
        return PlatformResponse(404, not_found_body(request.path))

    def rate_limited(self, reset_epoch: int, limit: int) -> PlatformResponse:
        # Criteo's headers are lower-case and carry a unix timestamp; no Retry-After is documented.
        headers = {"x-ratelimit-limit": str(limit), "x-ratelimit-remaining": "0",
                   "x-ratelimit-reset": str(reset_epoch)}
        body = {"errors": [problem("quota", "too-many-requests", "Too many requests",
                                   "The rate limit of this application was exceeded.")], "warnings": []}
        return PlatformResponse(429, body, headers)

    def server_error(self, status: int) -> PlatformResponse:
        kind = "availability" if status == 503 else "unknown"
        body = {"errors": [problem(kind, "internal-error", "Internal error",
                                   "An unexpected error occurred; retry later.")], "warnings": []}
        return PlatformResponse(status, body)

    @classmethod
    def default_rate_limiter(cls) -> RateLimiter:
        return RateLimiter(limit=250, window_seconds=60)  # client credentials: 250 calls/min per app

    def ui_edit(self, object_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        return self.backend.ui_edit(object_id, changes)
