"""Targeter errors: an HTTP status plus `{"error": text, "details"?: [{path, message}]}`.

Targeter sends no error codes of its own, so the code is the status (`http_400`, `http_401`, ...)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from provisioner.errors import ProviderError
from provisioner.providers.wire import loads

if TYPE_CHECKING:  # annotations only: httpx loads when a client is built, not when a plugin's schema is read
    import httpx


def _detail_text(detail: Any) -> str | None:
    if not isinstance(detail, dict) or not detail.get("message"):
        return None
    path = detail.get("path")
    where = ".".join(str(part) for part in path) if isinstance(path, list) else ""
    return f"{where}: {detail['message']}" if where else str(detail["message"])


def raise_for_error(response: httpx.Response, action: str) -> None:
    if response.status_code < 400:
        return
    body = loads(response)
    error = body.get("error") if isinstance(body, dict) else None
    message = str(error) if error else response.reason_phrase
    details = body.get("details") if isinstance(body, dict) else None
    texts = [t for t in map(_detail_text, details if isinstance(details, list) else []) if t]
    if texts:
        message += f" ({'; '.join(texts)})"
    status = response.status_code
    raise ProviderError(f"{action}: HTTP {status}: {message}", code=f"http_{status}", status=status)
