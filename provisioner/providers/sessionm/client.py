"""SessionM Campaigns API calls (api-contracts §4 and §8): HTTP Basic api_key:api_secret, paths under
/priv/v1/apps/{api_key}. The key sits in every URL, so it is registered with the redactor (which
ApiClient also applies to httpx's own request log)."""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import quote

import httpx

from provisioner.providers.base import SANDBOX, RateLimit
from provisioner.providers.http import ApiClient, HttpContext
from provisioner.providers.sessionm.errors import SessionMError, checked
from provisioner.providers.sessionm.schema import SessionMSettings
from provisioner.providers.wire import expect_objects, json_request

DEFAULT_RATE_LIMIT = RateLimit(requests=10, per_seconds=1)  # api-contracts §8: none documented
SANDBOX_HOST = "https://api-sandbox.ent-sessionm.com"


def _segment(value: str) -> str:
    return quote(value, safe="")


class SessionMClient:
    def __init__(self, settings: SessionMSettings, context: HttpContext) -> None:
        key, secret = settings.api_key.get_secret_value(), settings.api_secret.get_secret_value()
        if not (settings.is_sandbox and key == SANDBOX):  # the sandbox placeholder is no secret
            for value in (key, _segment(key), base64.b64encode(f"{key}:{secret}".encode()).decode()):
                context.redactor.add(value)
        if not (settings.is_sandbox and secret == SANDBOX):
            context.redactor.add(secret)
        self.settings = settings
        self._redact = context.redactor
        self._key = _segment(key)
        self.api = ApiClient(settings, "sessionm", context, DEFAULT_RATE_LIMIT,
                             auth=httpx.BasicAuth(key, secret), sandbox_host=SANDBOX_HOST)

    def _path(self, template: str, **segments: str) -> str:
        return template.format(api_key=self._key, **{k: _segment(v) for k, v in segments.items()})

    def list_campaigns(self) -> list[dict[str, Any]]:
        response = self.api.request("GET", self._path(self.settings.list_path))
        body = checked(response, "list campaigns", self._redact)
        # an account with no campaign answers `"campaigns": []`; anything else is not "none"
        return expect_objects(body.get("campaigns"), "SessionM list campaigns", "'campaigns' to be a list of objects")

    def create_campaign(self, attributes: dict[str, Any]) -> dict[str, Any]:
        response = self.api.request("POST", self._path(self.settings.create_path),
                                    **json_request({"campaign": attributes}))
        action = f"create campaign {attributes.get('external_id')!r}"
        campaign = checked(response, action, self._redact).get("campaign")
        if not isinstance(campaign, dict) or "id" not in campaign:
            raise SessionMError("create campaign: the answer is \"ok\" but carries no campaign id",
                                code="malformed_response", status=response.status_code)
        return campaign

    def campaign_info(self, campaign_id: str) -> dict[str, Any] | None:
        """The info of one campaign by SessionM id; None when SessionM knows no such campaign."""
        return self._info(self._path(self.settings.info_path, campaign_id=campaign_id), f"id {campaign_id}")

    def campaign_info_by_permalink(self, permalink: str) -> dict[str, Any] | None:
        """The info of one campaign by permalink (our key); None when there is none."""
        return self._info(self._path(self.settings.lookup_path, permalink=permalink), repr(permalink))

    def _info(self, path: str, what: str) -> dict[str, Any] | None:
        try:
            body = checked(self.api.request("GET", path), f"campaign info {what}", self._redact)
        except SessionMError as error:
            if error.not_found:
                return None
            raise
        campaign = body.get("campaign")
        return campaign if isinstance(campaign, dict) else None

    def close(self) -> None:
        self.api.close()
