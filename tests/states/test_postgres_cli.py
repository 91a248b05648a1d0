"""The PostgreSQL state backend through the command line: plan/apply/show/force-unlock, state
push/pull, two applies racing from two processes, and kill -9 during an apply. Applies run as
real subprocesses; the five emulators run in a process of their own, so a killed apply does not
take the platforms with it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from tests.conftest import cli
from tests.reliability import workspace_gen
from tests.reliability.platforms_process import identity, live_ids, serve_platforms
from tests.states.conftest import PASSWORD

ENV = {"TOPSORT_API_KEY": "pg-secret-topsort", "CRITEO_CLIENT_ID": "cid", "CRITEO_CLIENT_SECRET": "pg-secret-criteo",
       "SESSIONM_API_KEY": "pg-sessionm-key", "SESSIONM_API_SECRET": "pg-secret-sessionm",
       "TARGETER_API_KEY": "pg-targeter-key", "TARGETER_API_SECRET": "pg-secret-targeter",
       "SKALA_USERNAME": "pg-user", "SKALA_PASSWORD": "pg-secret-skala"}
STATE_YAML = "state:\n  backend: postgres\n  dsn: ${{env:TEAM_STATE_DSN}}\n  workspace: {name}\n"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[dict[str, str], Path]]:
    data = tmp_path_factory.mktemp("platforms")
    with serve_platforms(data, latency=0.05) as urls:
        yield urls, data


@pytest.fixture
def team_env(pg_dsn: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    for name, value in {**ENV, "TEAM_STATE_DSN": pg_dsn}.items():
        monkeypatch.setenv(name, value)
    for name in ("PROVISIONER_STATE_BACKEND", "PROVISIONER_STATE_DSN", "PROVISIONER_STATE_WORKSPACE"):
        monkeypatch.delenv(name, raising=False)
    return os.environ.copy()


def team_workspace(root: Path, urls: dict[str, str], per_platform: int, name: str) -> Path:
    workspace_gen.write(root, per_platform, urls, f"{name}-", extra=", parallelism: 1")
    (root / "state.yaml").write_text(STATE_YAML.format(name=name))
    return root


def rows(dsn: str, workspace: str) -> dict[str, dict[str, Any]]:
    with psycopg.connect(dsn) as conn:
        found = conn.execute("SELECT key, data FROM provisioner.resources WHERE workspace = %s",
                             (workspace,)).fetchall()
    return {key: data for key, data in found}


def live(data: Path, platform: str, marker: str) -> list[str]:
    return live_ids(data, platform, marker)


def provisioner(*args: str, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "provisioner", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)


def wait_until(condition, *processes: subprocess.Popen[str], seconds: float = 30) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and any(p.poll() is None for p in processes):
        if condition():
            return
        time.sleep(0.005)
    raise AssertionError("the apply finished or stalled before the awaited moment")


def assert_state_matches_platforms(root: Path, data: Path, dsn: str, name: str) -> None:
    """Every campaign exists exactly once, state holds its platform id, and nothing is left to do."""
    planned = cli("plan", str(root), "--no-save", "--format", "json")
    assert planned.exit_code == 0, planned.stderr
    changes = json.loads(planned.stdout)["changes"]
    assert {c["action"] for c in changes} == {"no-op"}
    state = rows(dsn, name)
    assert all(entry["status"] == "managed" for entry in state.values())
    for change in changes:
        found = live(data, change["provider"], identity(change))
        # Targeter keys its store by our reference, not by the id it returns; once is what counts.
        expected = [state[change["key"]]["id"]] if change["provider"] != "targeter" else [change["key"]]
        assert found == expected, change["key"]


def test_plan_apply_show_with_postgres_state(served, team_env, pg_dsn: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    urls, data = served
    root = team_workspace(tmp_path / "ws", urls, 1, "basic")
    plan_file = tmp_path / "p.json"
    planned = cli("plan", str(root), "--out", str(plan_file), "--detailed-exitcode")
    assert planned.exit_code == 2, planned.output
    applied = cli("apply", str(plan_file))
    assert applied.exit_code == 0, applied.output
    assert "Apply complete: 5 succeeded, 0 failed." in applied.stdout
    assert not (root / ".provisioner" / "state.json").exists()  # the state went to PostgreSQL only
    shown = cli("show", str(root), "--format", "json")
    assert {r["key"] for r in json.loads(shown.stdout)} == set(rows(pg_dsn, "basic"))
    assert_state_matches_platforms(root, data, pg_dsn, "basic")
    assert cli("force-unlock", str(root)).stdout.strip() == "No lock record was present."
    for text in (planned.output, applied.output, shown.output, plan_file.read_text()):
        assert PASSWORD not in text and pg_dsn not in text


def test_state_push_then_pull(served, team_env, pg_dsn: str, tmp_path: Path,  # type: ignore[no-untyped-def]
                              monkeypatch: pytest.MonkeyPatch) -> None:
    urls, _ = served
    root = team_workspace(tmp_path / "ws", urls, 1, "moved")
    (root / "state.yaml").unlink()  # applied with the local file first
    assert cli("apply", str(root), "--auto-approve").exit_code == 0
    local = json.loads((root / ".provisioner" / "state.json").read_text())

    (root / "state.yaml").write_text(STATE_YAML.format(name="moved"))
    assert cli("plan", str(root), "--no-save", "--detailed-exitcode").exit_code == 2  # empty shared state
    pushed = cli("state", "push", str(root))
    assert pushed.exit_code == 0, pushed.output
    assert "Copied 5 resource(s)" in pushed.stdout and PASSWORD not in pushed.output
    assert cli("plan", str(root), "--no-save", "--detailed-exitcode").exit_code == 0
    assert cli("state", "push", str(root)).exit_code == 0  # same lineage and serial: allowed again

    (root / ".provisioner" / "state.json").unlink()
    pulled = cli("state", "pull", str(root))
    assert pulled.exit_code == 0, pulled.output
    back = json.loads((root / ".provisioner" / "state.json").read_text())
    assert (back["lineage"], back["resources"].keys()) == (local["lineage"], local["resources"].keys())

    # Another workspace's state is never overwritten by accident.
    (root / ".provisioner" / "state.json").write_text(json.dumps({**back, "lineage": "someone-else"}))
    refused = cli("state", "push", str(root))
    assert refused.exit_code == 1 and "another workspace lineage" in refused.stderr
    assert cli("state", "push", str(root), "--force").exit_code == 0

    monkeypatch.setenv("PROVISIONER_STATE_BACKEND", "local")
    assert "state backend is local" in cli("state", "pull", str(root)).stderr


def test_two_applies_at_once_one_waits_or_fails_naming_the_holder(  # type: ignore[no-untyped-def]
        served, team_env, pg_dsn: str, tmp_path: Path) -> None:
    urls, data = served
    root = team_workspace(tmp_path / "ws", urls, 6, "race")
    plan_file = tmp_path / "race.json"
    assert cli("plan", str(root), "--out", str(plan_file)).exit_code == 0

    # Two pipelines apply the same reviewed plan at the same moment, neither willing to wait.
    racers = [provisioner("apply", str(plan_file), env=team_env) for _ in range(2)]
    wait_until(lambda: (rows_holder(pg_dsn, "race") or {}).get("pid") in {r.pid for r in racers}, *racers)
    # Two more arrive while it runs, and wait for the lock.
    same_plan = provisioner("apply", str(plan_file), "--lock-timeout", "60", env=team_env)
    workspace = provisioner("apply", str(root), "--auto-approve", "--lock-timeout", "60", env=team_env)
    results = [(p, *p.communicate(timeout=60)) for p in [*racers, same_plan, workspace]]

    (winner, won, _), (loser, _, lost) = sorted(results[:2], key=lambda r: r[0].returncode)
    assert winner.returncode == 0 and "Apply complete: 30 succeeded, 0 failed." in won
    assert loser.returncode == 1 and f"locked by 'apply {plan_file}'" in lost and f"pid {winner.pid}" in lost
    # Having waited for the lock, the same plan is refused: the state it was made from changed.
    assert same_plan.returncode == 1 and "the plan is stale" in results[2][2]
    # Having waited and planned under the lock, a workspace apply finds nothing left to do.
    assert workspace.returncode == 0 and "No changes" in results[3][1], results[3]
    assert_state_matches_platforms(root, data, pg_dsn, "race")
    assert rows_holder(pg_dsn, "race") is None
    assert not any(PASSWORD in text for result in results for text in result[1:])


def rows_holder(dsn: str, workspace: str) -> dict[str, Any] | None:
    with psycopg.connect(dsn) as conn:
        if conn.execute("SELECT to_regclass('provisioner.locks')").fetchone()[0] is None:
            return None
        row = conn.execute("SELECT pid, command FROM provisioner.locks WHERE workspace = %s",
                           (workspace,)).fetchone()
    return {"pid": row[0], "command": row[1]} if row else None


@pytest.mark.parametrize("kill_after", [3, 14])
def test_kill9_during_apply_next_plan_shows_exactly_the_remaining_work(  # type: ignore[no-untyped-def]
        served, team_env, pg_dsn: str, tmp_path: Path, kill_after: int) -> None:
    urls, data = served
    name = f"crash{kill_after}"
    root = team_workspace(tmp_path / "ws", urls, 5, name)
    apply = provisioner("apply", str(root), "--auto-approve", env=team_env)
    # Killed once `kill_after` outcomes are committed (of 25): the count is the apply's own progress.
    managed = lambda: sum(r["status"] == "managed" for r in rows_if_any(pg_dsn, name).values())  # noqa: E731
    wait_until(lambda: managed() >= kill_after, apply)
    apply.send_signal(signal.SIGKILL)
    apply.communicate()
    assert apply.returncode == -signal.SIGKILL
    assert 0 < managed() < 25

    planned = cli("plan", str(root), "--no-save", "--format", "json")
    assert planned.exit_code == 0, planned.stderr
    changes = json.loads(planned.stdout)["changes"]
    for change in changes:
        if change["provider"] == "targeter":
            continue  # not observable: create-or-retrieve, checked by the final counts
        on_platform = len(live(data, change["provider"], identity(change)))
        assert on_platform == (0 if change["action"] == "create" else 1), (change["key"], change["action"])
    assert sum(c["action"] == "create" for c in changes) > 0

    # The killed holder's connection died with it: the next apply takes the lock at once.
    finished = cli("apply", str(root), "--auto-approve")
    assert finished.exit_code == 0, finished.output
    assert_state_matches_platforms(root, data, pg_dsn, name)


def rows_if_any(dsn: str, workspace: str) -> dict[str, dict[str, Any]]:
    try:
        return rows(dsn, workspace)
    except psycopg.errors.UndefinedTable:
        return {}


def test_force_unlock_leaves_a_live_lock_and_clears_a_stale_record(  # type: ignore[no-untyped-def]
        served, team_env, pg_dsn: str, tmp_path: Path) -> None:
    from provisioner.states.postgres import PostgresStateManager

    root = team_workspace(tmp_path / "ws", served[0], 1, "stuck")
    holder = PostgresStateManager(pg_dsn, "stuck")
    holder.lock("apply plans/stuck.json")
    live_lock = cli("force-unlock", str(root))
    assert live_lock.exit_code == 1 and "held by a live session ('apply plans/stuck.json'" in live_lock.stdout
    holder._conn.close()  # the holder's connection dies without unlocking: only the record is left
    stale = cli("force-unlock", str(root))
    assert stale.exit_code == 0 and "Removed lock record: 'apply plans/stuck.json'" in stale.stdout
    assert cli("force-unlock", str(root)).stdout.strip() == "No lock record was present."
