"""The Criteo emulator: OAuth token endpoint, versioned campaign routes and Criteo's error shapes."""

from __future__ import annotations

from provisioner.sandbox.core import Emulator, PlatformRequest, PlatformResponse
from provisioner.sandbox.criteo.backend import CriteoBackend, problem
from provisioner.sandbox.criteo.handlers import CriteoHandlers, not_found_body

_BASE = r"/(?P<version>[^/]+)/marketing-solutions/campaigns"


class CriteoEmulator(Emulator[CriteoBackend]):
    name = "criteo"
    backend_factory = CriteoBackend  # the clock decides token expiry
    rate_limit = (250, 60.0)  # client credentials: 250 calls/min per app

    def register_routes(self) -> None:
        handlers = CriteoHandlers(self.backend)
        add = self.router.add
        add("POST", "/oauth2/token", handlers.token)
        add("POST", _BASE, handlers.create_campaign, creates=True)
        add("PATCH", _BASE, handlers.patch_campaigns)
        add("POST", _BASE + "/search", handlers.search_campaigns)
        add("GET", _BASE + r"/(?P<campaign_id>[^/]+)", handlers.get_campaign)

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
