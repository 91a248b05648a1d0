"""The state lock seen from the CLI, and the retry policy's reading of the platforms' headers."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import httpx
import pytest

from provisioner.errors import AmbiguousOutcomeError
from provisioner.providers.base import RateLimit
from provisioner.providers.http import ApiClient, HttpContext
from provisioner.providers.topsort.schema import TopsortSettings
from provisioner.states.statemgr import LocalStateManager
from tests.conftest import Platforms, cli


def test_second_apply_fails_fast_naming_the_holder_then_waits(workspace: Path, platforms: Platforms) -> None:
    holder = LocalStateManager(workspace / ".provisioner")
    holder.lock("apply plans/other.json")
    refused = cli("apply", str(workspace), "--auto-approve")
    assert refused.exit_code == 1
    assert "locked by 'apply plans/other.json'" in refused.stderr and "pid" in refused.stderr
    assert platforms.requests("topsort", "POST") == []

    threading.Timer(0.3, holder.unlock).start()
    started = time.monotonic()
    waited = cli("apply", str(workspace), "--auto-approve", "--lock-timeout", "10")
    assert waited.exit_code == 0, waited.output
    assert time.monotonic() - started >= 0.3


def test_force_unlock_clears_a_dead_holders_record(workspace: Path) -> None:
    (workspace / ".provisioner").mkdir()
    (workspace / ".provisioner" / "state.lock.json").write_text('{"host": "ci-7", "pid": 4242}')
    result = cli("force-unlock", str(workspace))
    assert result.exit_code == 0 and "ci-7" in result.stdout
    assert not (workspace / ".provisioner" / "state.lock.json").exists()


def _client(handler, sleeps: list[float], retries: int = 3) -> ApiClient:  # type: ignore[no-untyped-def]
    settings = TopsortSettings(type="topsort", base_url="https://api.topsort.com", api_key="k" * 8,
                               vendor_id="v", max_retries=retries)
    return ApiClient(settings, "topsort", HttpContext(sleep=sleeps.append), RateLimit(requests=1000, per_seconds=1),
                     transport=httpx.MockTransport(handler))


def test_429_waits_until_x_ratelimit_reset_then_retries() -> None:
    answers = iter([httpx.Response(429, headers={"X-RateLimit-Reset": str(int(time.time()) + 3)}, json=[]),
                    httpx.Response(200, json={"ok": True})])
    sleeps: list[float] = []
    response = _client(lambda request: next(answers), sleeps).request("GET", "/x")
    assert response.status_code == 200
    assert 1.5 < max(sleeps) <= 3.2


def test_retry_after_is_honoured() -> None:
    answers = iter([httpx.Response(429, headers={"Retry-After": "2"}), httpx.Response(200)])
    sleeps: list[float] = []
    assert _client(lambda request: next(answers), sleeps).request("GET", "/x").status_code == 200
    assert 2.0 in sleeps


def test_5xx_is_retried_for_reads_but_ambiguous_for_creates() -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.method)
        return httpx.Response(503) if len(calls) < 3 else httpx.Response(200)

    assert _client(handler, []).request("GET", "/x").status_code == 200
    calls.clear()
    with pytest.raises(AmbiguousOutcomeError):
        _client(handler, []).request("POST", "/x")
    assert calls == ["POST"]  # never blindly repeated


def test_dropped_connection_before_sending_is_retried_even_for_creates() -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        if len(calls) == 1:
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(201)

    assert _client(handler, []).request("POST", "/x").status_code == 201
    assert len(calls) == 2
