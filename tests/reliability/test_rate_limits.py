"""Each instance's rate limit is respected by the concurrent applier: with the platform enforcing
its window (6 per 0.5 s) and the instance configured a request below it, a run at full
parallelism never gets a 429."""

from __future__ import annotations

import time
from pathlib import Path

from provisioner.sandbox.faults import RateLimiter
from provisioner.sandbox.registry import make_emulator
from provisioner.sandbox.server import EmulatorServer
from tests.conftest import cli

CAMPAIGN = """\
  c{i}:
    provider: topsort
    name: Campaign {i}
    startDate: 2030-03-01T00:00:00Z
    endDate: 2030-03-31T00:00:00Z
    bids: [{{amount: 5, target: {{type: product, id: p{i}}}}}]
"""


def test_concurrent_apply_stays_inside_the_platform_window(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("TOPSORT_API_KEY", "tsk-rate-limit-test")
    emulator = make_emulator("topsort")
    emulator.rate_limiter = RateLimiter(limit=6, window_seconds=0.5)  # the platform's fixed window
    with EmulatorServer(emulator) as server:
        (tmp_path / "providers.yaml").write_text(
            f"providers:\n  topsort: {{base_url: '{server.url}', api_key: '${{env:TOPSORT_API_KEY}}', "
            "vendor_id: v, currency: EUR, parallelism: 8, rate_limit: {requests: 5, per_seconds: 0.5}}\n")
        (tmp_path / "campaigns.yaml").write_text("campaigns:\n" + "".join(CAMPAIGN.format(i=i) for i in range(20)))
        started = time.monotonic()
        result = cli("apply", str(tmp_path), "--auto-approve")
        elapsed = time.monotonic() - started
    assert result.exit_code == 0, result.output
    statuses = [r.status for r in emulator.requests]
    assert 429 not in statuses and statuses.count(200) == 21  # one list, 20 creates
    assert elapsed >= 1.9  # 21 requests at 5 per 0.5 s cannot take less
