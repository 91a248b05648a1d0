"""kill -9 at ~20 seeded random moments of an apply (a real subprocess; the five emulators run in
a process of their own), then: the next plan shows exactly the remaining work, and apply
completes it with every campaign created exactly once — on every platform, including those with
no external id (Criteo, Skala) and the one that cannot be read back (Targeter)."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import cli
from tests.reliability import workspace_gen
from tests.reliability.platforms_process import (
    COLLECTIONS,
    identity,
    live_ids,
    serve_platforms,
)

PER_PLATFORM = 3
POINTS = 20
ENV = {"TOPSORT_API_KEY": "k1-secret-topsort", "CRITEO_CLIENT_ID": "cid", "CRITEO_CLIENT_SECRET": "k1-secret-criteo",
       "SESSIONM_API_KEY": "k1-sessionm-key", "SESSIONM_API_SECRET": "k1-secret-sessionm",
       "TARGETER_API_KEY": "k1-targeter-key", "TARGETER_API_SECRET": "k1-secret-targeter",
       "SKALA_USERNAME": "k1-user", "SKALA_PASSWORD": "k1-secret-skala"}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[dict[str, str], Path]]:
    data = tmp_path_factory.mktemp("platforms")
    with serve_platforms(data, latency=0.02) as urls:
        yield urls, data


def live_matching(data: Path, platform: str, marker: str) -> int:
    return len(live_ids(data, platform, marker, exact=False))


def wait_for_journal(root: Path, lines: int, process: subprocess.Popen[bytes]) -> None:
    journal = root / ".provisioner" / "state.journal"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and process.poll() is None:
        if journal.exists() and journal.read_bytes().count(b"\n") >= lines:
            return
        time.sleep(0.002)


@pytest.mark.slow  # ~40 s: runs in the default suite; `-m "not slow"` skips it while iterating
def test_kill9_at_random_points_loses_nothing_and_duplicates_nothing(
        served: tuple[dict[str, str], Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    urls, data = served
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    rng = random.Random(20261123)
    killed_mid_apply = partial = 0
    outputs = ""
    for point in range(POINTS):
        prefix = f"k{point:02d}-"
        root = workspace_gen.write(tmp_path / prefix, PER_PLATFORM, urls, prefix, extra=", parallelism: 2")
        apply = subprocess.Popen([sys.executable, "-m", "provisioner", "apply", str(root), "--auto-approve"],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=os.environ.copy())
        # The kill point is a seeded position in the apply's own progress (journal lines written:
        # a pending line before each create, an outcome line after), so it does not depend on how
        # fast this machine is.
        kill_after = rng.randint(1, 2 * 5 * PER_PLATFORM - 1)
        wait_for_journal(root, kill_after, apply)
        time.sleep(rng.uniform(0, 0.03))  # and somewhere between two journal writes
        apply.send_signal(signal.SIGKILL)
        apply.wait()
        killed_mid_apply += int(apply.returncode == -signal.SIGKILL)

        planned = cli("plan", str(root), "--no-save", "--format", "json")
        assert planned.exit_code == 0, planned.stderr
        changes = json.loads(planned.stdout)["changes"]
        actions = {c["action"] for c in changes}
        partial += int("adopt" in actions or {"create", "no-op"} <= actions)  # stopped half way
        for change in changes:
            if change["provider"] == "targeter":
                continue  # not observable: its create-or-retrieve is checked by the counts below
            on_platform = live_matching(data, change["provider"], identity(change))
            expected = 0 if change["action"] == "create" else 1
            assert on_platform == expected, f"point {point}: {change['key']} planned {change['action']}, " \
                                            f"{on_platform} on the platform"

        finished = cli("apply", str(root), "--auto-approve")
        outputs += planned.output + finished.output
        assert finished.exit_code == 0, finished.stdout + finished.stderr
        for platform in COLLECTIONS:
            assert live_matching(data, platform, prefix) == PER_PLATFORM, f"point {point}: {platform} duplicates"
        final = cli("plan", str(root), "--no-save", "--detailed-exitcode")
        assert final.exit_code == 0, final.stdout
    written = "\n".join(p.read_text(errors="replace") for p in tmp_path.rglob("*") if p.is_file())
    secrets = [v for k, v in ENV.items() if "SECRET" in k or "PASSWORD" in k or k.endswith("_KEY")]
    assert not [s for s in secrets if s in written + outputs], "a secret reached state or output"
    assert killed_mid_apply >= POINTS // 2, "most kills must land before apply finished"
    assert partial >= POINTS // 4, f"only {partial} kills landed half way through an apply"
