"""The Targeter emulator: two routes under /api, `creation_mode` for the two 201 forms, Targeter-shaped errors."""

from __future__ import annotations

import time
from functools import partial

from provisioner.sandbox.core import Clock, Emulator, PlatformRequest, PlatformResponse
from provisioner.sandbox.faults import FaultInjector, RateLimiter
from provisioner.sandbox.store import Store
from provisioner.sandbox.targeter.backend import TargeterBackend
from provisioner.sandbox.targeter.handlers import TargeterHandlers


class TargeterEmulator(Emulator[TargeterBackend]):
    """`creation_mode` ("automatic" | "prefilled") picks the 201 body for new campaigns; when given it is
    saved in the store, otherwise the stored choice (default "automatic") applies. Per-reference_id
    rules: `emulator.backend.set_creation_mode(mode, reference_id)`. `client_slug` names the tenant."""

    name = "targeter"
    rate_limit = (10, 1.0)  # api-contracts §8: 10 requests/s

    def __init__(self, store: Store | None = None, faults: FaultInjector | None = None,
                 rate_limiter: RateLimiter | None = None, creation_mode: str | None = None,
                 client_slug: str = "sandbox", clock: Clock = time.time) -> None:
        # The tenant's slug is part of every link, so the backend is built for this instance's tenant.
        super().__init__(store, faults, rate_limiter, clock,
                         backend_factory=partial(TargeterBackend, client_slug=client_slug))
        if creation_mode is not None:
            self.backend.set_creation_mode(creation_mode)

    def register_routes(self) -> None:
        handlers = TargeterHandlers(self.backend)
        add = self.router.add
        add("POST", r"/api/auth/token", handlers.token)
        add("POST", r"/api/campaign", handlers.campaign, creates=True)  # create-or-retrieve

    def not_found(self, request: PlatformRequest) -> PlatformResponse:
        return PlatformResponse(404, {"error": "Not found"})

    def rate_limited(self, reset_epoch: int, limit: int) -> PlatformResponse:
        # Targeter says rate limits are "not yet implemented"; the sandbox can still simulate one.
        return PlatformResponse(429, {"error": "Too many requests"}, self.retry_after(reset_epoch))

    def server_error(self, status: int) -> PlatformResponse:
        if status == 500:
            return PlatformResponse(500, {"error": "Unexpected server error. Please try again later."})
        return PlatformResponse(status, {"error": "Service unavailable"})
