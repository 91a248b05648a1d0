"""The state lock through the command line: `--lock-timeout` accepts only a finite number of
seconds >= 0; a refused apply names the plan or drift reading the state; `force-unlock` never
breaks a live lock and clears only stale records."""

from __future__ import annotations

from pathlib import Path

import pytest

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
