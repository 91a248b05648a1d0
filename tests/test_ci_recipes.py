"""The CI recipes of examples/ci/ work: the scripts both workflow files call run, in the order the
jobs run them, with the real `provisioner` command against a sandbox copy of the quickstart."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import REPO

CI = REPO / "examples" / "ci"
WORKFLOWS = {"github": CI / "github-actions.yml", "gitlab": CI / "gitlab-ci.yml"}
MARKER = "<!-- provisioner-plan -->"


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PROVISIONER_", "GITHUB_", "CI_"))}
    env["PATH"] = f"{tmp_path / 'bin'}{os.pathsep}{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return {**env, "PROVISIONER_WORKSPACE": "campaigns", "PROVISIONER_OUT": "provisioner-out", **extra}


def _script(tmp_path: Path, name: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["sh", str(CI / name), *args], cwd=tmp_path, env=_env(tmp_path, **env),
                          capture_output=True, text=True, timeout=180, check=False)


@pytest.fixture
def campaigns(tmp_path: Path) -> Path:
    shutil.copytree(REPO / "examples" / "quickstart", tmp_path / "campaigns",
                    ignore=shutil.ignore_patterns(".provisioner"))
    (tmp_path / "bin").mkdir()
    return tmp_path / "campaigns"


def test_plan_apply_drift_scripts_in_order_on_the_sandbox(tmp_path: Path, campaigns: Path) -> None:
    out = tmp_path / "provisioner-out"
    planned = _script(tmp_path, "plan.sh", PROVISIONER_PLAN_URL="https://ci.example/runs/7#artifacts")
    assert planned.returncode == 0, planned.stderr  # 2 (changes) is what a pull request is for
    assert (out / "plan.exitcode").read_text().strip() == "2"
    comment = (out / "plan.md").read_text()
    assert "Plan: 4 to create" in comment
    assert 'The full plan: <a href="https://ci.example/runs/7#artifacts">' in comment  # --full-plan-url
    assert json.loads((out / "plan.json").read_text())["summary"]["create"] == 4

    applied = _script(tmp_path, "apply.sh")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert "4 succeeded, 0 failed" in applied.stdout

    drift = _script(tmp_path, "drift.sh")
    assert drift.returncode == 0, drift.stdout + drift.stderr
    assert "No drift" in (out / "drift.md").read_text()

    replanned = _script(tmp_path, "plan.sh")  # the next push: the comment says there is nothing to do
    assert replanned.returncode == 0 and (out / "plan.exitcode").read_text().strip() == "0"


def test_drift_fails_visibly_with_its_report(tmp_path: Path, campaigns: Path) -> None:
    assert _script(tmp_path, "plan.sh").returncode == 0
    assert _script(tmp_path, "apply.sh").returncode == 0
    shown = subprocess.run([sys.executable, "-m", "provisioner", "show", "campaigns", "--format", "json"],
                           cwd=tmp_path, env=_env(tmp_path), capture_output=True, text=True, check=True)
    spring = next(r for r in json.loads(shown.stdout) if r["key"] == "spring-sale")
    subprocess.run([sys.executable, "-m", "provisioner", "sandbox", "edit", "topsort", spring["id"],
                    "budget.amount=60000", "--state-dir", "campaigns/.provisioner/sandbox"],
                   cwd=tmp_path, env=_env(tmp_path), check=True, capture_output=True)
    drift = _script(tmp_path, "drift.sh", PROVISIONER_REPORT_URL="https://ci.example/runs/8#artifacts")
    assert drift.returncode == 2
    report = (tmp_path / "provisioner-out" / "drift.md").read_text()
    assert "spring-sale" in report and "60000" in report and report in drift.stdout
    assert 'The full drift report: <a href="https://ci.example/runs/8#artifacts">' in report


def test_apply_without_a_reviewed_plan_applies_nothing(tmp_path: Path, campaigns: Path) -> None:
    applied = _script(tmp_path, "apply.sh")
    assert applied.returncode == 1 and "no reviewed plan" in applied.stderr


def _fake(tmp_path: Path, name: str, body: str) -> None:
    path = tmp_path / "bin" / name
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o755)


@pytest.mark.parametrize("plan_code, script_code", [(2, 0), (3, 3), (1, 1)])
def test_plan_script_keeps_the_comment_for_a_blocked_plan(tmp_path: Path, campaigns: Path,
                                                         plan_code: int, script_code: int) -> None:
    """3 (a budget policy blocks the plan) still yields the comment, then fails; an error yields none."""
    _fake(tmp_path, "provisioner", f'echo "## provisioner plan"\nexit {plan_code}\n')
    planned = _script(tmp_path, "plan.sh")
    assert planned.returncode == script_code
    assert (tmp_path / "provisioner-out" / "plan.exitcode").read_text().strip() == str(plan_code)
    assert (tmp_path / "provisioner-out" / "plan.md").exists() == (plan_code != 1)


@pytest.mark.parametrize("existing, method, endpoint", [
    ("", "POST", "repos/acme/ads/issues/12/comments"),
    ("9001", "PATCH", "repos/acme/ads/issues/comments/9001"),
])
def test_github_comment_is_one_per_pull_request_updated_in_place(tmp_path: Path, campaigns: Path, existing: str,
                                                                 method: str, endpoint: str) -> None:
    calls = tmp_path / "gh-calls"
    # a stand-in for `gh`: answers the comment search with `existing`, records every call and body
    _fake(tmp_path, "gh", f"""echo "$@" >> {calls}
