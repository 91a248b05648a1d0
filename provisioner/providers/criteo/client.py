"""Criteo campaign endpoints (api-contracts.md §3): versioned paths, OAuth client credentials."""

from __future__ import annotations

from typing import Any

import httpx

from provisioner.providers.auth import OAuthClientCredentials
from provisioner.providers.base import RateLimit
from provisioner.providers.criteo.errors import raise_for_envelope
from provisioner.providers.criteo.schema import CriteoSettings
from provisioner.providers.http import ApiClient, HttpContext, shared_login
from provisioner.providers.wire import answer, expect_id, expect_list, expect_object, expect_objects, json_request

DEFAULT_RATE_LIMIT = RateLimit(requests=250, per_seconds=60)  # client credentials, per application


class CriteoClient:
    def __init__(self, settings: CriteoSettings, context: HttpContext) -> None:
        secret = settings.client_secret.get_secret_value()
        context.redactor.add(secret)
        # one token per OAuth application: instances (advertisers) under the same one share it
        auth = shared_login(context, "criteo", settings, lambda: OAuthClientCredentials(
            "/oauth2/token", settings.client_id, secret, context.redactor.add))
        self.settings = settings
        self.campaigns_path = f"/{settings.api_version}/marketing-solutions/campaigns"
        self.api = ApiClient(settings, "criteo", context, DEFAULT_RATE_LIMIT, auth=auth,
                             sandbox_host="https://api.criteo.com")

    def search_campaigns(self) -> list[dict[str, Any]]:
        """All campaigns of the advertiser in one call (search has no paging)."""
        body = {"filters": {"advertiserIds": [self.settings.advertiser_id]}}
        response = self.api.request("POST", f"{self.campaigns_path}/search", idempotent=True,
                                    **json_request(body))
        envelope = raise_for_envelope(response, "search campaigns")
        # no campaigns is `"data": []`; a missing or other list is an error, never "none"
        return expect_list(envelope.get("data"), "Criteo search campaigns", "'data' to be a list of campaigns")

    def create_campaign(self, attributes: dict[str, Any]) -> dict[str, Any]:
        document = {"data": {"type": "Campaign", "attributes": attributes}}
        response = self.api.request("POST", self.campaigns_path, **json_request(document))
        envelope = raise_for_envelope(response, "create campaign", ambiguous=True)
        # Criteo said yes, so the campaign may exist: a malformed answer is ambiguous (looked up by name)
        what = "Criteo create campaign"
        created = expect_object(envelope.get("data"), what, "'data' to be the created campaign", ambiguous=True)
        expect_id(created, "id", what, ambiguous=True)
        if envelope.get("warnings") is not None:
            expect_list(envelope["warnings"], what, "'warnings' to be a list", ambiguous=True)
        return envelope

    def patch_campaigns(self, items: list[dict[str, Any]]) -> tuple[httpx.Response, dict[str, Any]]:
        """One batch PATCH; returns the raw envelope so per-item problems can be mapped back."""
        response = self.api.request("PATCH", self.campaigns_path, **json_request({"data": items}))
        if response.status_code >= 400:
            raise_for_envelope(response, "update campaigns")
        what = "Criteo update campaigns"
        envelope = expect_object(answer(response, what), what, "the {data, errors, warnings} envelope")
        for part in ("data", "errors", "warnings"):
            if envelope.get(part) is not None:
                expect_objects(envelope[part], what, f"'{part}' to be a list of objects")
        return response, envelope

    def close(self) -> None:
        self.api.release_login()  # an OAuth token has no logout: it dies with its lifetime
        self.api.close()
