"""The PostgreSQL lock through the command line: readers (plan, drift) record who they are, one
row each, so a refused apply names them; force-unlock never breaks a live lock, and clears only
rows whose connection is gone. Against the real server the tests start."""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path

import psycopg
import pytest

from provisioner.states.postgres import MIGRATIONS, SCHEMA_VERSION, PostgresStateManager
from tests.conftest import Platforms, cli
from tests.states.conftest import PASSWORD


@pytest.fixture
def team_workspace(workspace: Path, pg_dsn: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TEAM_STATE_DSN", pg_dsn)
    (workspace / "state.yaml").write_text("state:\n  backend: postgres\n  dsn: ${env:TEAM_STATE_DSN}\n"
                                          "  workspace: shop\n")
    return workspace


def test_an_apply_refused_by_readers_names_every_one(team_workspace: Path, pg_dsn: str,
                                                     platforms: Platforms) -> None:
    first, second = PostgresStateManager(pg_dsn, "shop"), PostgresStateManager(pg_dsn, "shop")
    first.lock("plan shop", shared=True)
    second.lock("drift shop", shared=True)
    refused = cli("apply", str(team_workspace), "--auto-approve")
    assert refused.exit_code == 1 and "'?'" not in refused.stderr
    assert "locked by 2 reader(s) (plan or drift)" in refused.stderr
    for command in ("plan shop", "drift shop"):
        assert f"'{command}' (host {socket.gethostname()}, pid {os.getpid()}, since " in refused.stderr
    assert PASSWORD not in refused.output and pg_dsn not in refused.output
    assert platforms.requests("topsort", "POST") == []
    assert cli("plan", str(team_workspace), "--no-save").exit_code == 0  # readers still share it
    first.unlock()
    assert "locked by 1 reader(s) (plan or drift): 'drift shop'" in cli(
        "apply", str(team_workspace), "--auto-approve").stderr
    second.unlock()
    applied = cli("apply", str(team_workspace), "--auto-approve")
    assert applied.exit_code == 0, applied.output


def _drop_connection(manager: PostgresStateManager, dsn: str) -> None:
    """Close a holder's connection as a killed process would, and wait until the server has ended
    its session (and so released its advisory locks): closing is asynchronous on the server side."""
    assert manager._conn is not None
    pid = manager._conn.info.backend_pid
    manager._conn.close()
    manager._conn = None
    deadline = time.monotonic() + 10
    with psycopg.connect(dsn, autocommit=True) as conn:
        while conn.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchone():
            assert time.monotonic() < deadline, f"the server kept session {pid} for 10 s"
            time.sleep(0.02)


def test_force_unlock_names_live_readers_and_clears_vanished_ones(team_workspace: Path, pg_dsn: str) -> None:
    reader = PostgresStateManager(pg_dsn, "shop")
    reader.lock("plan shop", shared=True)
    held = cli("force-unlock", str(team_workspace))
    assert held.exit_code == 1
    assert f"held by 1 live reader(s) (plan or drift): 'plan shop' on host {socket.gethostname()}" in held.stdout
    _drop_connection(reader, pg_dsn)  # the reader's connection dies without unlock(): its row stays, naming nobody
    refused_by_nobody = cli("apply", str(team_workspace), "--auto-approve")
    assert refused_by_nobody.exit_code == 0, refused_by_nobody.output  # and an apply clears the row
    reader = PostgresStateManager(pg_dsn, "shop")
    reader.lock("drift shop", shared=True)
    _drop_connection(reader, pg_dsn)
    stale = cli("force-unlock", str(team_workspace))
    assert stale.exit_code == 0 and "Removed a stale reader's record: 'drift shop'" in stale.stdout
    assert cli("force-unlock", str(team_workspace)).stdout.strip() == "No lock record was present."


def test_a_live_writer_is_named_and_left_alone(team_workspace: Path, pg_dsn: str) -> None:
    holder = PostgresStateManager(pg_dsn, "shop")
    holder.lock("apply plans/stuck.json")
    held = cli("force-unlock", str(team_workspace))
    assert held.exit_code == 1 and "held by a live session ('apply plans/stuck.json'" in held.stdout
    assert "pg_terminate_backend" in held.stdout
    assert "locked by 'apply plans/stuck.json'" in cli("plan", str(team_workspace), "--no-save").stderr
    holder.unlock()
    assert cli("force-unlock", str(team_workspace)).stdout.strip() == "No lock record was present."


def test_a_version_1_schema_is_upgraded_in_place(pg_dsn: str) -> None:
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute("CREATE SCHEMA provisioner")
        conn.execute("CREATE TABLE provisioner.schema_version (version integer PRIMARY KEY, "
                     "applied_at timestamptz NOT NULL DEFAULT now())")
        conn.execute(MIGRATIONS[0])
        conn.execute("INSERT INTO provisioner.schema_version (version) VALUES (1)")
        conn.execute("INSERT INTO provisioner.workspaces (name, lineage, serial) VALUES ('shop', 'l-1', 4)")
    reader = PostgresStateManager(pg_dsn, "shop")
    reader.lock("plan shop", shared=True)
    assert reader.load().serial == 4
    reader.unlock()
    with psycopg.connect(pg_dsn) as conn:
        versions = [v for (v,) in conn.execute("SELECT version FROM provisioner.schema_version ORDER BY 1")]
    assert versions == list(range(1, SCHEMA_VERSION + 1))
