"""plan and drift read under a shared lock: side by side with each other, never during an apply."""

from __future__ import annotations

from pathlib import Path

from provisioner.states.statemgr import LocalStateManager
from tests.conftest import Platforms, cli


def test_plan_and_drift_fail_fast_while_an_apply_holds_the_lock(workspace: Path, platforms: Platforms) -> None:
    applying = LocalStateManager(workspace / ".provisioner")
    applying.lock("apply plans/big.json")
    for command in (["plan", str(workspace), "--no-save"], ["drift", str(workspace)]):
        refused = cli(*command)
        assert refused.exit_code == 1
        assert "locked by 'apply plans/big.json'" in refused.stderr
    applying.unlock()
    assert platforms.requests("topsort") == []  # refused before reading anything


def test_readers_share_the_lock(workspace: Path) -> None:
    reader = LocalStateManager(workspace / ".provisioner")
    reader.lock("plan elsewhere", shared=True)
    assert cli("plan", str(workspace), "--no-save", "--detailed-exitcode").exit_code == 2
    refused = cli("apply", str(workspace), "--auto-approve")
    assert refused.exit_code == 1 and "locked" in refused.stderr
    reader.unlock()
