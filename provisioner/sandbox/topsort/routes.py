"""The Topsort emulator: its route table under /public/v1/campaign-service and its own error shapes."""

from __future__ import annotations

from provisioner.sandbox.core import Emulator, PlatformRequest, PlatformResponse
from provisioner.sandbox.topsort.backend import DOC_URL, TopsortBackend
from provisioner.sandbox.topsort.handlers import TopsortHandlers

BASE = "/public/v1/campaign-service"
# One path segment; an empty one (a trailing slash) matches nothing, so it answers 404 as Topsort does.
_ID = r"(?P<campaign_id>[^/]+)"


class TopsortEmulator(Emulator[TopsortBackend]):
    name = "topsort"
    backend_factory = TopsortBackend
    rate_limit = (45, 2.0)  # "Other Advanced APIs", production

    def register_routes(self) -> None:
        handlers = TopsortHandlers(self.backend)
        add = self.router.add
        add("GET", f"{BASE}/campaigns", handlers.list_campaigns)
        add("POST", f"{BASE}/campaigns", handlers.create_campaign, creates=True)
        add("GET", f"{BASE}/campaigns/{_ID}", handlers.get_campaign)
        add("PATCH", f"{BASE}/campaigns/{_ID}", handlers.update_campaign)
        add("DELETE", f"{BASE}/campaigns/{_ID}", handlers.delete_campaign)

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

