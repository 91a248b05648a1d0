"""Topsort HTTP handlers: check the API key, parse the request, call the backend, serialise the answer."""

from __future__ import annotations

import uuid
from typing import Any

from provisioner.sandbox.core import PlatformError, PlatformRequest, PlatformResponse
from provisioner.sandbox.topsort.backend import STATUSES, TopsortBackend, error, invalid

UNAUTHORIZED = {"error": "Unauthorized", "message": "Invalid or missing API key"}


class TopsortHandlers:
    """One method per documented operation; each takes the request and the path groups."""

    def __init__(self, backend: TopsortBackend) -> None:
        self.backend = backend

    def list_campaigns(self, request: PlatformRequest) -> PlatformResponse:
        _authenticate(request)
        vendor_id = request.param("vendor_id")
        if vendor_id == "":
            raise invalid("vendor_id: must not be empty")
        status = request.param("status")
        if status is not None and status not in STATUSES:
            raise invalid(f"status: expected one of {', '.join(STATUSES)}")
        page = self.backend.list_campaigns(vendor_id, status, _int_param(request, "offset", 0),
                                           _int_param(request, "limit", 100))
        return PlatformResponse(200, page)

    def create_campaign(self, request: PlatformRequest) -> PlatformResponse:
        _authenticate(request)
        body = _json_object(request)
        return PlatformResponse(200, self.backend.create_campaign(request.param("vendor_id") or "", body))

    def get_campaign(self, request: PlatformRequest, campaign_id: str) -> PlatformResponse:
        _authenticate(request)
        return PlatformResponse(200, self.backend.get_campaign(_campaign_uuid(campaign_id)))

    def update_campaign(self, request: PlatformRequest, campaign_id: str) -> PlatformResponse:
        _authenticate(request)
        campaign_id = _campaign_uuid(campaign_id)
        body = _json_object(request)
        return PlatformResponse(200, self.backend.update_campaign(campaign_id, body))

    def delete_campaign(self, request: PlatformRequest, campaign_id: str) -> PlatformResponse:
        _authenticate(request)
        self.backend.delete_campaign(_campaign_uuid(campaign_id))
        return PlatformResponse(204)


def _authenticate(request: PlatformRequest) -> None:
    # The sandbox has no secrets: any non-empty bearer key is a valid Advanced API key.
    scheme, _, key = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise PlatformError(401, UNAUTHORIZED)


def _json_object(request: PlatformRequest) -> dict[str, Any]:
    if not request.body.strip():
        raise error(400, "empty_request", "Request body is empty")
    try:
        body = request.json()
    except (ValueError, UnicodeDecodeError):
        raise error(400, "invalid_json", "The request is not valid JSON") from None
    if not isinstance(body, dict):
        raise invalid("the request body must be a JSON object")
    return body


def _int_param(request: PlatformRequest, name: str, default: int) -> int:
    raw = request.param(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise invalid(f"{name}: expected an integer") from None


def _campaign_uuid(raw: str) -> str:
    try:
        return str(uuid.UUID(raw))
    except ValueError:
        raise invalid(f"campaign-id: {raw!r} is not a valid uuid") from None


