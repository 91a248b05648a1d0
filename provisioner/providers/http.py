"""The one HTTP client every provider uses: TLS on, short timeouts, retries with backoff and
jitter, the platforms' rate-limit headers, a client-side rate limit, and secret redaction.

Requests that are not safe to repeat (creates) are never retried once they may have reached the
platform; the caller gets AmbiguousOutcomeError and looks the campaign up instead.
"""

from __future__ import annotations

import hashlib
import logging
import random
import ssl
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

import httpx

from provisioner.errors import AmbiguousOutcomeError, ProviderError
from provisioner.providers.auth import TokenLogin, TransientLoginError
from provisioner.providers.base import SANDBOX, ProviderSettings, RateLimit

RETRYABLE_STATUS = frozenset({500, 502, 503, 504})
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "PATCH"})
MAX_RATE_LIMIT_WAIT = 60.0
BACKOFF_BASE, BACKOFF_CAP = 0.2, 8.0
REDACTED = "***"


class Redactor:
    """Replaces every registered secret value in text: used on all messages that leave a provider."""

    def __init__(self) -> None:
        self._secrets: set[str] = set()
        self._lock = threading.Lock()

    def add(self, value: str | None) -> None:
        # Shorter values would redact ordinary words; "sandbox" is the placeholder credential of
        # the in-process emulators, not a secret.
        if value and len(value) >= 4 and value != "sandbox":
            with self._lock:
                self._secrets.add(value)

    def __call__(self, text: str) -> str:
        for secret in sorted(self._secrets, key=len, reverse=True):
            text = text.replace(secret, REDACTED)
        return text


