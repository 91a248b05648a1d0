"""The README's walkthrough runs as written, in a fresh folder with the quickstart (as after command
1: the walkthrough uses its own copy), with the exit codes and output lines it shows; and shell
completion works as documented."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO


def _session() -> list[tuple[str, list[str]]]:
    """(command, expected output lines) of the console block under `## A session`."""
    block = REPO.joinpath("README.md").read_text().split("## A session", 1)[1].split("```console\n", 1)[1]
    steps: list[tuple[str, list[str]]] = []
    for line in block.split("\n```", 1)[0].splitlines():
        if line.startswith("$ "):
            steps.append((line[2:], []))
        elif line.strip() != "...":
            steps[-1][1].append(line)
    return steps


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PROVISIONER_")}
    return {**env, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"}


def test_walkthrough_runs_as_written(tmp_path: Path) -> None:
    shutil.copytree(REPO / "examples" / "quickstart", tmp_path / "examples" / "quickstart",
                    ignore=shutil.ignore_patterns(".provisioner"))
    first = subprocess.run("provisioner plan examples/quickstart && provisioner apply plans/quickstart.json",
                           shell=True, cwd=tmp_path, env=_env(), capture_output=True, text=True, check=False)
    assert first.returncode == 0, first.stderr  # command 1 of the README: the quickstart is now applied
    steps = _session()
    assert len(steps) >= 8
    campaign_id = ""
    for command, expected in steps:
        command = command.replace("<campaign-id>", campaign_id)
        wanted = re.search(r"# exit (\d+)", command)
        done = subprocess.run(command.split("#")[0], shell=True, cwd=tmp_path, env=_env(), capture_output=True,
                              text=True, timeout=120, check=False)
        assert done.returncode == (int(wanted.group(1)) if wanted else 0), (command, done.stdout, done.stderr)
        found = re.search(r"topsort\.spring-sale: managed, id (\S+)", done.stdout)
        campaign_id = found.group(1) if found else campaign_id
        for line in expected:
            assert line.replace("<campaign-id>", campaign_id) in done.stdout, (command, line, done.stdout)
    assert campaign_id


def test_shell_completion_as_documented(tmp_path: Path) -> None:
    script = subprocess.run(["provisioner"], env={**_env(), "_PROVISIONER_COMPLETE": "bash_source"},
                            capture_output=True, text=True, check=True)
    assert "complete -o nosort -F _provisioner_completion provisioner" in script.stdout
    answer = subprocess.run(["provisioner"], env={**_env(), "_PROVISIONER_COMPLETE": "bash_complete",
                                                  "COMP_WORDS": "provisioner pl", "COMP_CWORD": "1"},
                            capture_output=True, text=True, check=True)
    assert "plain,plan" in answer.stdout.splitlines()
    readme = REPO.joinpath("README.md").read_text()
    assert 'eval "$(_PROVISIONER_COMPLETE=bash_source provisioner)"' in readme
