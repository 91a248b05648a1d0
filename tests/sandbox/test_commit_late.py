"""The commit-late fault: the platform receives a create, commits it only `commit_delay` seconds later
and answers then; a client with a shorter timeout gives up first, and the campaign appears afterwards.
Shown on the Criteo emulator in-process, over loopback HTTP, and through `sandbox serve`."""

from __future__ import annotations

import contextlib
import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from provisioner.cli import main
from provisioner.sandbox.criteo.routes import CriteoEmulator
from provisioner.sandbox.faults import FaultInjector, FaultKind
from provisioner.sandbox.server import EmulatorServer
from provisioner.sandbox.transport import EmulatorTransport

V = "/2026-07/marketing-solutions"
CREDENTIALS = {"client_id": "sandbox-app", "client_secret": "s3cret", "grant_type": "client_credentials"}
DELAY = 0.8  # how late the platform commits
TIMEOUT = 0.2  # the client's read timeout, well below DELAY


def campaign(name: str) -> dict[str, object]:
    return {"data": {"type": "Campaign", "attributes": {
        "name": name, "advertiserId": "12345", "goal": "Retention",
        "spendLimit": {"spendLimitRenewal": "daily", "spendLimitType": "capped", "spendLimitAmount": 100}}}}


@contextlib.contextmanager
def criteo_client(base_url: str, transport: httpx.BaseTransport | None = None) -> Iterator[httpx.Client]:
    """A client holding a fresh token, with a read timeout shorter than the platform's delay."""
    with httpx.Client(transport=transport, base_url=base_url, timeout=TIMEOUT) as client:
        token = client.post("/oauth2/token", data=CREDENTIALS).json()["access_token"]  # a POST, not a create
        client.headers["Authorization"] = f"Bearer {token}"
        yield client


def names(client: httpx.Client) -> list[str]:
    found = client.post(f"{V}/campaigns/search", json={"filters": {"advertiserIds": ["12345"]}})
    return [c["attributes"]["name"] for c in found.json()["data"]]


def create_times_out_then_appears(client: httpx.Client) -> None:
    sent = time.monotonic()
    with pytest.raises(httpx.ReadTimeout):
        client.post(f"{V}/campaigns", json=campaign("Late"))
    gave_up = time.monotonic() - sent
    assert gave_up < DELAY, "the client gave up at its own timeout, before the platform answered"
    assert names(client) == []  # not committed yet: a lookup now finds nothing
    while "Late" not in names(client) and time.monotonic() - sent < DELAY + 5:
        time.sleep(0.05)
    assert names(client) == ["Late"]  # the platform committed it all the same
    assert time.monotonic() - sent >= DELAY


def late_emulator(times: int = 1) -> CriteoEmulator:
    return CriteoEmulator(faults=FaultInjector(commit_delay=DELAY).force(FaultKind.COMMIT_LATE, times=times))


def test_in_process_the_client_times_out_and_the_create_appears_after_the_delay() -> None:
    emulator = late_emulator()
    with criteo_client("https://api.criteo.com", EmulatorTransport(emulator)) as client:
        create_times_out_then_appears(client)
        assert client.post(f"{V}/campaigns", json=campaign("Prompt")).status_code == 201  # forced once only
        assert sorted(names(client)) == ["Late", "Prompt"]
    assert emulator.faults.counts == {"commit-late": 1}


def test_over_loopback_http_the_client_times_out_and_the_create_appears_after_the_delay() -> None:
    emulator = late_emulator()
    with EmulatorServer(emulator) as server, criteo_client(server.url) as client:
        create_times_out_then_appears(client)
        assert client.post(f"{V}/campaigns", json=campaign("Prompt")).status_code == 201


@pytest.mark.parametrize("served", [False, True])
def test_a_client_that_waits_longer_than_the_delay_gets_the_answer(served: bool) -> None:
    emulator = CriteoEmulator(faults=FaultInjector(commit_delay=0.3).force(FaultKind.COMMIT_LATE))
    with EmulatorServer(emulator) as server:
        transport = None if served else EmulatorTransport(emulator)
        with criteo_client(server.url if served else "https://api.criteo.com", transport) as client:
            sent = time.monotonic()
            response = client.post(f"{V}/campaigns", json=campaign("Slow"), timeout=5)
            assert response.status_code == 201 and time.monotonic() - sent >= 0.3
            assert names(client) == ["Slow"]


def test_forced_commit_late_skips_requests_that_do_not_create() -> None:
    emulator = late_emulator(times=2)
    with criteo_client("https://api.criteo.com", EmulatorTransport(emulator)) as client:
        assert names(client) == []  # search is a POST but creates nothing: answered at once
        assert client.get(f"{V}/campaigns/1").status_code == 403
    assert emulator.faults.counts == {}


def test_a_random_commit_late_draw_leaves_other_requests_alone() -> None:
    injector = FaultInjector.parse("1:commit-late", seed=3, commit_delay=DELAY)
    assert injector.draw_for(creates=False) is None
    assert injector.draw_for(creates=True) is FaultKind.COMMIT_LATE
    assert injector.counts == {"commit-late": 1}


def test_a_bare_rate_never_draws_commit_late() -> None:
    injector = FaultInjector.parse("1", seed=5)
    assert FaultKind.COMMIT_LATE not in {injector.draw_for(creates=True) for _ in range(200)}


@pytest.mark.parametrize(("spec", "message"), [
    ("1:commit-late", "commit-late needs a commit delay"),
    ("0.2:commit-soon", "not RATE"),
    ("2", "between 0 and 1"),
])
def test_bad_fault_specs_are_refused(spec: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        FaultInjector.parse(spec)


def test_forcing_commit_late_needs_a_delay() -> None:
    with pytest.raises(ValueError, match="commit_delay > 0"):
        FaultInjector().force(FaultKind.COMMIT_LATE)


@pytest.mark.parametrize(("args", "message"), [
    (["--faults", "1:commit-late"], "commit-late needs a commit delay"),
    (["--commit-delay", "5"], "--commit-delay applies to the commit-late fault"),
    (["--faults", "0.2:nonsense"], "--faults: fault spec '0.2:nonsense' is not RATE"),
])
def test_sandbox_serve_refuses_inconsistent_options_before_serving(tmp_path: Path, args: list[str],
                                                                    message: str) -> None:
    result = CliRunner().invoke(main, ["sandbox", "serve", "--state-dir", str(tmp_path), "--port", "0", *args])
    assert result.exit_code == 1 and message in result.output
    assert list(tmp_path.iterdir()) == []  # nothing served, nothing stored


@pytest.fixture
def served_criteo(tmp_path: Path) -> Iterator[str]:
    """`provisioner sandbox serve --platform criteo --faults 1:commit-late --commit-delay DELAY`."""
    ready = tmp_path / "ready.json"
    server = subprocess.Popen([sys.executable, "-m", "provisioner", "sandbox", "serve", "--platform", "criteo",
                               "--state-dir", str(tmp_path / "data"), "--port", "0", "--ready-file", str(ready),
                               "--faults", "1:commit-late", "--commit-delay", str(DELAY)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while not ready.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert ready.exists(), "sandbox serve did not start"
        yield json.loads(ready.read_text())["criteo"]
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=10)


def test_sandbox_serve_commits_every_create_late(served_criteo: str) -> None:
    with criteo_client(served_criteo) as client:
        create_times_out_then_appears(client)
