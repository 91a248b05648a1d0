"""The Targeter emulator: two routes under /api, `creation_mode` for the two 201 forms, Targeter-shaped errors."""

from __future__ import annotations

import math
import time
from typing import Any

from provisioner.sandbox.core import Emulator, PlatformRequest, PlatformResponse
from provisioner.sandbox.faults import FaultInjector, RateLimiter
from provisioner.sandbox.store import Store
from provisioner.sandbox.targeter.backend import TargeterBackend
from provisioner.sandbox.targeter.handlers import TargeterHandlers


class TargeterEmulator(Emulator):
    """`creation_mode` ("automatic" | "prefilled") picks the 201 body for new campaigns; when given it is
    saved in the store, otherwise the stored choice (default "automatic") applies. Per-reference_id
    rules: `emulator.backend.set_creation_mode(mode, reference_id)`."""

    name = "targeter"

    def __init__(self, store: Store | None = None, faults: FaultInjector | None = None,
                 rate_limiter: RateLimiter | None = None, creation_mode: str | None = None,
                 client_slug: str = "sandbox") -> None:
        self.clock = time.time
        self.client_slug = client_slug
        super().__init__(store, faults, rate_limiter)
        if creation_mode is not None:
            self.backend.set_creation_mode(creation_mode)

    def register_routes(self) -> None:
        # The backend reads the clock through the emulator so tests can swap `emulator.clock` later.
        self.backend = TargeterBackend(self.store, lambda: self.clock(), self.client_slug)
        handlers = TargeterHandlers(self.backend)
        self.router.add("POST", r"/api/auth/token", handlers.token, "get access token")
        self.router.add("POST", r"/api/campaign", handlers.campaign, "create or retrieve campaign")

    def not_found(self, request: PlatformRequest) -> PlatformResponse:
        return PlatformResponse(404, {"error": "Not found"})

    def rate_limited(self, reset_epoch: int, limit: int) -> PlatformResponse:
        # Targeter says rate limits are "not yet implemented"; the sandbox can still simulate one.
        wait = max(1, math.ceil(reset_epoch - self.clock()))
        return PlatformResponse(429, {"error": "Too many requests"}, {"Retry-After": str(wait)})

    def server_error(self, status: int) -> PlatformResponse:
        if status == 500:
            return PlatformResponse(500, {"error": "Unexpected server error. Please try again later."})
        return PlatformResponse(status, {"error": "Service unavailable"})

    @classmethod
    def default_rate_limiter(cls) -> RateLimiter:
        return RateLimiter(limit=10, window_seconds=1)  # api-contracts §8: 10 requests/s

    def ui_edit(self, object_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        return self.backend.ui_edit(object_id, changes)
