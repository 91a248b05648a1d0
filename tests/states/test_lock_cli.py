"""The state lock through the command line: `--lock-timeout` accepts only a finite number of
seconds >= 0; a refused apply names the plan or drift reading the state; `force-unlock` never
breaks a live lock and clears only stale records."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from provisioner.states.statemgr import LOCK_INFO, READERS
from tests.conftest import Platforms, cli

BAD_TIMEOUTS = ["-1", "-0.001", "nan", "NaN", "inf", "-inf", "1e400", "soon"]


@pytest.mark.parametrize("value", BAD_TIMEOUTS)
def test_lock_timeout_must_be_a_finite_number_of_seconds(value: str, workspace: Path, platforms: Platforms) -> None:
    for command in (["plan", str(workspace), "--no-save"], ["drift", str(workspace)],
                    ["apply", str(workspace), "--auto-approve"], ["state", "rm", str(workspace), "--key", "x"],
                    ["state", "push", str(workspace)], ["state", "pull", str(workspace)]):
        result = cli(*command, "--lock-timeout", value)
        assert result.exit_code == 1, (command, value, result.output)
        assert "Invalid value for '--lock-timeout'" in result.stderr and "Traceback" not in result.output
    assert platforms.requests("topsort") == [] and platforms.requests("criteo") == []
    assert not (workspace / ".provisioner").exists()  # refused before touching the state


def test_lock_timeout_zero_and_fractions_are_accepted(workspace: Path) -> None:
    assert cli("plan", str(workspace), "--no-save", "--lock-timeout", "0").exit_code == 0
    assert cli("plan", str(workspace), "--no-save", "--lock-timeout", "0.25").exit_code == 0


HOLD = """
import sys, time
from pathlib import Path
from provisioner.states.statemgr import LocalStateManager
manager = LocalStateManager(Path(sys.argv[1]))
manager.lock(sys.argv[2], shared=sys.argv[3] == "shared")
print("locked", flush=True)
time.sleep(60)
"""


@contextlib.contextmanager
def holding(folder: Path, command: str, shared: bool) -> Iterator[subprocess.Popen[str]]:
    """Another process holding the local state lock (exclusive, or a reader's shared lock)."""
    process = subprocess.Popen([sys.executable, "-c", HOLD, str(folder), command, "shared" if shared else "x"],
                               stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None and process.stdout.readline().strip() == "locked"
        yield process
    finally:
        process.kill()
        process.wait()
        process.stdout.close()  # type: ignore[union-attr]


def test_an_apply_refused_by_readers_names_every_one(workspace: Path, platforms: Platforms) -> None:
    folder = workspace / ".provisioner"
    with holding(folder, "plan shop", shared=True) as first, holding(folder, "drift shop", shared=True) as second:
        refused = cli("apply", str(workspace), "--auto-approve")
        assert refused.exit_code == 1 and "'?'" not in refused.stderr
        message = refused.stderr
        assert "locked by 2 reader(s) (plan or drift)" in message
        assert f"'plan shop' (host {socket.gethostname()}, pid {first.pid}, since " in message
        assert f"'drift shop' (host {socket.gethostname()}, pid {second.pid}, since " in message
        assert cli("plan", str(workspace), "--no-save").exit_code == 0  # readers still share it
    assert platforms.requests("topsort", "POST") == []
    # both readers were killed (-9): their records are stale and name nobody; the lock is free
    applied = cli("apply", str(workspace), "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert list((folder / READERS).glob("*")) == []


def test_force_unlock_never_breaks_a_live_lock(workspace: Path) -> None:
    folder = workspace / ".provisioner"
    with holding(folder, "apply plans/stuck.json", shared=False) as holder:
        held = cli("force-unlock", str(workspace))
        assert held.exit_code == 1, held.output
        assert f"held by a live session ('apply plans/stuck.json' on host {socket.gethostname()}, pid " \
               f"{holder.pid}" in held.stdout
        assert (folder / LOCK_INFO).exists()  # its record is untouched
        refused = cli("apply", str(workspace), "--auto-approve")
        assert refused.exit_code == 1 and "locked by 'apply plans/stuck.json'" in refused.stderr
    # killed (-9): the flock died with it, its record stayed; force-unlock sees the lock free
    stale = cli("force-unlock", str(workspace))
    assert stale.exit_code == 0 and "Removed lock record: 'apply plans/stuck.json'" in stale.stdout
    assert not (folder / LOCK_INFO).exists()
    assert cli("force-unlock", str(workspace)).stdout.strip() == "No lock record was present."


def test_force_unlock_names_live_readers_and_clears_dead_ones(workspace: Path) -> None:
    folder = workspace / ".provisioner"
    with holding(folder, "plan shop", shared=True) as reader:
        held = cli("force-unlock", str(workspace))
        assert held.exit_code == 1
        assert f"held by 1 live reader(s) (plan or drift): 'plan shop' on host {socket.gethostname()}, " \
               f"pid {reader.pid}" in held.stdout
        assert len(list((folder / READERS).glob("*.json"))) == 1
    stale = cli("force-unlock", str(workspace))
    assert stale.exit_code == 0 and "Removed a stale reader's record: 'plan shop'" in stale.stdout
    assert list((folder / READERS).glob("*")) == []


def test_a_pid_in_a_record_proves_nothing(workspace: Path) -> None:
    """A record naming this very (live) process, but no lock held: it is stale, and is removed."""
    folder = workspace / ".provisioner"
    folder.mkdir()
    (folder / LOCK_INFO).write_text(json.dumps({"host": socket.gethostname(), "pid": os.getpid(),
                                                "command": "apply old", "since": "2024-01-01T00:00:00Z"}))
    result = cli("force-unlock", str(workspace))
    assert result.exit_code == 0 and "Removed lock record: 'apply old'" in result.stdout
