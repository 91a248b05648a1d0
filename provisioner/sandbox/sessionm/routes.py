"""The SessionM emulator: route table under /priv/v1/apps/{api_key}, and SessionM-shaped 404/429/5xx."""

from __future__ import annotations

import math
import time
from typing import Any

from provisioner.sandbox.core import Emulator, PlatformRequest, PlatformResponse
from provisioner.sandbox.faults import RateLimiter
from provisioner.sandbox.sessionm.backend import SessionMBackend
from provisioner.sandbox.sessionm.handlers import SessionMHandlers

APP = r"/priv/v1/apps/(?P<api_key>[^/]+)"


def _error_body(code: str, message: str) -> dict[str, Any]:
    return {"status": "error", "errors": {"code": code, "message": message}}


class SessionMEmulator(Emulator):
    name = "sessionm"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.clock = time.time
        super().__init__(*args, **kwargs)

    def register_routes(self) -> None:
        self.backend = SessionMBackend(self.store)
        handlers = SessionMHandlers(self.backend)
        self.router.add("POST", APP + r"/campaigns", handlers.create_campaign, "create campaign")
        self.router.add("GET", APP + r"/campaigns", handlers.list_campaigns, "get all active campaigns")
        self.router.add("GET", APP + r"/campaigns/(?P<campaign_id>[^/]+)/info", handlers.campaign_info,
                        "get information on a specific campaign (by id)")
        self.router.add("GET", APP + r"/external/campaigns/(?P<permalink>[^/]+)/info",
                        handlers.external_campaign_info, "get information on a specific campaign (by permalink)")

    def not_found(self, request: PlatformRequest) -> PlatformResponse:
        return PlatformResponse(404, _error_body("not_found", f"No route for {request.method} {request.path}"))

    def rate_limited(self, reset_epoch: int, limit: int) -> PlatformResponse:
        # SessionM documents no rate-limit headers; Retry-After is the plain HTTP way to say "later".
        wait = max(1, math.ceil(reset_epoch - self.clock()))
        return PlatformResponse(429, _error_body("too_many_requests", f"Limit of {limit} requests per second"),
                                {"Retry-After": str(wait)})

    def server_error(self, status: int) -> PlatformResponse:
        code = "internal_server_error" if status == 500 else "not_available"
        return PlatformResponse(status, _error_body(code, "The platform could not process the request"))

    @classmethod
    def default_rate_limiter(cls) -> RateLimiter:
        return RateLimiter(limit=10, window_seconds=1)  # api-contracts §8: 10 requests/s

    def ui_edit(self, object_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        return self.backend.ui_edit(object_id, changes)
