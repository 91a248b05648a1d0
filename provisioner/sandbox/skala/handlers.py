"""Skala requests: login/logout, the `token` header on every other call, JSON bodies, backend calls."""

from __future__ import annotations

from typing import Any

from provisioner.sandbox.core import PlatformRequest, PlatformResponse
from provisioner.sandbox.skala.backend import SkalaBackend, skala_error


def _json_object(request: PlatformRequest) -> dict[str, Any]:
    try:
        body = request.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise skala_error(400, "The request body must be a JSON object")
    return body


def _ok(body: Any) -> PlatformResponse:
    return PlatformResponse(200, body)


class SkalaHandlers:
    def __init__(self, backend: SkalaBackend) -> None:
        self.backend = backend

    def _user(self, request: PlatformRequest) -> dict[str, Any]:
        return self.backend.user_for_token(request.headers.get("token"))

    # -- authentication -----------------------------------------------------------------
    def login(self, request: PlatformRequest) -> PlatformResponse:
        body = _json_object(request)
        username, password = body.get("username"), body.get("password")
        if not isinstance(username, str) or not isinstance(password, str):
            raise skala_error(400, "username and password are required")
        # The sandbox has no user directory: any non-empty username and password log in.
        if not username.strip() or not password:
            raise skala_error(401, "Wrong username or password")
        return _ok({"token": self.backend.login(username.strip())})

    def logout(self, request: PlatformRequest) -> PlatformResponse:
        self._user(request)
        self.backend.logout(request.headers["token"])
        return PlatformResponse(200)

    def me(self, request: PlatformRequest) -> PlatformResponse:
        return _ok(self._user(request))

    # -- brands, companies, campaign types --------------------------------------------------
    def brands(self, request: PlatformRequest) -> PlatformResponse:
        return _ok(self.backend.list_brands(self._user(request)))

    def brand(self, request: PlatformRequest, brand_id: str) -> PlatformResponse:
        return _ok(self.backend.get_brand(self._user(request), int(brand_id)))

    def company(self, request: PlatformRequest, company_id: str) -> PlatformResponse:
        return _ok(self.backend.get_company(self._user(request), int(company_id)))

    def campaign_types(self, request: PlatformRequest) -> PlatformResponse:
        self.backend.require_admin(self._user(request))
        return _ok(self.backend.list_campaign_types())

    def campaign_type(self, request: PlatformRequest, type_id: str) -> PlatformResponse:
        self.backend.require_admin(self._user(request))
        return _ok(self.backend.get_campaign_type(int(type_id)))

    # -- campaign orders --------------------------------------------------------------------
    def create_order(self, request: PlatformRequest) -> PlatformResponse:
        user = self._user(request)
        return _ok(self.backend.create_order(user, _json_object(request)))

    def update_order(self, request: PlatformRequest, order_id: str) -> PlatformResponse:
        user = self._user(request)
        return _ok(self.backend.update_order(user, int(order_id), _json_object(request)))

    def cancel_order(self, request: PlatformRequest, order_id: str) -> PlatformResponse:
        return _ok(self.backend.cancel_order(self._user(request), int(order_id)))

    def get_order(self, request: PlatformRequest, order_id: str) -> PlatformResponse:
        return _ok(self.backend.get_order(self._user(request), int(order_id)))

    def orders_by_brand(self, request: PlatformRequest, brand_id: str) -> PlatformResponse:
        return _ok(self.backend.orders_by_brand(self._user(request), int(brand_id)))

    def order_ad(self, request: PlatformRequest, order_id: str) -> PlatformResponse:
        return _ok(self.backend.ad_view(int(order_id)))  # documented as needing no login
