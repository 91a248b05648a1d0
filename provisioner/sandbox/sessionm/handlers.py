"""SessionM requests: check HTTP Basic auth against the path's api_key, call the backend, wrap in the envelope."""

from __future__ import annotations

import base64
import binascii
from typing import Any
from urllib.parse import unquote

from provisioner.sandbox.core import PlatformRequest, PlatformResponse
from provisioner.sandbox.sessionm.backend import SessionMBackend, sessionm_error


def ok(**payload: Any) -> PlatformResponse:
    return PlatformResponse(200, {"status": "ok", **payload})


def authenticate(request: PlatformRequest, api_key: str) -> None:
    """Basic `api_key:api_secret`; the key must also be the one in the path. Any non-empty secret passes."""
    scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
    try:
        username, sep, secret = base64.b64decode(encoded, validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        username, sep, secret = "", "", ""
    if scheme.lower() != "basic" or not sep or not username or not secret:
        raise sessionm_error("invalid_auth_token", "Missing or malformed HTTP Basic credentials", 401)
    if username != api_key:
        raise sessionm_error("invalid_api_key", "The API key in the path does not match the credentials", 401)


class SessionMHandlers:
    def __init__(self, backend: SessionMBackend) -> None:
        self.backend = backend

    def create_campaign(self, request: PlatformRequest, api_key: str) -> PlatformResponse:
        authenticate(request, api_key)
        try:
            body = request.json()
        except ValueError:
            body = None
        attributes = body.get("campaign") if isinstance(body, dict) else None
        return ok(campaign=self.backend.create_campaign(attributes))

    def list_campaigns(self, request: PlatformRequest, api_key: str) -> PlatformResponse:
        authenticate(request, api_key)
        return ok(campaigns=self.backend.list_campaigns())

    def campaign_info(self, request: PlatformRequest, api_key: str, campaign_id: str) -> PlatformResponse:
        authenticate(request, api_key)
        campaign = self.backend.get_campaign(campaign_id) if campaign_id.isdigit() else None
        return self._info(campaign)

    def external_campaign_info(self, request: PlatformRequest, api_key: str, permalink: str) -> PlatformResponse:
        authenticate(request, api_key)
        return self._info(self.backend.find_by_permalink(unquote(permalink)))

    def _info(self, campaign: dict[str, Any] | None) -> PlatformResponse:
        if campaign is None:
            # Documented as a method error of the info call, so it rides in an HTTP 200 like the others.
            raise sessionm_error("No_active_campaign_found", "No campaign was found for the specified ID.")
        return ok(campaign=self.backend.campaign_info(campaign))
