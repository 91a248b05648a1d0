"""`provisioner show PLANFILE --format text|json|markdown` renders a saved plan; `show PATHS` still
lists state for a workspace."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from provisioner.plans.planfile import read_plan
from provisioner.views import human, markdown
from tests.conftest import Platforms, cli


@pytest.fixture
def saved(workspace: Path, platforms: Platforms, tmp_path: Path) -> Path:
    plan_file = tmp_path / "plans" / "ws.json"
    assert cli("plan", str(workspace), "--out", str(plan_file)).exit_code == 0
    platforms.clear()
    return plan_file


def test_show_renders_a_saved_plan_in_each_format_without_reading_the_platforms(
        saved: Path, platforms: Platforms) -> None:
    plan = read_plan(saved)
    text = cli("show", str(saved))
    assert text.exit_code == 0 and text.stdout == human.render_plan(plan)
    assert "+ topsort.spring-sale: create" in text.stdout
    document = json.loads(cli("show", str(saved), "--format", "json").stdout)
    assert document == json.loads(saved.read_text())
    comment = cli("show", str(saved), "--format", "markdown", "--full-plan-url", "https://ci.example/a/1")
    assert comment.stdout == markdown.render_plan(plan, full_plan_url="https://ci.example/a/1")
    assert "<summary><code>+ topsort.spring-sale</code> create</summary>" in comment.stdout
    assert platforms.requests("topsort") == [] and platforms.requests("criteo") == []


def test_show_of_a_workspace_still_lists_state(workspace: Path, saved: Path) -> None:
    assert cli("apply", str(saved)).exit_code == 0
    listed = cli("show", str(workspace))
    assert listed.exit_code == 0 and "topsort.spring-sale: managed, id " in listed.stdout
    table = cli("show", str(workspace), "--format", "markdown").stdout
    assert "| <code>topsort.spring-sale</code> | managed |" in table


def test_show_of_a_damaged_plan_file_is_an_error(tmp_path: Path) -> None:
    broken = tmp_path / "plan.json"
    broken.write_text('{"format_version": 2}')
    result = cli("show", str(broken))
    assert result.exit_code == 1 and "not a provisioner plan file" in result.stderr
