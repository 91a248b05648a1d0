"""The shipped examples work as the README says, run as a user would: the real command, in a copy."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

# What a user's own runs leave in the working tree (state, sandbox data) is not part of an example.
LOCAL_STATE = shutil.ignore_patterns(".provisioner")


def _provisioner(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "provisioner", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120)


@pytest.mark.parametrize("example", ["quickstart", "mixed"])
def test_example_plan_apply_replan_drift(tmp_path: Path, example: str) -> None:
    shutil.copytree(REPO / "examples" / example, tmp_path / "examples" / example, ignore=LOCAL_STATE)
    ws = f"examples/{example}"
    assert _provisioner(tmp_path, "validate", ws).returncode == 0
    planned = _provisioner(tmp_path, "plan", ws, "--detailed-exitcode")
    assert planned.returncode == 2, planned.stderr
    assert (tmp_path / "plans" / f"{example}.json").exists()
    applied = _provisioner(tmp_path, "apply", f"plans/{example}.json")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert "0 failed" in applied.stdout
    replanned = _provisioner(tmp_path, "plan", ws, "--detailed-exitcode", "--no-save")
    assert replanned.returncode == 0, replanned.stdout
    drift = _provisioner(tmp_path, "drift", ws)
    assert drift.returncode == 0, drift.stdout


@pytest.mark.parametrize("example, campaigns", [("quickstart", 4), ("mixed", 6)])
def test_shipped_example_plan_applies_on_a_fresh_sandbox(tmp_path: Path, example: str, campaigns: int) -> None:
    """plans/examples/*.json were made from empty accounts, so they apply to a fresh checkout."""
    shutil.copytree(REPO / "examples" / example, tmp_path / "examples" / example, ignore=LOCAL_STATE)
    shutil.copytree(REPO / "plans" / "examples", tmp_path / "plans" / "examples")
    applied = _provisioner(tmp_path, "apply", f"plans/examples/{example}.json")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert f"{campaigns} succeeded" in applied.stdout


def test_help_teaches(tmp_path: Path) -> None:
    helped = _provisioner(tmp_path, "--help")
    assert helped.returncode == 0 and "Exit codes" in helped.stdout and "drift" in helped.stdout
    plan_help = _provisioner(tmp_path, "plan", "--help")
    assert "--detailed-exitcode" in plan_help.stdout and "--prune" in plan_help.stdout
