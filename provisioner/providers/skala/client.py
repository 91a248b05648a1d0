"""Skala gateway endpoints (api-contracts.md §2, §8): JSON login for the `token` header, the
single-order create, PUT update and cancel, orders by brand, and the lookups names need."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import httpx

from provisioner.errors import ProvisionerError
from provisioner.providers.auth import JsonLogin
from provisioner.providers.base import RateLimit
from provisioner.providers.http import ApiClient, HttpContext, StreamedAnswer, shared_login
from provisioner.providers.skala.errors import raise_for_error
from provisioner.providers.skala.schema import SkalaSettings
from provisioner.providers.skala.stream import each_streamed, list_answer
from provisioner.providers.wire import answer, expect_object, expect_objects, json_request, loads, non_json_answer

DEFAULT_RATE_LIMIT = RateLimit(requests=10, per_seconds=1)  # §8: nothing documented
ORDERS = "/api/campaign-order"
COMPANY_USER = "CompanyUser for the order's company"


class SkalaClient:
    def __init__(self, settings: SkalaSettings, context: HttpContext) -> None:
        password = settings.password.get_secret_value()
        context.redactor.add(password)
        context.redactor.add(settings.username)
        self.settings = settings
        # one login per user: instances (brands) under the same one share its token
        self.auth = shared_login(context, "skala", settings, lambda: JsonLogin(
            "/api/login", {"username": settings.username, "password": password}, settings.token_field,
            context.redactor.add, header=settings.token_header))
        self.api = ApiClient(settings, "skala", context, DEFAULT_RATE_LIMIT, auth=self.auth,
                             sandbox_host="https://gateway.skalaads.com")

    def _call(self, method: str, path: str, action: str, needs: str | None = None,
              body: Any = None, idempotent: bool | None = None) -> Any:
        kwargs = json_request(body) if body is not None else {}
        response = self.api.request(method, path, idempotent=idempotent, **kwargs)
        raise_for_error(response, action, needs)
        return loads(response)

    def _object(self, method: str, path: str, action: str, needs: str | None = None,
                body: Any = None, ambiguous: bool = False) -> dict[str, Any]:
        """A call whose answer must be one JSON object (an order, a brand, a company)."""
        kwargs = json_request(body) if body is not None else {}
        response = self.api.request(method, path, **kwargs)
        raise_for_error(response, action, needs)
        what = f"Skala {action}"
        return expect_object(answer(response, what, ambiguous), what, ambiguous=ambiguous)

    def _list(self, path: str, action: str, needs: str) -> list[dict[str, Any]]:
        """A GET whose answer must be a JSON list of objects (orders, campaign types)."""
        response = self.api.request("GET", path)
        raise_for_error(response, action, needs)
        return list_answer(response, f"Skala {action}")()

    # -- campaign orders ------------------------------------------------------------------------
    def orders_by_brand(self) -> Iterator[dict[str, Any]]:
        """The brand's orders (one answer, every order) one at a time, decoded from the answer's
        bytes as they arrive (stream.py): neither the answer's body nor the raw orders of a large
        brand are ever all alive at once. An error status is raised here, as the call is made."""
        brand = self.settings.brand_id
        action = f"list campaign orders of brand {brand}"
        needs = f"CompanyUser for at least one company under brand {brand}"
        streamed = self.api.stream("GET", f"{ORDERS}/by-brand/{brand}",
                                   lambda response: raise_for_error(response, action, needs))
        return self._each_order(streamed, f"Skala {action}")

    @staticmethod
    def _each_order(streamed: StreamedAnswer, what: str) -> Iterator[dict[str, Any]]:
        """The orders of a streamed answer; anything unusual about it gives the error the answer read
        whole gives (stream.each_streamed). The request ends when this does, read or abandoned."""
        try:
            yield from each_streamed(
                streamed.chunks(),
                lambda body: expect_objects(answer(_with_body(streamed.response, body), what), what),
                lambda: non_json_answer(streamed.response, what), what)
        finally:
            streamed.close()

    def get_order(self, order_id: str) -> dict[str, Any]:
        return self._object("GET", f"{ORDERS}/{order_id}", f"read campaign order {order_id}", COMPANY_USER)

    def create_order(self, body: dict[str, Any]) -> dict[str, Any]:
        # never retried once sent: an unanswered create becomes AmbiguousOutcomeError (ApiClient)
        company = body["object"]["company"]["id"]
        # Skala said yes, so the order may exist: a malformed answer is ambiguous (looked up)
        return self._object("POST", ORDERS, "create campaign order", f"CompanyUser for company {company}",
                            body, ambiguous=True)

    def update_order(self, order_id: str, body: dict[str, Any]) -> dict[str, Any]:
        return self._call("PUT", f"{ORDERS}/{order_id}", f"update campaign order {order_id}",
                          COMPANY_USER, body) or {}

    def cancel_order(self, order_id: str) -> None:
        self._call("PUT", f"{ORDERS}/{order_id}/cancel", f"cancel campaign order {order_id}", COMPANY_USER)

    # -- what names and ids refer to ------------------------------------------------------------
    def campaign_types(self) -> list[dict[str, Any]]:
        return self._list("/api/campaign-type/all", "list campaign types", "Admin")

    def brand(self) -> dict[str, Any]:
        brand = self.settings.brand_id
        return self._object("GET", f"/api/brand/{brand}", f"read brand {brand}", f"access to brand {brand}")

    def company(self, company_id: int) -> dict[str, Any]:
        return self._object("GET", f"/api/company/{company_id}", f"read company {company_id}",
                            f"CompanyUser for company {company_id}")

    # -- session ------------------------------------------------------------------------------
    def logout(self) -> None:
        """Delete the token, only if this session logged in; a failed logout never fails the run."""
        token = self.auth.forget()
        if token is None:
            return
        # auth=None: logging in again just to log out would be absurd. A failed logout is ignored:
        # the run's outcome is already decided, and the token dies with its lifetime.
        with contextlib.suppress(ProvisionerError):
            self.api.request("POST", "/api/logout", idempotent=True, auth=None,
                             headers={self.settings.token_header: token})

    def close(self) -> None:
        try:
            # a token other instances of the run still use is not ended under them: the last one out logs out
            if self.api.release_login():
                self.logout()
        finally:
            self.api.close()


def _with_body(response: httpx.Response, body: bytes) -> httpx.Response:
    """A streamed answer with its whole body, as `answer` reads a response."""
    return httpx.Response(response.status_code, headers=response.headers, content=body, request=response.request)
