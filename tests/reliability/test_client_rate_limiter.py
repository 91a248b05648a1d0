"""The client's rate limiter never puts more than the platform's limit in any of its fixed windows,
however late requests reach the platform, and a 429 holds back every instance under the credential
until the platform's reset (issue 12). Driven by a fake clock: sleeping advances it."""

from __future__ import annotations

import httpx

from provisioner.providers.base import RateLimit
from provisioner.providers.http import ApiClient, ClientRateLimiter, HttpContext, SharedCredentials
from provisioner.providers.topsort.schema import TopsortSettings
from provisioner.sandbox.faults import RateLimiter


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def _send(limiter: ClientRateLimiter, platform: RateLimiter, clock: FakeClock, delay: float) -> bool:
    """One request: it reaches the platform `delay` after the limiter let it go, and its answer
    comes back 50 ms later. True when the platform accepted it."""
    slot = limiter.acquire()
    clock.now += delay
    accepted = platform.allow()
    clock.now += 0.05
    limiter.release(slot)
    return accepted


def test_late_arrivals_never_overfill_the_platforms_fixed_window() -> None:
    clock = FakeClock()
    limiter = ClientRateLimiter(RateLimit(requests=5, per_seconds=1.0), clock.sleep, clock=clock)
    platform = RateLimiter(limit=5, window_seconds=1.0, clock=clock)
    # The first request of each window is held up on the way (a loaded core, a busy server thread)
    # for far more than any margin; the others arrive at once. Pacing from the planned starts let
    # the next window's first request land inside the late one's window.
    accepted = [_send(limiter, platform, clock, 0.4 if i % 5 == 0 else 0.0) for i in range(40)]
    assert all(accepted)
    assert clock.now < 1000.0 + 8 * (1.0 * ClientRateLimiter.SAFETY + 0.45) + 1  # still paced, not serialised


def test_the_limit_is_reached_not_undershot() -> None:
    clock = FakeClock()
    limiter = ClientRateLimiter(RateLimit(requests=5, per_seconds=1.0), clock.sleep, clock=clock)
    for _ in range(5):
        limiter.release(limiter.acquire())
    assert clock.sleeps == []  # five within one window go at once
    limiter.release(limiter.acquire())
    assert clock.sleeps and abs(clock.sleeps[-1] - 1.0 * ClientRateLimiter.SAFETY) < 1e-9


def test_a_pause_holds_every_later_request_until_the_reset() -> None:
    clock = FakeClock()
    limiter = ClientRateLimiter(RateLimit(requests=100, per_seconds=1.0), clock.sleep, clock=clock)
    limiter.pause_until(clock() + 3.0)
    limiter.release(limiter.acquire())
    assert clock.sleeps == [3.0]
    limiter.release(limiter.acquire())
    assert clock.sleeps == [3.0]  # the pause is over


def _settings(vendor: str) -> TopsortSettings:
    return TopsortSettings(type="topsort", base_url="https://api.topsort.com", api_key="shared-key-123",
                           vendor_id=vendor, max_retries=3)


def test_a_429_to_one_instance_pauses_the_others_under_the_same_key() -> None:
    sleeps: list[float] = []
    context = HttpContext(sleep=sleeps.append, shared=SharedCredentials())
    answers = iter([httpx.Response(429, headers={"Retry-After": "2"}), httpx.Response(200)])
    refused = ApiClient(_settings("v1"), "topsort", context, RateLimit(requests=1000, per_seconds=1),
                        transport=httpx.MockTransport(lambda request: next(answers)))
    other = ApiClient(_settings("v2"), "topsort", context, RateLimit(requests=1000, per_seconds=1),
                      transport=httpx.MockTransport(lambda request: httpx.Response(200)))
    assert refused.limiter is other.limiter
    assert refused.request("GET", "/x").status_code == 200
    sleeps.clear()  # the fake sleep did not pass any time: the shared pause is still on
    assert other.request("GET", "/y").status_code == 200
    assert len(sleeps) == 1 and 1.5 < sleeps[0] <= 2.0  # the other vendor waited for the reset too
    for client in (refused, other):
        client.close()
