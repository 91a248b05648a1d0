"""Fault injection and rate limiting for the emulators: seeded, so a failing run can be replayed."""

from __future__ import annotations

import enum
import math
import random
import threading
import time
from dataclasses import dataclass, field


class FaultKind(enum.Enum):
    HTTP_429 = "429"
    HTTP_500 = "500"
    HTTP_503 = "503"
    TIMEOUT_BEFORE = "timeout-before"  # the request never reached the platform
    TIMEOUT_AFTER = "timeout-after"  # the platform committed, the answer never came back
    DROP_BEFORE = "drop-before"
    DROP_AFTER = "drop-after"


@dataclass
class FaultInjector:
    """Draws a fault for each request with probability `rate`, evenly among `kinds`.

    `latency` seconds are added to every answer served over HTTP (in-process calls stay instant).
    """

    rate: float = 0.0
    kinds: tuple[FaultKind, ...] = tuple(FaultKind)
    seed: int | None = None
    latency: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)
        self._lock = threading.Lock()

    def draw(self) -> FaultKind | None:
        if self.rate <= 0:
            return None
        with self._lock:
            if self._random.random() >= self.rate:
                return None
            kind = self._random.choice(self.kinds)
            self.counts[kind.value] = self.counts.get(kind.value, 0) + 1
            return kind

    @classmethod
    def parse(cls, spec: str, seed: int | None = None, latency: float = 0.0) -> "FaultInjector":
        """`"0.2"` → every kind at 20 %; `"0.2:429,500,drop-after"` → those kinds only."""
        rate_text, _, kinds_text = spec.partition(":")
        kinds = tuple(FaultKind(k.strip()) for k in kinds_text.split(",") if k.strip()) or tuple(FaultKind)
        return cls(rate=float(rate_text), kinds=kinds, seed=seed, latency=latency)


class RateLimiter:
    """A fixed-window limiter like the platforms': `limit` requests per `window_seconds`."""

    def __init__(self, limit: int, window_seconds: float, clock=time.time) -> None:
        self.limit = limit
        self.window_seconds = window_seconds
        self._clock = clock
        self._window_start = clock()
        self._used = 0
        self._lock = threading.Lock()

    def allow(self) -> bool:
        with self._lock:
            now = self._clock()
            if now - self._window_start >= self.window_seconds:
                self._window_start, self._used = now, 0
            self._used += 1
            return self._used <= self.limit

    def remaining(self) -> int:
        return max(0, self.limit - self._used)

    def reset_epoch(self) -> int:
        return math.ceil(self._window_start + self.window_seconds)
