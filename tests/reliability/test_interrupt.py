"""Issue 9 item 4: Ctrl-C (or SIGTERM) stops an apply: nothing new is sent, requests in flight finish
and are recorded, the usual report says "interrupted", exit 130 (143); the next plan shows exactly the
remaining creates and a second apply converges with no duplicate. A real `provisioner apply`
subprocess against the Topsort emulator served in a process of its own, with latency."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import cli, make_workspace
from tests.reliability import workspace_gen
from tests.reliability.platforms_process import live_ids

COUNT = 20


@pytest.fixture
def topsort(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    data, ready = tmp_path / "platform", tmp_path / "ready.json"
    server = subprocess.Popen([sys.executable, "-m", "provisioner", "sandbox", "serve", "--platform", "topsort",
                               "--state-dir", str(data), "--port", "0", "--ready-file", str(ready),
                               "--latency", "0.3"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while not ready.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert ready.exists(), "sandbox serve did not start"
        yield json.loads(ready.read_text())["topsort"], data
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=10)


def workspace(root: Path, url: str) -> Path:
    providers = f"""providers:
  topsort: {{base_url: "{url}", api_key: "${{env:TOPSORT_API_KEY}}", vendor_id: v1, currency: EUR, parallelism: 2}}
"""
    campaigns = "campaigns:\n" + "".join(workspace_gen.TOPSORT.format(p="i-", i=i, amount=1000 + i)
                                         for i in range(COUNT))
    return make_workspace(root, providers, campaigns)


def interrupted_apply(root: Path, signum: int, again: bool = False) -> tuple[int, str, str]:
    """Run apply, signal it once the first outcome is reported on stderr (twice with `again`)."""
    # progress as JSON lines: one per outcome, whatever stderr is (a pipe gets no per-campaign lines otherwise)
    apply = subprocess.Popen([sys.executable, "-m", "provisioner", "--log-format", "json", "apply", str(root),
                              "--auto-approve"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env={**os.environ, "TOPSORT_API_KEY": "tsk-interrupt"})
    assert apply.stderr is not None
    seen = []
    for line in apply.stderr:
        seen.append(line)
        if '"event": "outcome"' in line:
            break
    apply.send_signal(signum)
    if again:  # as soon as the first is acknowledged: a create started then is still in flight (latency)
        for line in apply.stderr:
            seen.append(line)
            if "Interrupted (" in line:
                break
        apply.send_signal(signal.SIGINT)
    stdout, rest = apply.communicate(timeout=60)
    return apply.returncode, stdout, "".join(seen) + rest


def created_ok(report: str) -> int:
    return sum(1 for line in report.splitlines() if line.startswith("+ ") and ": create ok" in line)


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_stops_the_apply_and_the_next_plan_shows_exactly_the_rest(
        topsort: tuple[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, signum: int, code: int) -> None:
    url, data = topsort
    root = workspace(tmp_path / "ws", url)
    returncode, stdout, stderr = interrupted_apply(root, signum)
    assert returncode == code, stdout + stderr
    assert "Interrupted" in stderr and "Apply interrupted:" in stdout and "Traceback" not in stderr
    done = created_ok(stdout)
    on_platform = len(live_ids(data, "topsort", "i-", exact=False))
    assert 1 <= done < COUNT
    assert on_platform == done  # nothing sent after the signal but what was in flight, and all of it recorded
    assert f"{COUNT - done} not started" in stdout

    monkeypatch.setenv("TOPSORT_API_KEY", "tsk-interrupt")
    planned = cli("plan", str(root), "--no-save", "--format", "json")
    actions = [c["action"] for c in json.loads(planned.stdout)["changes"]]
    assert actions.count("create") == COUNT - done and actions.count("no-op") == done
    finished = cli("apply", str(root), "--auto-approve")
    assert finished.exit_code == 0, finished.output
    assert len(live_ids(data, "topsort", "i-", exact=False)) == COUNT  # every campaign once, no duplicate
    assert cli("plan", str(root), "--no-save", "--detailed-exitcode").exit_code == 0


def test_a_second_ctrl_c_exits_at_once_leaving_state_consistent(
        topsort: tuple[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url, data = topsort
    root = workspace(tmp_path / "ws", url)
    returncode, stdout, stderr = interrupted_apply(root, signal.SIGINT, again=True)
    assert returncode == 130 and "Interrupted again: exiting now" in stderr, stdout + stderr
    monkeypatch.setenv("TOPSORT_API_KEY", "tsk-interrupt")
    planned = cli("plan", str(root), "--no-save", "--format", "json")
    assert planned.exit_code == 0, planned.output
    creates = sum(1 for c in json.loads(planned.stdout)["changes"] if c["action"] == "create")
    assert creates == COUNT - len(live_ids(data, "topsort", "i-", exact=False))  # exactly the rest
    assert cli("apply", str(root), "--auto-approve").exit_code == 0
    assert len(live_ids(data, "topsort", "i-", exact=False)) == COUNT
