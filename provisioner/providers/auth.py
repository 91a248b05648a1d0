"""httpx.Auth flows for the platforms' token logins: fetch a token when there is none or it has
expired, send it, and on a 401 fetch a new one once and resend (httpx's generator auth flow)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Generator
from typing import Any

import httpx

from provisioner.errors import ProviderError
from provisioner.providers.wire import describe, loads

EXPIRY_MARGIN_SECONDS = 30  # renew a little early so a token never expires mid-request
# ... but never more than this share of the token's lifetime: a 20-second token with a 30-second
# margin would be "expired" on arrival and every request would log in first. A quarter keeps 3/4
# of any lifetime usable while still renewing ahead of a request slower than a quarter of it.
EXPIRY_MARGIN_SHARE = 0.25
DEFAULT_LIFETIME_SECONDS = 3600.0  # when the answer does not say (the platforms' documented hour)


def renewal_delay(lifetime: float) -> float:
    """Seconds after a login when its token is renewed: the lifetime less the margin."""
    return max(0.0, lifetime - min(EXPIRY_MARGIN_SECONDS, lifetime * EXPIRY_MARGIN_SHARE))


def _seconds(lifetime: Any) -> float:
    """`expires_in` as sent (a number, or a numeric string on some servers); the default hour when
    it is missing, not a number or not positive (as `lifetime or 3600` always did for 0)."""
    if isinstance(lifetime, bool):
        return DEFAULT_LIFETIME_SECONDS
    try:
        seconds = float(lifetime)
    except (TypeError, ValueError):
        return DEFAULT_LIFETIME_SECONDS
    if not 0 < seconds < float("inf"):  # also NaN: not a lifetime
        return DEFAULT_LIFETIME_SECONDS
    return seconds


class TransientLoginError(ProviderError):
    """The token endpoint was rate limited or failed: retry the whole request later."""


class TokenLogin(httpx.Auth):
    """Base flow. Subclasses say how to ask for a token and how to attach it."""

    # False: httpx would otherwise read every answer whole before the flow sees it, a streamed one
    # too (http.py ApiClient.stream); only the login's answer is read for its body (_login)
    requires_response_body = False

    def __init__(self, on_token: Callable[[str], None]) -> None:
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = threading.Lock()
        # one login at a time: instances sharing this login (providers/http.py SharedCredentials)
        # start together, and all but the first wait for its token instead of logging in again
        self._login_lock = threading.Lock()
        self._on_token = on_token  # registers the token with the redactor

    def clock(self) -> float:
        """Monotonic seconds (a method so that tests can give an instance a fake clock)."""
        return time.monotonic()

    def token_request(self, origin: str) -> httpx.Request:
        raise NotImplementedError  # pragma: no cover

    def parse_token(self, body: Any) -> tuple[Any, Any]:
        """(token, lifetime in seconds) as the answer has them; checked by the caller."""
        raise NotImplementedError  # pragma: no cover

    def attach(self, request: httpx.Request, token: str) -> None:
        request.headers["Authorization"] = f"Bearer {token}"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        origin = f"{request.url.scheme}://{request.url.netloc.decode('ascii')}"
        token = self._current()
        if token is None:
            token = yield from self._login_once(origin, None)
        self.attach(request, token)
        response = yield request
        if response.status_code == 401:
            token = yield from self._login_once(origin, token)
            self.attach(request, token)
            yield request

    def _login_once(self, origin: str, refused: str | None) -> Generator[httpx.Request, httpx.Response, str]:
        """Log in unless another thread already did while this one waited: a valid token other than
        `refused` (the one the platform just answered 401 to) is used as it is. httpx closes the
        flow on any error, which releases the lock."""
        with self._login_lock:
            token = self._current()
            if token is not None and token != refused:
                return token
            return (yield from self._login(origin))

    def _current(self) -> str | None:
        with self._lock:
            if self._token and self.clock() < self._expires_at:
                return self._token
            return None

    def _login(self, origin: str) -> Generator[httpx.Request, httpx.Response, str]:
        response = yield self.token_request(origin)
        response.read()
        body = loads(response)
        if response.status_code == 429 or response.status_code >= 500:
            # Nothing was done for us: the request this login was for may be sent again.
            raise TransientLoginError(f"login failed: HTTP {response.status_code}", code="login-unavailable",
                                      status=response.status_code)
        if response.status_code >= 400 or not isinstance(body, dict):
            raise ProviderError(f"login failed: HTTP {response.status_code}", code="authentication",
                                status=response.status_code)
        token, lifetime = self.parse_token(body)
        if not isinstance(token, str) or not token:
            raise ProviderError(f"login failed: the answer carries no token ({describe(token)})",
                                code="authentication", status=response.status_code)
        self._on_token(token)
        with self._lock:
            self._token = token
            self._expires_at = self.clock() + renewal_delay(_seconds(lifetime))
        return token

    def forget(self) -> str | None:
        with self._lock:
            token, self._token = self._token, None
            return token


class OAuthClientCredentials(TokenLogin):
    """OAuth2 client-credentials grant, form-encoded (Criteo)."""

    def __init__(self, token_path: str, client_id: str, client_secret: str,
                 on_token: Callable[[str], None]) -> None:
        super().__init__(on_token)
        self._path, self._id, self._secret = token_path, client_id, client_secret

    def token_request(self, origin: str) -> httpx.Request:
        return httpx.Request("POST", origin + self._path, data={
            "client_id": self._id, "client_secret": self._secret, "grant_type": "client_credentials"})

    def parse_token(self, body: Any) -> tuple[Any, Any]:
        return body.get("access_token"), body.get("expires_in")


class JsonLogin(TokenLogin):
    """POST a JSON credentials document; the answer's `token_field` is the token.

    `header` None sends `Authorization: Bearer <token>` (Targeter); a name sends the raw token
    in that header (Skala's `token:` header).
    """

    def __init__(self, path: str, credentials: dict[str, str], token_field: str,
                 on_token: Callable[[str], None], header: str | None = None) -> None:
        super().__init__(on_token)
        self._path, self._credentials, self._field, self._header = path, credentials, token_field, header

    def token_request(self, origin: str) -> httpx.Request:
        return httpx.Request("POST", origin + self._path, json=self._credentials)

    def parse_token(self, body: Any) -> tuple[Any, Any]:
        return body.get(self._field), body.get("expires_in")

    def attach(self, request: httpx.Request, token: str) -> None:
        if self._header:
            request.headers[self._header] = token
        else:
            super().attach(request, token)
