"""SessionM errors: HTTP 200 with `{"status": "error", "errors": {"code", "message"}}`, or 401/404/5xx
with the same envelope. Codes come in upper or lower case, so they are compared case-insensitively."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from provisioner.errors import ProviderError
from provisioner.providers.wire import loads

if TYPE_CHECKING:  # annotations only: httpx loads when a client is built, not when a plugin's schema is read
    import httpx

# What the info endpoints answer for an unknown id or permalink (a 200), and the generic 404 code.
NOT_FOUND = frozenset({"no_active_campaign_found", "not_found"})


class SessionMError(ProviderError):
    """A request SessionM refused; `code` is the platform's own, as it sent it."""

    def has_code(self, *codes: str) -> bool:
        return (self.code or "").lower() in {c.lower() for c in codes}

    @property
    def not_found(self) -> bool:
        return (self.code or "").lower() in NOT_FOUND


def checked(response: httpx.Response, action: str,
            redact: Callable[[str], str] = lambda text: text) -> dict[str, Any]:
    """The body of an answer whose `status` is "ok"; anything else raises SessionMError.

    A 200 is not a success by itself: SessionM reports method errors inside a 200. `redact` cleans
    the message, which may echo the request path and so the api_key.
    """
    body = loads(response)
    if response.status_code < 300 and isinstance(body, dict) and str(body.get("status", "")).lower() == "ok":
        return body
    code, message = _problem(body)
    if code is None:
        code = f"http_{response.status_code}" if response.status_code >= 300 else "malformed_response"
        message = message or "the answer has no status \"ok\" and no error code"
    text = redact(f"{action}: HTTP {response.status_code} {code}: {message or 'error'}")
    raise SessionMError(text, code=code, status=response.status_code)


def _problem(body: Any) -> tuple[str | None, str | None]:
    if not isinstance(body, dict):
        return None, None
    errors = body.get("errors")
    if isinstance(errors, list) and errors:  # the docs say object; tolerate an array of them
        errors = errors[0]
    if isinstance(errors, dict):
        code = errors.get("code")
        return (str(code) if code else None), (str(errors["message"]) if errors.get("message") else None)
    if isinstance(errors, str):
        return errors, None
    return None, None
