"""The machinery every emulator shares: request/response values, routing, faults and persistence.

An emulator is a backend (state + platform rules, no HTTP) plus a route table mapping
method + path regex to handlers; `Emulator.handle` adds rate limits and fault injection. A platform
declares its backend factory, its documented rate limit and its routes; the base class builds the rest.
"""

from __future__ import annotations

import json
import math
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, Protocol, TypeVar
from urllib.parse import parse_qs

from provisioner.sandbox.faults import FaultInjector, FaultKind, RateLimiter
from provisioner.sandbox.store import Store


@dataclass
class PlatformRequest:
    """One HTTP request as the platform sees it."""

    method: str
    path: str
    query: dict[str, list[str]] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names
    body: bytes = b""

    @classmethod
    def build(cls, method: str, target: str, headers: dict[str, str], body: bytes) -> PlatformRequest:
        path, _, qs = target.partition("?")
        lowered = {k.lower(): v for k, v in headers.items()}
        return cls(method.upper(), path, parse_qs(qs, keep_blank_values=True), lowered, body)

    def json(self) -> Any:
        """The JSON body; raises PlatformError-friendly ValueError when it is not JSON."""
        return json.loads(self.body.decode("utf-8"))

    def param(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None


@dataclass
class PlatformResponse:
    """One HTTP response; `body` is JSON-serialised unless it is already bytes."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)

    def encoded(self) -> bytes:
        if self.body is None:
            return b""
        if isinstance(self.body, bytes):
            return self.body
        return json.dumps(self.body).encode("utf-8")

    def all_headers(self) -> dict[str, str]:
        headers = dict(self.headers)
        if self.body is not None and not isinstance(self.body, bytes):
            headers.setdefault("content-type", "application/json")
        return headers


class PlatformError(Exception):
    """Raised by backends and handlers: becomes the platform's own error response."""

    def __init__(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        super().__init__(f"{status}: {body}")
        self.response = PlatformResponse(status, body, headers or {})


Handler = Callable[..., PlatformResponse]


# A named group of a route's path regex, e.g. `(?P<campaign_id>[^/]+)`: the `{campaign_id}` of the docs.
_GROUP = re.compile(r"\(\?P<(\w+)>[^()]*\)")
_REGEX_SYNTAX = re.compile(r"[\\^$.|?*+()\[\]]")


@dataclass
class Route:
    method: str
    pattern: re.Pattern[str]
    handler: Handler
    creates: bool = False  # it makes a new object: the requests the commit-late fault delays

    @property
    def template(self) -> str:
        """The path as the docs write it: `/campaigns/{campaign_id}`."""
        return _GROUP.sub(r"{\1}", self.pattern.pattern)


class Router:
    """Method + full-match path regex → handler(request, **groups)."""

    def __init__(self) -> None:
        self.routes: list[Route] = []

    def add(self, method: str, pattern: str, handler: Handler, creates: bool = False) -> None:
        """Route `method pattern`; the pattern is literal path text and named groups only, so that it
        reads as the documented endpoint (COVERAGE.md is compared with `Route.template`)."""
        route = Route(method.upper(), re.compile(pattern), handler, creates)
        if _REGEX_SYNTAX.search(route.template):
            raise ValueError(f"route {method} {pattern!r}: only literal text and named groups are allowed")
        self.routes.append(route)

    def resolve(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        for route in self.routes:
            match = route.pattern.fullmatch(path)
            if match and route.method == method:
                return route, match.groupdict()
        return None


@dataclass
class Outcome:
    """What the transport must do: deliver `response`, or fail the connection as a fault says, or
    (commit-late) wait `commit_delay` seconds, then call `commit_late` and deliver what it answers."""

    response: PlatformResponse | None
    fault: FaultKind | None = None
    commit_delay: float = 0.0
    commit_late: Callable[[], PlatformResponse] | None = None


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any
    status: int | None


Clock = Callable[[], float]


class Backend(Protocol):
    """What the base emulator needs of a platform's backend: a way to edit "as in the UI"."""

    def ui_edit(self, object_id: str, changes: dict[str, Any]) -> dict[str, Any]: ...


BackendT = TypeVar("BackendT", bound=Backend)
BackendT_co = TypeVar("BackendT_co", bound=Backend, covariant=True)


class BackendFactory(Protocol[BackendT_co]):
    """Builds a platform's backend on the emulator's store, reading time from `clock`."""

    def __call__(self, store: Store, clock: Clock) -> BackendT_co: ...


class Emulator(Generic[BackendT]):
    """Base class: a platform sets `name`, `backend_factory` (store, clock → backend) and `rate_limit`,
    adds its routes in `register_routes`, and answers `not_found`, `rate_limited` (the platform's 429
    with its own headers) and `server_error` in its own error shapes."""

    name: ClassVar[str] = "emulator"
    backend_factory: ClassVar[BackendFactory[Any]]
    rate_limit: ClassVar[tuple[int, float] | None] = None  # documented: (requests, per seconds)

    def __init__(self, store: Store | None = None, faults: FaultInjector | None = None,
                 rate_limiter: RateLimiter | None = None, clock: Clock = time.time,
                 backend_factory: BackendFactory[BackendT] | None = None) -> None:
        self.clock = clock
        self.store = store or Store()
        self.faults = faults or FaultInjector()
        self.rate_limiter = rate_limiter
        self.router = Router()
        self.requests: list[RecordedRequest] = []
        self._lock = threading.RLock()
        factory = backend_factory or type(self).backend_factory
        # Through a lambda, so a test may replace `emulator.clock` after construction.
        self.backend: BackendT = factory(self.store, lambda: self.clock())
        self.register_routes()

    # -- to be provided by each platform -------------------------------------------------
    def register_routes(self) -> None:
        raise NotImplementedError  # pragma: no cover

    def not_found(self, request: PlatformRequest) -> PlatformResponse:
        return PlatformResponse(404, {"error": "not found"})

    def rate_limited(self, reset_epoch: int, limit: int) -> PlatformResponse:
        return PlatformResponse(429, {"error": "too many requests"})

    def server_error(self, status: int) -> PlatformResponse:
        return PlatformResponse(status, {"error": "internal server error"})

    # -- shared by every platform --------------------------------------------------------
    @classmethod
    def default_rate_limiter(cls) -> RateLimiter | None:
        """The platform's documented limit, used when the sandbox runs with rate limits on."""
        if cls.rate_limit is None:
            return None
        limit, window_seconds = cls.rate_limit
        return RateLimiter(limit=limit, window_seconds=window_seconds)

    def retry_after(self, reset_epoch: int) -> dict[str, str]:
        """`Retry-After` for platforms that document no rate-limit headers: the plain HTTP way to say "later"."""
        return {"Retry-After": str(max(1, math.ceil(reset_epoch - self.clock())))}

    def ui_edit(self, object_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        """Change an object as a person would in the platform's UI (sandbox-only)."""
        return self.backend.ui_edit(object_id, changes)

    # -- shared request pipeline --------------------------------------------------------
    def handle(self, request: PlatformRequest) -> Outcome:
        resolved = self.router.resolve(request.method, request.path)
        fault = self.faults.draw_for(creates=resolved is not None and resolved[0].creates)
        if fault in (FaultKind.DROP_BEFORE, FaultKind.TIMEOUT_BEFORE):
            self._record(request, None)
            return Outcome(None, fault)
        if fault in (FaultKind.HTTP_500, FaultKind.HTTP_503):
            response = self.server_error(500 if fault is FaultKind.HTTP_500 else 503)
            self._record(request, response.status)
            return Outcome(response, fault)
        if fault is FaultKind.HTTP_429 or (self.rate_limiter and not self.rate_limiter.allow()):
            limiter = self.rate_limiter or RateLimiter(limit=1, window_seconds=1)
            response = self.rate_limited(limiter.reset_epoch(), limiter.limit)
            self._record(request, response.status)
            return Outcome(response, FaultKind.HTTP_429)
        if fault is FaultKind.COMMIT_LATE:
            return Outcome(None, fault, self.faults.commit_delay, lambda: self._commit(request))
        response = self._commit(request)
        if fault in (FaultKind.DROP_AFTER, FaultKind.TIMEOUT_AFTER):
            return Outcome(None, fault)  # the platform committed; the client never hears of it
        return Outcome(response)

    def _commit(self, request: PlatformRequest) -> PlatformResponse:
        response = self.dispatch(request)
        self._record(request, response.status)
        return response

    def dispatch(self, request: PlatformRequest) -> PlatformResponse:
        resolved = self.router.resolve(request.method, request.path)
        if resolved is None:
            return self.not_found(request)
        route, groups = resolved
        with self._lock:
            try:
                return route.handler(request, **groups)
            except PlatformError as error:
                return error.response

    def _record(self, request: PlatformRequest, status: int | None) -> None:
        try:
            body: Any = json.loads(request.body) if request.body else None
        except ValueError:
            body = request.body.decode("utf-8", "replace")
        with self._lock:
            self.requests.append(RecordedRequest(request.method, request.path, request.query,
                                                 request.headers, body, status))
