"""Fault injection and rate limiting for the emulators: seeded, so a failing run can be replayed."""

from __future__ import annotations

import enum
import math
import random
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field


class FaultKind(enum.Enum):
    HTTP_429 = "429"
    HTTP_500 = "500"
    HTTP_503 = "503"
    TIMEOUT_BEFORE = "timeout-before"  # the request never reached the platform
    TIMEOUT_AFTER = "timeout-after"  # the platform committed, the answer never came back
    DROP_BEFORE = "drop-before"
    DROP_AFTER = "drop-after"
    # A create is committed `commit_delay` seconds after it arrived, and answered only then: a client
    # whose timeout is shorter gives up first, and the campaign appears afterwards. Other requests pass.
    COMMIT_LATE = "commit-late"


# A bare rate draws among these: commit-late needs a delay, so it is injected only when named.
RANDOM_KINDS = tuple(kind for kind in FaultKind if kind is not FaultKind.COMMIT_LATE)


@dataclass
class FaultInjector:
    """Draws a fault for each request with probability `rate`, evenly among `kinds`; `force` injects
    chosen faults into the next requests whatever the rate (deterministic tests).

    `latency` seconds are added to every answer served over HTTP (in-process calls stay instant);
    `commit_delay` is how late a create hit by commit-late is committed and answered.
    """

    rate: float = 0.0
    kinds: tuple[FaultKind, ...] = RANDOM_KINDS
    seed: int | None = None
    latency: float = 0.0
    commit_delay: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)
        self._lock = threading.Lock()
        self._forced: deque[tuple[FaultKind, bool]] = deque()  # (kind, creates only)

    def force(self, kind: FaultKind, times: int = 1, creates_only: bool = True) -> FaultInjector:
        """Inject `kind` into the next `times` requests that create (any requests with
        `creates_only=False`), before any random draw; other requests meanwhile pass untouched."""
        if kind is FaultKind.COMMIT_LATE and (self.commit_delay <= 0 or not creates_only):
            raise ValueError("commit-late applies to creates only and needs commit_delay > 0")
        with self._lock:
            self._forced.extend([(kind, creates_only)] * times)
        return self

    def draw(self) -> FaultKind | None:
        """The random draw: a kind with probability `rate`, else None."""
        if self.rate <= 0:
            return None
        with self._lock:
            if self._random.random() >= self.rate:
                return None
            return self._random.choice(self.kinds)

    def draw_for(self, creates: bool) -> FaultKind | None:
        """The fault for one request (`creates`: it would create an object), counted in `counts`."""
        with self._lock:
            forced = self._forced and (creates or not self._forced[0][1])
            kind: FaultKind | None = self._forced.popleft()[0] if forced else None
        if kind is None:
            kind = self.draw()
            if kind is FaultKind.COMMIT_LATE and not creates:
                return None  # only a create can be committed late
        if kind is not None:
            with self._lock:
                self.counts[kind.value] = self.counts.get(kind.value, 0) + 1
        return kind

    @classmethod
    def parse(cls, spec: str, seed: int | None = None, latency: float = 0.0,
              commit_delay: float = 0.0) -> FaultInjector:
        """`"0.2"` → every kind but commit-late at 20 %; `"0.2:429,500,drop-after"` → those kinds only;
        `"1:commit-late"` with `commit_delay` → every create committed late. ValueError when malformed."""
        rate_text, _, kinds_text = spec.partition(":")
        try:
            rate = float(rate_text)
            kinds = tuple(FaultKind(k.strip()) for k in kinds_text.split(",") if k.strip()) or RANDOM_KINDS
        except ValueError:
            known = ", ".join(kind.value for kind in FaultKind)
            raise ValueError(f"fault spec {spec!r} is not RATE[:KIND,...] with kinds among {known}") from None
        if not 0 <= rate <= 1:
            raise ValueError(f"fault spec {spec!r}: the rate must be between 0 and 1")
        if FaultKind.COMMIT_LATE in kinds and commit_delay <= 0:
            raise ValueError(f"fault spec {spec!r}: commit-late needs a commit delay above 0 seconds")
        return cls(rate=rate, kinds=kinds, seed=seed, latency=latency, commit_delay=commit_delay)


class RateLimiter:
    """A fixed-window limiter like the platforms': `limit` requests per `window_seconds`."""

    def __init__(self, limit: int, window_seconds: float, clock: Callable[[], float] = time.time) -> None:
        self.limit = limit
        self.window_seconds = window_seconds
        self._clock = clock
        self._window_start: float = clock()
        self._used = 0
        self._lock = threading.Lock()

    def allow(self) -> bool:
        with self._lock:
            now = self._clock()
            if now - self._window_start >= self.window_seconds:
                self._window_start, self._used = now, 0
            self._used += 1
            return self._used <= self.limit

    def reset_epoch(self) -> int:
        return math.ceil(self._window_start + self.window_seconds)
