"""Skala errors: HTTP 4xx/5xx with `{"error": message}` (api-contracts.md §8). The gateway has no
error codes, so the code is the status's meaning; a 403 names the user-level right that is missing."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from provisioner.errors import ProviderError
from provisioner.providers.wire import loads

if TYPE_CHECKING:  # annotations only: httpx loads when a client is built, not when a plugin's schema is read
    import httpx

CODES = {400: "bad-request", 401: "unauthorized", 403: "forbidden", 404: "not-found", 409: "conflict",
         429: "rate-limited"}


def error_text(response: httpx.Response) -> str:
    body: Any = loads(response)
    if isinstance(body, dict) and body.get("error"):
        return str(body["error"])
    return response.reason_phrase or "error"


def raise_for_error(response: httpx.Response, action: str, needs: str | None = None) -> None:
    """Raise ProviderError for a refused request; `needs` is the right the call requires."""
    if response.status_code < 400:
        return
    status = response.status_code
    message = f"{action}: HTTP {status} {error_text(response)}"
    if status == 403 and needs:
        message += f" (this login lacks the right: {needs})"
    raise ProviderError(message, code=CODES.get(status, f"http_{status}"), status=status)
