"""Targeter partner endpoints (api-contracts.md §1): a JSON token login and the one campaign call,
POST /api/campaign, which creates the campaign source or retrieves the existing one by reference_id."""

from __future__ import annotations

from typing import Any

from provisioner.providers.auth import JsonLogin
from provisioner.providers.base import SANDBOX, RateLimit
from provisioner.providers.http import ApiClient, HttpContext, shared_login
from provisioner.providers.targeter.errors import raise_for_error
from provisioner.providers.targeter.schema import TargeterSettings
from provisioner.providers.wire import json_request, loads

TOKEN_PATH = "/api/auth/token"
CAMPAIGN_PATH = "/api/campaign"
# Targeter says rate limits are "not yet implemented"; we stay at our default (api-contracts §8).
DEFAULT_RATE_LIMIT = RateLimit(requests=10, per_seconds=1)


class TargeterClient:
    def __init__(self, settings: TargeterSettings, context: HttpContext) -> None:
        key, secret = settings.api_key.get_secret_value(), settings.api_secret.get_secret_value()
        for value in (key, secret):
            if value != SANDBOX:  # the loader's placeholder for the sandbox, not a secret
                context.redactor.add(value)
        # The login is lazy (first request) and repeated when the 1-hour token expires or on a 401;
        # every token is registered with the redactor as it arrives.
        auth = shared_login(context, "targeter", settings, lambda: JsonLogin(
            TOKEN_PATH, {"api_key": key, "api_secret": secret}, "access_token", context.redactor.add))
        self.api = ApiClient(settings, "targeter", context, DEFAULT_RATE_LIMIT, auth=auth,
                             sandbox_host="https://sandbox.targeter.tech")

    def create_or_retrieve(self, source: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """(status, body): 200 when a campaign exists for source.reference_id, 201 when it was started."""
        # idempotent=True on purpose: the endpoint is create-or-retrieve on reference_id, so a POST
        # whose answer was lost (timeout, dropped connection, 5xx) is repeated, and the repeat answers
        # 200 for a campaign the first attempt made: never a duplicate, and no ambiguous outcome left
        # for a lookup that this API could not do anyway. The cost: a 201 lost that way comes back as
        # the 200 form (a link only), so its campaign_id/ad_creation_link are not known.
        response = self.api.request("POST", CAMPAIGN_PATH, idempotent=True, **json_request({"source": source}))
        raise_for_error(response, "create or retrieve campaign")
        body = loads(response)
        return response.status_code, body if isinstance(body, dict) else {}

    def close(self) -> None:
        self.api.release_login()  # Targeter has no logout: the token dies with its lifetime
        self.api.close()
