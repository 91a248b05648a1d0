"""Topsort errors: a JSON array of {errCode, docUrl, message?}; dispatch on errCode, never message."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from provisioner.errors import ProviderError
from provisioner.providers.wire import loads

if TYPE_CHECKING:  # annotations only: httpx loads when a client is built, not when a plugin's schema is read
    import httpx


def raise_for_error(response: httpx.Response, action: str) -> None:
    if response.status_code < 400:
        return
    body: Any = loads(response)
    codes, messages = [], []
    if isinstance(body, list):
        for item in body:
            if isinstance(item, dict):
                codes.append(str(item.get("errCode", "unknown")))
                if item.get("message"):
                    messages.append(str(item["message"]))
    elif isinstance(body, dict):  # 401/403 use {"error", "message"}
        codes.append(str(body.get("error", "error")))
        if body.get("message"):
            messages.append(str(body["message"]))
    code = ",".join(codes) or f"http_{response.status_code}"
    detail = "; ".join(messages) or response.reason_phrase
    raise ProviderError(f"{action}: HTTP {response.status_code} {code}: {detail}", code=code,
                        status=response.status_code)