for arg in "$@"; do case $arg in body=@*) cat "${{arg#body=@}}" >> {calls}.body ;; esac; done
case "$*" in *--jq*) [ -n "{existing}" ] && echo "{existing}" ;; esac
exit 0
""")
    (tmp_path / "plan.md").write_text("## provisioner plan\nPlan: 1 to create\n")
    posted = _script(tmp_path, "github.sh", "comment", "plan.md", GITHUB_REPOSITORY="acme/ads", PR_NUMBER="12")
    assert posted.returncode == 0, posted.stderr
    search, write = calls.read_text().splitlines()
    assert "repos/acme/ads/issues/12/comments" in search and MARKER in search
    assert write.startswith(f"api --method {method} {endpoint} -F body=@")
    assert (tmp_path / "gh-calls.body").read_text() == f"{MARKER}\n## provisioner plan\nPlan: 1 to create\n"


def _commands(node: Any) -> list[str]:
    """Every shell command of a workflow file (`run:` steps on GitHub, `script:` lines on GitLab)."""
    if isinstance(node, dict):
        found = [c for key, value in node.items() if key in ("run", "script", "before_script")
                 for c in ([value] if isinstance(value, str) else value)]
        return found + [c for key, value in node.items() for c in _commands(value) if key not in ("run", "script")]
    if isinstance(node, list):
        return [c for item in node for c in _commands(item)]
    return []


@pytest.mark.parametrize("platform", sorted(WORKFLOWS))
def test_workflow_runs_these_scripts_and_installs_from_the_repository(platform: str) -> None:
    text = WORKFLOWS[platform].read_text()
    assert text.startswith("# yaml-language-server: $schema=https://")
    commands = "\n".join(_commands(yaml.safe_load(text)))
    for script in ("plan.sh", "apply.sh", "drift.sh", f"{platform}.sh comment", f"{platform}.sh fetch-plan"):
        assert f".provisioner-src/examples/ci/{script}" in commands, script
    assert "provisioner plan" not in commands and "provisioner apply" not in commands  # only in the scripts
    installs = re.findall(r"pip install[^\n]*", commands)
    assert installs and all('"./.provisioner-src[postgres]"' in line for line in installs), installs


def test_github_apply_waits_for_an_approval_and_plan_comment_survives_a_blocked_plan() -> None:
    jobs = yaml.safe_load(WORKFLOWS["github"].read_text())["jobs"]
    assert jobs["apply"]["environment"] == "campaigns"
    assert jobs["plan"]["permissions"]["pull-requests"] == "write"
    comment = next(s for s in jobs["plan"]["steps"] if "github.sh comment" in s.get("run", ""))
    assert "!cancelled()" in comment["if"]  # runs after the plan step failed with 3
    drift = jobs["drift"]["steps"]
    assert any("GITHUB_STEP_SUMMARY" in s.get("run", "") for s in drift)
    assert any(s.get("uses", "").startswith("actions/upload-artifact") for s in drift)


def test_workflows_give_the_comment_and_report_the_link_to_their_artifact() -> None:
    github = yaml.safe_load(WORKFLOWS["github"].read_text())["jobs"]
    plan_step = next(s for s in github["plan"]["steps"] if "plan.sh" in s.get("run", ""))
    assert plan_step["env"]["PROVISIONER_PLAN_URL"].endswith("/actions/runs/${{ github.run_id }}#artifacts")
    drift_step = next(s for s in github["drift"]["steps"] if "drift.sh" in s.get("run", ""))
    assert "PROVISIONER_REPORT_URL" in drift_step["env"]
    gitlab = yaml.safe_load(WORKFLOWS["gitlab"].read_text())
    assert gitlab["plan"]["variables"]["PROVISIONER_PLAN_URL"].startswith("$CI_JOB_URL/artifacts/")
    assert gitlab["drift"]["variables"]["PROVISIONER_REPORT_URL"].startswith("$CI_JOB_URL/artifacts/")


def test_readme_key_lines_are_the_workflows_own() -> None:
    """The README quotes the GitHub workflow's key lines: each is in the workflow as written."""
    section = REPO.joinpath("README.md").read_text().split("The key lines on GitHub:", 1)[1]
    quoted = section.split("```yaml\n", 1)[1].split("\n```", 1)[0].splitlines()
    workflow = {line.split(" #")[0].strip() for line in (CI / "github-actions.yml").read_text().splitlines()}
    assert len(quoted) >= 5
    for line in quoted:
        assert line.split(" #")[0].strip() in workflow, line
