"""The README's exit-code table is the truth: it equals provisioner/exitcodes.py, every command's
--help shows its rows, and the commands exit with those codes (every code a test can reach)."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from provisioner.exitcodes import COMMANDS, EVERY_COMMAND
from tests.conftest import REPO, Platforms, cli, make_workspace, state_of


def _readme_table() -> set[tuple[str, int, str]]:
    section = REPO.joinpath("README.md").read_text().split("### Exit codes", 1)[1].split("\n#", 1)[0]
    rows = re.findall(r"^\| (`[\w-]+`|every command) \| (\d+) \| (.+?) \|$", section, re.M)
    assert rows, "no exit-code table under '### Exit codes' in the README"
    return {(name.strip("`"), int(code), meaning) for name, code, meaning in rows}


TABLE = _readme_table()


def test_readme_table_is_the_definition() -> None:
    defined = {(name, e.code, e.meaning) for name, codes in COMMANDS.items() for e in codes}
    defined |= {("every command", e.code, e.meaning) for e in EVERY_COMMAND}
    assert defined == TABLE
    assert {("validate", 0), ("validate", 1), ("plan", 0), ("plan", 2), ("plan", 3), ("plan", 1), ("apply", 0),
            ("apply", 1), ("apply", 3), ("drift", 0), ("drift", 2), ("drift", 1), ("every command", 130),
            ("every command", 143)} <= {(name, code) for name, code, _ in TABLE}


@pytest.mark.parametrize("command", sorted({name for name, _, _ in TABLE} - {"every command"}))
def test_each_commands_help_shows_its_rows(command: str) -> None:
    helped = cli(command, "--help")
    assert helped.exit_code == 0
    text = " ".join(helped.stdout.split())
    for name, code, meaning in sorted(TABLE):
        if name in (command, "every command"):
            assert f"{code} {meaning}" in text, (command, code, meaning)
    summary = " ".join(cli("--help").stdout.split())
    for code in sorted({code for name, code, _ in TABLE if name == command}):
        assert re.search(rf"{re.escape(command)} [^A-Z]*\b{code} ", summary), (command, code)


def _exits(command: str, code: int, result_code: int) -> None:
    assert result_code == code
    assert (command, code) in {(name, c) for name, c, _ in TABLE} | {(command, c) for n, c, _ in TABLE
                                                                     if n == "every command"}


def test_commands_exit_as_the_table_says(workspace: Path, platforms: Platforms, tmp_path: Path) -> None:
    plan_file = tmp_path / "plan.json"
    _exits("validate", 0, cli("validate", str(workspace)).exit_code)
    _exits("plan", 0, cli("plan", str(workspace), "--out", str(plan_file)).exit_code)
    _exits("plan", 2, cli("plan", str(workspace), "--out", str(plan_file), "--detailed-exitcode").exit_code)
    _exits("show", 0, cli("show", str(plan_file)).exit_code)
    edited = tmp_path / "edited.json"
    edited.write_text(plan_file.read_text().replace('"create"', '"retire"', 1))
    _exits("apply", 1, cli("apply", str(edited)).exit_code)  # an edited plan is refused
    _exits("show", 1, cli("show", str(edited)).exit_code)
    _exits("apply", 0, cli("apply", str(plan_file)).exit_code)
    _exits("plan", 0, cli("plan", str(workspace), "--no-save", "--detailed-exitcode").exit_code)
    _exits("drift", 0, cli("drift", str(workspace)).exit_code)
    spring = state_of(workspace)["spring-sale"]["id"]  # a person edits it in the platform's UI
    with httpx.Client(base_url=platforms.url("topsort"), headers={"Authorization": "Bearer ui"}) as client:
        client.patch(f"/public/v1/campaign-service/campaigns/{spring}", json={"name": "Edited by hand"})
    _exits("drift", 2, cli("drift", str(workspace)).exit_code)
    _exits("force-unlock", 0, cli("force-unlock", str(workspace)).exit_code)
    _exits("state", 1, cli("state", "rm", str(workspace), "--key", "no-such-key").exit_code)
    _exits("schema", 0, cli("schema", "--out", str(tmp_path / "schema.json")).exit_code)
    unwritable = cli("schema", "--out", str(tmp_path / "no-such-dir" / "deeper" / "schema.json"))
    _exits("schema", 1, unwritable.exit_code)
    assert "no-such-dir" in unwritable.stderr and "cannot write the schema" in unwritable.stderr  # no traceback
    _exits("plan", 1, cli("plan", str(workspace), "--unknown-flag").exit_code)  # usage errors exit 1
    (workspace / "campaigns.yaml").write_text("campaigns: [")
    _exits("validate", 1, cli("validate", str(workspace)).exit_code)
    _exits("plan", 1, cli("plan", str(workspace)).exit_code)
    _exits("drift", 1, cli("drift", str(workspace)).exit_code)


@pytest.fixture
def silent_platform() -> tuple[str, threading.Event]:
    """A platform that accepts connections and never answers: a run waits there until stopped."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    connected = threading.Event()
    held: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                held.append(server.accept()[0])
            except OSError:
                return
            connected.set()

    threading.Thread(target=accept, daemon=True).start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}", connected  # type: ignore[misc]
    server.close()
    for connection in held:
        connection.close()


@pytest.mark.parametrize("stop, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_an_interrupted_run_exits_130_or_143(tmp_path: Path, silent_platform: tuple[str, threading.Event],
                                             stop: signal.Signals, code: int) -> None:
    url, connected = silent_platform
    workspace = make_workspace(tmp_path / "ws", f"providers:\n  topsort:\n    base_url: {url}\n"
                               "    api_key: ${env:TOPSORT_API_KEY}\n    vendor_id: v\n    timeout_seconds: 2\n"
                               "    max_retries: 0\n", "campaigns: {}\n")
    env = {**os.environ, "TOPSORT_API_KEY": "k"}
    process = subprocess.Popen([sys.executable, "-m", "provisioner", "plan", str(workspace), "--no-save"],
                               cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert connected.wait(30), "the plan never reached the platform"
    time.sleep(0.2)
    process.send_signal(stop)
    _, stderr = process.communicate(timeout=30)
    # a shell reports a process ended by SIGTERM as 128 + 15; Python reports it as -15
    shell_code = 128 - process.returncode if process.returncode < 0 else process.returncode
    assert shell_code == code, stderr
    assert (("every command", code) in {(n, c) for n, c, _ in TABLE})
    if stop is signal.SIGINT:
        assert "Interrupted." in stderr and "Traceback" not in stderr