class _RedactedLog(logging.Filter):
    """httpx logs every request line at INFO, URL included; a key in a path must not reach a log."""

    def __init__(self, redact: Callable[[str], str]) -> None:
        super().__init__()
        self._redact = redact

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = self._redact(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


HTTPX_LOGGER = logging.getLogger("httpx")


@dataclass
class RequestStats:
    requests: int = 0
    retries: int = 0
    rate_limited: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def count(self, outcome: str, retry: bool) -> None:
        with self._lock:
            self.requests += 1
            self.retries += int(retry)
            self.rate_limited += int(outcome == "429")
            self.by_status[outcome] = self.by_status.get(outcome, 0) + 1


@dataclass
class HttpContext:
    """What providers get from the engine when they connect: the redactor, counters, the sleep
    function, and the transport to the platform (None: real HTTPS). For `base_url: sandbox` the
    engine puts the in-process emulator's transport here; a provider never asks what it is."""

    redactor: Redactor = field(default_factory=Redactor)
    stats: RequestStats = field(default_factory=RequestStats)
    sleep: Callable[[float], None] = time.sleep
    max_total_seconds: float = 120.0  # a single logical request never retries past this
    transport: httpx.BaseTransport | None = None
    # what instances of one run share per platform credential (one limiter, one token); the engine's
    # Sessions sets it, None gives each client its own (a session connected on its own)
    shared: SharedCredentials | None = None


class _Slot:
    """One request's place in the limiter's log: when its outcome was known (None: still in flight)."""

    __slots__ = ("done",)

    def __init__(self) -> None:
        self.done: float | None = None


class ClientRateLimiter:
    """At most `requests` per `per_seconds` window as the platform counts them, whatever the delays
    on the way: request i may start only `per_seconds` after request i-L *finished* (its answer, or
    its failure, came back). The platform saw request i-L before it answered, and sees request i
    after it was sent, so any window of the platform's (fixed or sliding, wherever it starts) holds
    at most L of them. Paced from the planned starts instead (as before), a request that left late
    (a loaded core, a busy GIL, a slow server thread) let the next window's request land in its
    window, which a 2 % margin could not cover. This costs one round trip per window.

    A 429 pauses the limiter until the platform's reset (`pause_until`): every instance sharing it
    waits, not only the request that was refused."""

    SAFETY = 1.005  # clock granularity between processes; the ordering above does the real work

    def __init__(self, limit: RateLimit, sleep: Callable[[float], None],
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._limit = limit.requests
        self._window = limit.per_seconds * self.SAFETY
        self._slots: deque[_Slot] = deque()
        self._changed = threading.Condition()
        self._sleep = sleep
        self._clock = clock
        self._paused_until = 0.0

    def tighten(self, limit: RateLimit) -> None:
        """Also keep within `limit` (another instance's setting for the same credential)."""
        with self._changed:
            self._limit = min(self._limit, limit.requests)
            self._window = max(self._window, limit.per_seconds * self.SAFETY)

    def acquire(self) -> _Slot:
        """Wait for a start within the limit; the caller hands the slot to `release` once the
        request's outcome is known (an answer, an error or a timeout)."""
        slot = _Slot()
        with self._changed:
            before = self._slots[-self._limit] if len(self._slots) >= self._limit else None
            self._slots.append(slot)  # take a place in line; later callers queue behind it
            while len(self._slots) > self._limit:
                self._slots.popleft()
            while before is not None and before.done is None:
                self._changed.wait()  # L requests in flight: the next window starts after one ends
        earliest = before.done + self._window if before is not None and before.done is not None else 0.0
        start = max(earliest, self._paused_until)
        while True:
            now = self._clock()
            if start > now:
                self._sleep(start - now)
            if self._paused_until <= start:
                return slot
            start = self._paused_until  # a 429 paused the limiter while this request waited

    def release(self, slot: _Slot) -> None:
        with self._changed:
            slot.done = self._clock()
            self._changed.notify_all()

    def pause_until(self, moment: float) -> None:
        """No request starts before `moment` (this limiter's clock): the platform answered 429."""
        with self._changed:
            self._paused_until = max(self._paused_until, moment)

    def clock(self) -> float:
        return self._clock()


Login = TypeVar("Login", bound=TokenLogin)


@dataclass(frozen=True)
class CredentialKey:
    """Who the platform counts requests against: the platform, where it is reached and a SHA-256
    of the credential's values (the values themselves are never kept)."""

    platform: str
    base_url: str
    digest: str

    @classmethod
    def of(cls, platform: str, settings: ProviderSettings) -> CredentialKey:
        hashed = hashlib.sha256()
        for name in type(settings).credentials:
            value: Any = getattr(settings, name, None)
            text = value.get_secret_value() if hasattr(value, "get_secret_value") else value
            hashed.update(f"{name}\0{text}\0".encode())
        return cls(platform, settings.base_url, hashed.hexdigest())


class SharedCredentials:
    """What the provider instances of one run share per platform credential: platforms count rate
    limits per API key or OAuth application (Criteo's 250 calls a minute are per application,
    across its advertisers), and one login's token serves every instance under it. An agency
    workspace declares one instance per advertiser or vendor under one key: they share one
    `ClientRateLimiter` and one token login; the last session to let go of a login ends it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._limiters: dict[CredentialKey, ClientRateLimiter] = {}
        self._logins: dict[CredentialKey, TokenLogin] = {}
        self._holders: dict[CredentialKey, int] = {}
        self._tls: ssl.SSLContext | None = None

    def tls(self) -> ssl.SSLContext:
        """One verifying TLS context for every client of the run: loading the CA bundle takes tens of
        milliseconds, and an agency workspace connects one client per advertiser or vendor."""
        with self._lock:
            if self._tls is None:
                self._tls = httpx.create_ssl_context(verify=True)
            return self._tls

    def limiter(self, key: CredentialKey, limit: RateLimit, sleep: Callable[[float], None]) -> ClientRateLimiter:
        """The credential's limiter; instances that declare different limits get the strictest."""
        with self._lock:
            limiter = self._limiters.get(key)
            if limiter is None:
                limiter = self._limiters[key] = ClientRateLimiter(limit, sleep)
            else:
                limiter.tighten(limit)
            return limiter

    def login(self, key: CredentialKey, make: Callable[[], Login]) -> Login:
        """The credential's token login (made by the first instance), held until `release`."""
        with self._lock:
            login = self._logins.get(key)
            if login is None:
                login = self._logins[key] = make()
            self._holders[key] = self._holders.get(key, 0) + 1
            return cast(Login, login)  # one key is always one platform's login class

    def release(self, key: CredentialKey) -> bool:
        """One holder lets go of the login; True for the last one (it may end the login: logout)."""
        with self._lock:
            left = self._holders.get(key, 0) - 1
            if left > 0:
                self._holders[key] = left
                return False
            self._holders.pop(key, None)
            self._logins.pop(key, None)
            return True


def shared_login(context: HttpContext, platform: str, settings: ProviderSettings, make: Callable[[], Login]) -> Login:
    """The token login of `settings`' credential: shared with the run's other instances under the
    same credential (one login for all of them), or a login of its own outside a run."""
    if context.shared is None:
        return make()
    return context.shared.login(CredentialKey.of(platform, settings), make)


def _tls_for(base_url: str, context: HttpContext) -> ssl.SSLContext | bool:
    """The client's TLS settings: certificates always verified. A plain-http base URL (allowed to a
    loopback host only) never makes a TLS connection, so it gets a verifying context that trusts no
    certificate instead of the CA bundle, whose loading costs ~20 ms of CPU: an https URL sent
    through it by mistake fails closed."""
    if base_url.startswith("http://"):
        return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # check_hostname and CERT_REQUIRED, no CA loaded
    return context.shared.tls() if context.shared else True


class ApiClient:
    """httpx.Client plus the retry policy; one per provider instance, shared by its threads."""

    def __init__(self, settings: ProviderSettings, platform: str, context: HttpContext,
                 default_rate_limit: RateLimit, auth: httpx.Auth | None = None,
                 sandbox_host: str = "", transport: httpx.BaseTransport | None = None) -> None:
        self.context = context
        self.platform = platform
        self.max_retries = settings.max_retries
        limit = settings.rate_limit or default_rate_limit
        self.credential = CredentialKey.of(platform, settings)
        self._released = False
        self.limiter = context.shared.limiter(self.credential, limit, context.sleep) if context.shared \
            else ClientRateLimiter(limit, context.sleep)
        timeout = httpx.Timeout(settings.timeout_seconds, connect=min(5.0, settings.timeout_seconds))
        transport = transport or context.transport
        if settings.is_sandbox:
            if transport is None:
                raise ProviderError(f"{platform}: base_url '{SANDBOX}' needs the in-process emulator, which "
                                    "the engine provides when it connects a provider")
            base_url = sandbox_host or f"https://{platform}.sandbox.invalid"  # the emulator ignores the host
        else:
            base_url = settings.base_url
        if transport is None:
            transport = httpx.HTTPTransport(verify=_tls_for(base_url, context), retries=0)
        self._log_filter = _RedactedLog(context.redactor)
        HTTPX_LOGGER.addFilter(self._log_filter)
        self.http = httpx.Client(base_url=base_url, transport=transport, timeout=timeout,
                                 auth=auth, follow_redirects=False,
                                 headers={"user-agent": "provisioner/0.1"})

    def release_login(self) -> bool:
        """This client is done with its credential's login (see `shared_login`); True when no other
        instance of the run still uses it, so that ending the login (a logout) is safe."""
        if self._released:
            return False
        self._released = True
        return self.context.shared.release(self.credential) if self.context.shared else True

    def close(self) -> None:
        self.http.close()
        HTTPX_LOGGER.removeFilter(self._log_filter)

    def request(self, method: str, path: str, *, idempotent: bool | None = None,
                **kwargs: Any) -> httpx.Response:
        """Send with retries; returns any response that is not a retryable failure."""
        safe = method.upper() in IDEMPOTENT_METHODS if idempotent is None else idempotent
        response, _slot, _attempt = self._send(method, path, safe, time.monotonic() + self.context.max_total_seconds,
                                               0, False, kwargs)
        return response

    def stream(self, method: str, path: str, check: Callable[[httpx.Response], None], *,
               idempotent: bool | None = None, **kwargs: Any) -> StreamedAnswer:
        """`request`, with a successful (2xx) answer's body left to be read as it arrives
        (StreamedAnswer.chunks). Any other answer is read whole and goes the way `request` takes it;
        `check` is what the caller does with an answer (raise for an error status), done here for
        the first one and for any answer sent again when the connection fails mid-body."""
        safe = method.upper() in IDEMPOTENT_METHODS if idempotent is None else idempotent
        deadline = time.monotonic() + self.context.max_total_seconds
        response, slot, attempt = self._send(method, path, safe, deadline, 0, True, kwargs)
        answer = StreamedAnswer(self, method, path, safe, deadline, attempt, kwargs, check, response, slot)
        try:
            check(response)
        except BaseException:
            answer.close()
            raise
        return answer

    def _open(self, method: str, path: str, kwargs: dict[str, Any]) -> httpx.Response:
        """The request sent, its answer's body not read yet (httpx.Client.request without the read)."""
        options = dict(kwargs)
        auth = options.pop("auth", httpx.USE_CLIENT_DEFAULT)
        return self.http.send(self.http.build_request(method, path, **options), auth=auth, stream=True)

    def _send(self, method: str, path: str, safe: bool, deadline: float, attempt: int, stream: bool,
              kwargs: dict[str, Any]) -> tuple[httpx.Response, _Slot | None, int]:
        """The retry loop: the answer, and with `stream` the limiter's slot of a 2xx answer whose body
        is still to be read (the request ends with it: the caller releases the slot then)."""
        while True:
            slot = self.limiter.acquire()
            open_body = False
            try:
                try:
                    if stream:
                        response = self._open(method, path, kwargs)
                        open_body = 200 <= response.status_code < 300
                        if not open_body:
                            try:
                                response.read()  # anything but a success is read whole, as before
                            finally:
                                response.close()
                    else:
                        response = self.http.request(method, path, **kwargs)
                    if not open_body:
                        # httpx binds a response's stream to the response, a reference cycle: with the
                        # collector paused while a plan reads (collector.py), every answer lived until
                        # the plan was made (Skala's orders: 53 MB at 50,000). The body is read by now;
                        # a plain stream over it breaks the cycle, so the answer goes when its reader does.
                        response.stream = httpx.ByteStream(response.content)
                finally:
                    if not open_body:
                        self.limiter.release(slot)  # answered or failed: the platform has seen it by now
            except TransientLoginError as error:
                # The login failed, so the request itself was never sent: always safe to repeat.
                self.context.stats.count("login-retry", attempt > 0)
                if attempt >= self.max_retries or time.monotonic() > deadline:
                    raise ProviderError(self.context.redactor(str(error)), code=error.code,
                                        status=error.status) from None
            except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as error:
                # The request never reached the platform: repeating it is always safe.
                self.context.stats.count("connect-error", attempt > 0)
                if attempt >= self.max_retries or time.monotonic() > deadline:
                    raise ProviderError(self._describe(method, path, error)) from None
            except httpx.TransportError as error:
                self._no_answer(method, path, safe, deadline, attempt, error)
            else:
                if open_body:
                    return response, slot, attempt  # a success: counted once its body is read
                self.context.stats.count(str(response.status_code), attempt > 0)
                if not self._should_retry(response, safe, attempt, deadline):
                    if response.status_code in RETRYABLE_STATUS and not safe:
                        raise AmbiguousOutcomeError(
                            f"{method} {self._redact_path(path)}: HTTP {response.status_code}; the "
                            "platform may or may not have applied it", status=response.status_code)
                    return response, None, attempt
                if response.status_code == 429:
                    wait = self._rate_limit_wait(response, attempt)
                    # every instance under this credential holds off until the platform's reset
                    self.limiter.pause_until(self.limiter.clock() + wait)
                    self.context.sleep(wait)
                    attempt += 1
                    continue
            self.context.sleep(self._backoff(attempt))
            attempt += 1

    def _no_answer(self, method: str, path: str, safe: bool, deadline: float, attempt: int,
                   error: httpx.TransportError) -> None:
        """The request was sent and its answer (or the rest of it) never came: raise unless it may
        be sent again (the caller then backs off and repeats it whole)."""
        self.context.stats.count("no-answer", attempt > 0)
        if not safe:
            raise AmbiguousOutcomeError(self._describe(method, path, error)) from None
        if attempt >= self.max_retries or time.monotonic() > deadline:
            raise ProviderError(self._describe(method, path, error)) from None

    def _should_retry(self, response: httpx.Response, safe: bool, attempt: int, deadline: float) -> bool:
        if attempt >= self.max_retries or time.monotonic() > deadline:
            return False
        if response.status_code == 429:
            return True  # the platform refused before doing anything
        return safe and response.status_code in RETRYABLE_STATUS

    @staticmethod
    def _backoff(attempt: int) -> float:
        return random.uniform(0, min(BACKOFF_CAP, BACKOFF_BASE * 2 ** attempt))  # full jitter

    def _rate_limit_wait(self, response: httpx.Response, attempt: int) -> float:
        retry_after = response.headers.get("retry-after")
        if retry_after and retry_after.strip().isdigit():
            return min(float(retry_after), MAX_RATE_LIMIT_WAIT)
        reset = response.headers.get("x-ratelimit-reset")
        if reset:
            try:
                wait = float(reset) - time.time()
            except ValueError:
                wait = -1
            if wait >= 0:
                return min(wait + random.uniform(0, 0.1), MAX_RATE_LIMIT_WAIT)
        return self._backoff(attempt)

    def _redact_path(self, path: str) -> str:
        return self.context.redactor(path)

    def _describe(self, method: str, path: str, error: Exception) -> str:
        return self.context.redactor(f"{method} {path}: {type(error).__name__}: {error}")


class StreamedAnswer:
    """A successful answer whose body is read as it arrives (ApiClient.stream); the request, and the
    limiter's slot it holds, end when the body is read to its end or `close`d.

    A connection that fails mid-body is handled as `request` handles it (a failure before the
    answer was read): the whole request is sent again with the same retries and limits. The bytes
    already given are not given twice: the new answer's first bytes are checked against them (a
    SHA-256) and skipped; an answer that changed in between is an error, never a mix of two."""

    def __init__(self, api: ApiClient, method: str, path: str, safe: bool, deadline: float, attempt: int,
                 kwargs: dict[str, Any], check: Callable[[httpx.Response], None], response: httpx.Response,
                 slot: _Slot | None) -> None:
        self._api = api
        self._method, self._path, self._safe, self._deadline = method, path, safe, deadline
        self._attempt, self._kwargs, self._check = attempt, kwargs, check
        self.response = response  # the latest answer: its status and headers
        self._slot = slot

    def close(self) -> None:
        """End the request: the body is finished or abandoned (idempotent)."""
        self.response.close()
        if self._slot is not None:
            slot, self._slot = self._slot, None
            self._api.limiter.release(slot)

    def chunks(self) -> Iterator[bytes]:
        """The body's bytes in order, each once, across connections that fail mid-body."""
        api = self._api
        taken, digest = 0, hashlib.sha256()  # the bytes given so far
        try:
            while True:
                skip, again = taken, hashlib.sha256()  # a new answer's bytes that were given already
                try:
                    for chunk in self.response.iter_bytes():
                        if skip:
                            head, chunk = chunk[:skip], chunk[skip:]
                            again.update(head)
                            skip -= len(head)
                            if not skip and again.digest() != digest.digest():
                                raise self._changed()
                        if chunk:
                            digest.update(chunk)
                            taken += len(chunk)
                            yield chunk
                except httpx.TransportError as error:
                    self.close()
                    api._no_answer(self._method, self._path, self._safe, self._deadline, self._attempt, error)
                    api.context.sleep(api._backoff(self._attempt))
                    self.response, self._slot, self._attempt = api._send(
                        self._method, self._path, self._safe, self._deadline, self._attempt + 1, True, self._kwargs)
                    self._check(self.response)
                    continue
                if skip:
                    raise self._changed()  # shorter than what was given
                api.context.stats.count(str(self.response.status_code), self._attempt > 0)
                return
        finally:
            self.close()

    def _changed(self) -> ProviderError:
        return ProviderError(self._api.context.redactor(
            f"{self._method} {self._path}: the connection failed mid-answer, and the answer sent again "
            "differs from the part already read; run again"))
