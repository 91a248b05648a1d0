"""A real PostgreSQL server for the state backend tests, started once per test session.

It runs from Debian's `postgresql` package (installed by .ci/run) in a temporary data directory on
a free loopback port; as root it runs as the unprivileged `postgres` user, since the server
refuses root. Where it cannot start the tests are skipped with the reason, except under CI=true.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

PASSWORD = "pg-SECRET-5be07a"  # trust auth ignores it; tests check it is never printed


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} — CI must run the PostgreSQL tests", pytrace=False)
    pytest.skip(reason)


def _binaries() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: [int(n) for n in re.findall(r"\d+", Path(p).parts[4])])
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _as_server_user(argv: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return argv
    return ["runuser", "-u", "postgres", "--", *argv]


class PostgresServer:
    def __init__(self, bin_dir: Path, extra: str = "") -> None:
        self.bin_dir, self.extra = bin_dir, extra
        # Not under pytest's tmp dir: that is private to root, and the server runs as `postgres`.
        self.base = Path(tempfile.mkdtemp(prefix="provisioner-pg-"))
        self.data, self.port = self.base / "data", _free_port()

    def run(self, *argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(_as_server_user([str(self.bin_dir / argv[0]), *argv[1:]]), capture_output=True,
                              text=True, timeout=60, cwd=self.base)

    def start(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.base, "postgres", "postgres")
        init = self.run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                        "--no-sync")
        if init.returncode != 0:
            raise RuntimeError(f"initdb failed: {init.stderr.strip()}")
        options = f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 {self.extra}"
        started = self.run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.base / "server.log"),
                           "-w", "-t", "30", "start")
        if started.returncode != 0:
            log = (self.base / "server.log").read_text() if (self.base / "server.log").exists() else ""
            raise RuntimeError(f"pg_ctl start failed: {started.stderr.strip()} {log[-500:]}")

    def dsn(self, database: str = "postgres") -> str:
        return f"postgresql://postgres:{PASSWORD}@127.0.0.1:{self.port}/{database}"

    def create_database(self) -> str:
        import psycopg

        name = f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.dsn(), autocommit=True) as conn:
            # FILE_COPY (PostgreSQL 15+) copies the small template directly instead of through WAL.
            strategy = " STRATEGY = FILE_COPY" if conn.info.server_version >= 150000 else ""
            conn.execute(f'CREATE DATABASE "{name}"{strategy}')
        return self.dsn(name)

    def stop(self) -> None:
        self.run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.base, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    try:
        import psycopg  # noqa: F401
    except ImportError:
        _unavailable("psycopg is not installed (pip install -e '.[test]')")
    bin_dir = _binaries()
    if bin_dir is None:
        _unavailable("PostgreSQL server binaries not found (apt-get install postgresql)")
    assert bin_dir is not None
    # fsync off: a test database per test costs a checkpoint otherwise. The crash tests kill the
    # client, never the server, so they do not rely on the server's own durability.
    server = PostgresServer(bin_dir, "-c fsync=off")
    try:
        server.start()
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as error:
        server.stop()
        _unavailable(f"PostgreSQL server could not start: {error}")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def _pg_database(postgres_server: PostgresServer) -> str:
    return postgres_server.create_database()


@pytest.fixture
def pg_dsn(_pg_database: str) -> str:
    """An empty database (its `provisioner` schema dropped), so schema creation runs in every test."""
    import psycopg

    with psycopg.connect(_pg_database, autocommit=True) as conn:
        conn.execute("DROP SCHEMA IF EXISTS provisioner CASCADE")
    return _pg_database
