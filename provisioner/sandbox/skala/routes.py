"""The Skala gateway emulator: route table under /api and `{"error": ...}` answers for 404/429/5xx."""

from __future__ import annotations

from provisioner.sandbox.core import Emulator, PlatformRequest, PlatformResponse
from provisioner.sandbox.skala.backend import SkalaBackend
from provisioner.sandbox.skala.handlers import SkalaHandlers

ID = r"(?P<{}>\d+)"
ORDER = r"/api/campaign-order/" + ID.format("order_id")


class SkalaEmulator(Emulator[SkalaBackend]):
    name = "skala"
    backend_factory = SkalaBackend  # order status follows the dates and the clock
    rate_limit = (10, 1.0)  # api-contracts §8: 10 requests/s

    def register_routes(self) -> None:
        h = SkalaHandlers(self.backend)
        add = self.router.add
        add("POST", r"/api/login", h.login)
        add("POST", r"/api/logout", h.logout)
        add("GET", r"/api/user/me", h.me)
        add("GET", r"/api/brand/all", h.brands)
        add("GET", r"/api/brand/" + ID.format("brand_id"), h.brand)
        add("GET", r"/api/company/" + ID.format("company_id"), h.company)
        add("GET", r"/api/campaign-type/all", h.campaign_types)
        add("GET", r"/api/campaign-type/" + ID.format("type_id"), h.campaign_type)
        add("POST", r"/api/campaign-order", h.create_order, creates=True)
        add("PUT", ORDER, h.update_order)
        add("PUT", ORDER + r"/cancel", h.cancel_order)
        add("GET", ORDER, h.get_order)
        add("GET", ORDER + r"/ad", h.order_ad)
        add("GET", r"/api/campaign-order/by-brand/" + ID.format("brand_id"), h.orders_by_brand)

    def not_found(self, request: PlatformRequest) -> PlatformResponse:
        return PlatformResponse(404, {"error": f"No endpoint {request.method} {request.path}"})

    def rate_limited(self, reset_epoch: int, limit: int) -> PlatformResponse:
        # The gateway documents no rate limit or headers.
        return PlatformResponse(429, {"error": "Too many requests"}, self.retry_after(reset_epoch))

    def server_error(self, status: int) -> PlatformResponse:
        return PlatformResponse(status, {"error": "Internal server error" if status == 500 else "Service unavailable"})

