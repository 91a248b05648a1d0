"""Topsort campaign-service endpoints (api-contracts.md §5); paths never end in '/' (that is a 404)."""

from __future__ import annotations

from collections.abc import Generator, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from provisioner.providers.base import RateLimit
from provisioner.providers.http import ApiClient, HttpContext
from provisioner.providers.topsort.errors import raise_for_error
from provisioner.providers.topsort.schema import TopsortSettings
from provisioner.providers.wire import answer, expect_id, expect_list, expect_object, json_request, loads, unexpected

CAMPAIGNS = "/public/v1/campaign-service/campaigns"
DEFAULT_RATE_LIMIT = RateLimit(requests=45, per_seconds=2)  # "Other Advanced APIs", production
PAGE_WINDOW = 4


class _BearerKey(httpx.Auth):
    def __init__(self, key: str) -> None:
        self._key = key

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self._key}"
        yield request


class TopsortClient:
    def __init__(self, settings: TopsortSettings, context: HttpContext) -> None:
        key = settings.api_key.get_secret_value()
        context.redactor.add(key)
        self.settings = settings
        self.api = ApiClient(settings, "topsort", context, DEFAULT_RATE_LIMIT, auth=_BearerKey(key),
                             sandbox_host="https://api.topsort.com")

    def list_campaigns(self) -> Iterator[dict[str, Any]]:
        """All of the vendor's campaigns. Offsets are predictable (offset + limit), so after the
        first page up to PAGE_WINDOW pages are fetched at once: at most PAGE_WINDOW - 1 requests
        past the end, for a quarter of the round trips on a large account."""
        first = self._page(0)
        yield from first["campaigns"]
        if not first.get("hasMore"):
            return
        size = self.settings.page_size
        offset = first["next_offset"] if first["next_offset"] is not None else size
        window = max(1, min(PAGE_WINDOW, self.settings.parallelism))
        with ThreadPoolExecutor(max_workers=window) as pool:
            while True:
                pages = list(pool.map(self._page, [offset + i * size for i in range(window)]))
                for page in pages:
                    yield from page["campaigns"]
                    if not page.get("hasMore"):
                        return
                offset += window * size

    def _page(self, offset: int) -> dict[str, Any]:
        params = {"vendor_id": self.settings.vendor_id, "offset": offset, "limit": self.settings.page_size}
        response = self.api.request("GET", CAMPAIGNS, params=params)
        raise_for_error(response, "list campaigns")
        return _list_page(answer(response, LIST), offset)

    def create_campaign(self, body: dict[str, Any]) -> dict[str, Any]:
        response = self.api.request("POST", CAMPAIGNS, params={"vendor_id": self.settings.vendor_id},
                                    **json_request(body))
        raise_for_error(response, "create campaign")
        # Topsort said yes, so the campaign may exist: a malformed answer is ambiguous (looked up)
        what = "Topsort create campaign"
        campaign = expect_object(answer(response, what, ambiguous=True), what, "the created campaign", ambiguous=True)
        expect_id(campaign, "campaignId", what, ambiguous=True)
        return campaign

    def update_campaign(self, campaign_id: str, body: dict[str, Any]) -> dict[str, Any]:
        response = self.api.request("PATCH", f"{CAMPAIGNS}/{campaign_id}", **json_request(body))
        raise_for_error(response, f"update campaign {campaign_id}")
        return expect_object(loads(response), f"Topsort update campaign {campaign_id}")

    def delete_campaign(self, campaign_id: str) -> None:
        response = self.api.request("DELETE", f"{CAMPAIGNS}/{campaign_id}")
        raise_for_error(response, f"delete campaign {campaign_id}")

    def close(self) -> None:
        self.api.close()


LIST = "Topsort list campaigns"


def _list_page(body: Any, offset: int) -> dict[str, Any]:
    """One page of the list answer, checked: {"campaigns": [...], "hasMore": bool, "next": {"offset"}}
    → {"campaigns", "hasMore", "next_offset"}. A page without its list is an error, never "no
    campaigns" (that would plan to create every campaign again)."""
    what = f"{LIST} (offset {offset})"
    page = expect_object(body, what, "an object with a 'campaigns' list")
    campaigns = expect_list(page.get("campaigns"), what, "'campaigns' to be a list")
    has_more = page.get("hasMore", False)
    if not isinstance(has_more, bool):
        raise unexpected(what, "'hasMore' to be true or false", f"'hasMore' = {has_more!r}"[:60])
    next_offset = None
    if has_more and page.get("next") is not None:
        offset_value = expect_object(page["next"], what, "'next' to be an object").get("offset")
        if isinstance(offset_value, bool) or not isinstance(offset_value, int) or offset_value <= offset:
            raise unexpected(what, f"'next.offset' to be an integer past {offset}", repr(offset_value)[:40])
        next_offset = offset_value
    return {"campaigns": campaigns, "hasMore": has_more, "next_offset": next_offset}
