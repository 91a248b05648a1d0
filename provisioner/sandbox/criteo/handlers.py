"""Criteo HTTP handlers: check the API version and the bearer token, parse, call the backend, serialise."""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import parse_qs

from provisioner.sandbox.core import PlatformError, PlatformRequest, PlatformResponse
from provisioner.sandbox.criteo.backend import CriteoBackend, failure, problem, validation

SUPPORTED_VERSIONS = ("2026-01", "2026-07", "2027-01", "preview")
# Versions before the oldest supported one were decommissioned: Criteo answers 410 Gone for them.
OLDEST_SUPPORTED = "2026-01"


class CriteoHandlers:
    """One method per documented operation; each takes the request and the path groups."""

    def __init__(self, backend: CriteoBackend) -> None:
        self.backend = backend

    def token(self, request: PlatformRequest) -> PlatformResponse:
        form = {k: v[0] for k, v in parse_qs(request.body.decode("utf-8", "replace")).items()}
        client_id, client_secret = form.get("client_id"), form.get("client_secret")
        basic = request.headers.get("authorization", "")
        if basic.lower().startswith("basic ") and not client_id:  # RFC 6749 client_secret_basic
            client_id, _, client_secret = base64.b64decode(basic[6:]).decode("utf-8", "replace").partition(":")
        if form.get("grant_type") != "client_credentials":
            return PlatformResponse(400, {"error": "unsupported_grant_type"})
        if not client_id or not client_secret:
            return PlatformResponse(400, {"error": "invalid_request",
                                          "error_description": "client_id and client_secret are required"})
        return PlatformResponse(200, self.backend.issue_token(client_id, client_secret))

    def create_campaign(self, request: PlatformRequest, version: str) -> PlatformResponse:
        self._guard(request, version)
        data = _body(request).get("data")
        if not isinstance(data, dict):
            raise failure(400, validation("data is required", "@data"))
        if data.get("type", "Campaign") != "Campaign":
            raise failure(400, validation("data.type must be Campaign", "@data/type"))
        resource = self.backend.create_campaign(data.get("attributes"))
        return PlatformResponse(201, {"data": resource, "errors": [], "warnings": []})

    def get_campaign(self, request: PlatformRequest, version: str, campaign_id: str) -> PlatformResponse:
        self._guard(request, version)
        return PlatformResponse(200, {"data": self.backend.get_campaign(campaign_id), "errors": [], "warnings": []})

    def search_campaigns(self, request: PlatformRequest, version: str) -> PlatformResponse:
        self._guard(request, version)
        body = _body(request, optional=True)
        filters = body.get("filters") or {}
        if not isinstance(filters, dict):
            raise failure(400, validation("filters must be an object", "@filters"))
        found = self.backend.search_campaigns(_ids(filters, "advertiserIds"), _ids(filters, "campaignIds"))
        return PlatformResponse(200, {"data": found, "errors": [], "warnings": []})

    def patch_campaigns(self, request: PlatformRequest, version: str) -> PlatformResponse:
        self._guard(request, version)
        items = _body(request).get("data")
        if not isinstance(items, list):
            raise failure(400, validation("data must be a list of campaigns", "@data"))
        return PlatformResponse(200, self.backend.patch_campaigns(items))

    def _guard(self, request: PlatformRequest, version: str) -> None:
        check_version(request, version)
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        self.backend.check_token(token.strip() if scheme.lower() == "bearer" else "")


def check_version(request: PlatformRequest, version: str) -> None:
    if version in SUPPORTED_VERSIONS:
        return
    if len(version) == 7 and version[4] == "-" and version.replace("-", "").isdigit() and version < OLDEST_SUPPORTED:
        raise failure(410, problem("deprecation", "version-decommissioned", "API version decommissioned",
                                   f"Version {version} is no longer supported."))
    raise PlatformError(404, not_found_body(request.path))


def not_found_body(path: str) -> dict[str, Any]:
    return {"errors": [problem("unknown", "not-found", "Not found", f"No route matches {path}.")],
            "warnings": []}


def _body(request: PlatformRequest, optional: bool = False) -> dict[str, Any]:
    if optional and not request.body.strip():
        return {}
    try:
        body = request.json()
    except (ValueError, UnicodeDecodeError):
        raise failure(400, validation("The request body is not valid JSON.")) from None
    if not isinstance(body, dict):
        raise failure(400, validation("The request body must be a JSON object."))
    return body


def _ids(filters: dict[str, Any], name: str) -> list[str] | None:
    values = filters.get(name)
    if values is None:
        return None
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise failure(400, validation(f"{name} must be a list of strings", f"@filters/{name}"))
    return values
