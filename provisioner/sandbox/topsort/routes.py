"""The Topsort emulator: its route table under /public/v1/campaign-service and its own error shapes."""

from __future__ import annotations

import time
from typing import Any

from provisioner.sandbox.core import Emulator, PlatformRequest, PlatformResponse
from provisioner.sandbox.faults import FaultInjector, RateLimiter
from provisioner.sandbox.store import Store
from provisioner.sandbox.topsort.backend import DOC_URL, TopsortBackend
from provisioner.sandbox.topsort.handlers import TopsortHandlers

BASE = "/public/v1/campaign-service"
# One path segment; an empty one (a trailing slash) matches nothing, so it answers 404 as Topsort does.
_ID = r"(?P<campaign_id>[^/]+)"


class TopsortEmulator(Emulator):
    name = "topsort"

    def __init__(self, store: Store | None = None, faults: FaultInjector | None = None,
                 rate_limiter: RateLimiter | None = None, clock=time.time) -> None:
        self.clock = clock
        super().__init__(store=store, faults=faults, rate_limiter=rate_limiter)

    def register_routes(self) -> None:
        # The backend keeps nothing but the store; the lambda lets a test swap `self.clock` later.
        self.backend = TopsortBackend(self.store, lambda: self.clock())
        handlers = TopsortHandlers(self.backend)
        add = self.router.add
        add("GET", f"{BASE}/campaigns", handlers.list_campaigns, "Get Campaigns")
        add("POST", f"{BASE}/campaigns", handlers.create_campaign, "Create Campaign")
        add("GET", f"{BASE}/campaigns/{_ID}", handlers.get_campaign, "Get Campaign By Id")
        add("PATCH", f"{BASE}/campaigns/{_ID}", handlers.update_campaign, "Update Campaign By Id")
        add("DELETE", f"{BASE}/campaigns/{_ID}", handlers.delete_campaign, "Delete Campaign By Id")

    def not_found(self, request: PlatformRequest) -> PlatformResponse:
        return PlatformResponse(404, [{"errCode": "not_found", "docUrl": DOC_URL,
                                       "message": f"no route for {request.method} {request.path}"}])

    def rate_limited(self, reset_epoch: int, limit: int) -> PlatformResponse:
        # Documented headers only: Topsort sends no Retry-After.
        headers = {"X-RateLimit-Limit": str(limit), "X-RateLimit-Remaining": "0",
                   "X-RateLimit-Reset": str(reset_epoch)}
        body = [{"errCode": "rate_limit_exceeded", "docUrl": DOC_URL, "message": "Too many requests"}]
        return PlatformResponse(429, body, headers)

    def server_error(self, status: int) -> PlatformResponse:
        return PlatformResponse(status, [{"errCode": "internal_server_error", "docUrl": DOC_URL,
                                          "message": "Unexpected server problem"}])

    @classmethod
    def default_rate_limiter(cls) -> RateLimiter:
        return RateLimiter(limit=45, window_seconds=2)  # "Other Advanced APIs", production

    def ui_edit(self, object_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        return self.backend.ui_edit(object_id, changes)

