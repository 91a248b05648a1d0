"""Output people enjoy and machines can read: progress on stderr (a bar on a terminal, a line every
few seconds in logs, JSON events with --log-format json), colour only on a terminal and never with
NO_COLOR or --no-color, --quiet, each apply outcome printed once, and JSON-only stdout for --format json."""

from __future__ import annotations

import json
import os
import pty
import select
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from provisioner.applier import Outcome
from provisioner.environment import read_environment
from provisioner.plans.action import Action
from provisioner.views.progress import LineProgress
from tests.conftest import REPO, Platforms, cli


def test_logs_get_a_line_every_few_seconds_not_one_per_campaign() -> None:
    lines: list[str] = []
    now = [0.0]
    progress = LineProgress(lines.append, interval=5.0, clock=lambda: now[0])
    progress.start_apply(1000)
    for n in range(1000):
        now[0] = n * 0.012  # 12 s in all
        progress.post_apply(Outcome(f"c{n}", "topsort", Action.CREATE, n % 100 != 7))
    assert lines[0] == "Applying 1000 change(s)..."
    assert lines[1:] == ["applied 418/1000 (5 failed), about 7s left", "applied 835/1000 (9 failed), about 2s left"]


def test_no_color_is_read_once_into_the_environment() -> None:
    assert read_environment({"NO_COLOR": "1"}).no_color and not read_environment({"NO_COLOR": ""}).no_color
    assert not read_environment({}).no_color


def test_each_apply_outcome_is_printed_once(workspace: Path, platforms: Platforms, tmp_path: Path) -> None:
    plan_file = tmp_path / "plan.json"
    assert cli("plan", str(workspace), "--out", str(plan_file)).exit_code == 0
    applied = cli("apply", str(plan_file))
    assert applied.exit_code == 0
    both = applied.stdout + applied.stderr
    for key in ("spring-sale", "summer-shoes", "retargeting-eu", "prospecting"):
        assert both.count(f".{key}: create ok") == 1, both
    assert applied.stdout.count("Apply complete: 4 succeeded, 0 failed.") == 1


@pytest.mark.parametrize("saved", [True, False])
def test_apply_format_json_prints_only_json(workspace: Path, platforms: Platforms, tmp_path: Path,
                                           saved: bool) -> None:
    plan_file = tmp_path / "plan.json"
    if saved:
        assert cli("plan", str(workspace), "--out", str(plan_file)).exit_code == 0
        applied = cli("apply", str(plan_file), "--format", "json")
    else:
        applied = cli("apply", str(workspace), "--auto-approve", "--format", "json")
    assert applied.exit_code == 0, applied.stderr
    report = json.loads(applied.stdout)
    assert report["succeeded"] == 4 and report["failed"] == 0


def test_log_format_json_is_one_object_per_line_and_quiet_is_quiet(workspace: Path, platforms: Platforms,
                                                                   tmp_path: Path) -> None:
    logged = cli("--log-format", "json", "apply", str(workspace), "--auto-approve", "--format", "json")
    assert logged.exit_code == 0
    events = [json.loads(line) for line in logged.stderr.splitlines()]
    kinds = [event["event"] for event in events]
    assert kinds.count("read") == 2 and kinds.count("apply-start") == 1 and kinds.count("outcome") == 4
    assert json.loads(logged.stdout)["succeeded"] == 4
    broken = cli("--log-format", "json", "validate", str(tmp_path / "missing"))
    assert broken.exit_code == 1 and all(json.loads(line)["event"] == "error" for line in broken.stderr.splitlines())
    quiet = cli("--quiet", "plan", str(workspace), "--out", str(tmp_path / "again.json"))
    assert quiet.exit_code == 0 and quiet.stderr == "" and "No changes" in quiet.stdout


def _on_a_terminal(cwd: Path, *args: str, **env: str) -> str:
    """Run the real command with stdout and stderr on a pseudo-terminal; return what it drew."""
    parent, child = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "provisioner", *args], cwd=cwd, stdout=child, stderr=child,
                               stdin=subprocess.DEVNULL, env={**os.environ, "COLUMNS": "100", **env})
    os.close(child)
    chunks = []
    while True:
        ready, _, _ = select.select([parent], [], [], 60)
        try:
            chunk = os.read(parent, 65536) if ready else b""
        except OSError:  # the other side closed
            chunk = b""
        if not chunk:
            break
        chunks.append(chunk)
    os.close(parent)
    assert process.wait(60) == 0
    return b"".join(chunks).decode("utf-8", "replace")


def test_colour_and_a_progress_bar_on_a_terminal_only(tmp_path: Path) -> None:
    shutil.copytree(REPO / "examples" / "quickstart", tmp_path / "qs", ignore=shutil.ignore_patterns(".provisioner"))
    drawn = _on_a_terminal(tmp_path, "plan", "qs", "--no-save")
    assert "\x1b[32m+ topsort.spring-sale: create" in drawn  # green create
    assert "Reading live state" in drawn and "0/2" in drawn  # the bar's counter
    for switched_off in (_on_a_terminal(tmp_path, "plan", "qs", "--no-save", NO_COLOR="1"),
                         _on_a_terminal(tmp_path, "--no-color", "plan", "qs", "--no-save")):
        assert "+ topsort.spring-sale: create" in switched_off and "\x1b[32m" not in switched_off
    piped = subprocess.run([sys.executable, "-m", "provisioner", "plan", "qs", "--no-save"], cwd=tmp_path,
                           capture_output=True, text=True, check=True)
    assert "\x1b[" not in piped.stdout + piped.stderr and "topsort: read 0 live campaign(s)" in piped.stderr


def test_starting_the_cli_does_not_load_rich() -> None:
    """rich is for terminals only: scripts, CI and --help never pay for it (nor for httpx's own CLI)."""
    loaded = subprocess.run([sys.executable, "-c", "import sys, provisioner.cli; "
                             "print(sorted(m for m in sys.modules if m.split('.')[0] in ('rich', 'pygments')))"],
                            capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "[]"
