"""The SessionM emulator: route table under /priv/v1/apps/{api_key}, and SessionM-shaped 404/429/5xx."""

from __future__ import annotations

from typing import Any

from provisioner.sandbox.core import Clock, Emulator, PlatformRequest, PlatformResponse
from provisioner.sandbox.sessionm.backend import SessionMBackend
from provisioner.sandbox.sessionm.handlers import SessionMHandlers
from provisioner.sandbox.store import Store

APP = r"/priv/v1/apps/(?P<api_key>[^/]+)"


def _error_body(code: str, message: str) -> dict[str, Any]:
    return {"status": "error", "errors": {"code": code, "message": message}}


def _backend(store: Store, clock: Clock) -> SessionMBackend:
    return SessionMBackend(store)  # no SessionM rule depends on the time


class SessionMEmulator(Emulator[SessionMBackend]):
    name = "sessionm"
    backend_factory = staticmethod(_backend)
    rate_limit = (10, 1.0)  # api-contracts §8: 10 requests/s

    def register_routes(self) -> None:
        handlers = SessionMHandlers(self.backend)
        add = self.router.add
        add("POST", APP + r"/campaigns", handlers.create_campaign, creates=True)
        add("GET", APP + r"/campaigns", handlers.list_campaigns)
        add("GET", APP + r"/campaigns/(?P<campaign_id>[^/]+)/info", handlers.campaign_info)
        add("GET", APP + r"/external/campaigns/(?P<permalink>[^/]+)/info", handlers.external_campaign_info)

    def not_found(self, request: PlatformRequest) -> PlatformResponse:
        return PlatformResponse(404, _error_body("not_found", f"No route for {request.method} {request.path}"))

    def rate_limited(self, reset_epoch: int, limit: int) -> PlatformResponse:
        # SessionM documents no rate-limit headers.
        return PlatformResponse(429, _error_body("too_many_requests", f"Limit of {limit} requests per second"),
                                self.retry_after(reset_epoch))

    def server_error(self, status: int) -> PlatformResponse:
        code = "internal_server_error" if status == 500 else "not_available"
        return PlatformResponse(status, _error_body(code, "The platform could not process the request"))
