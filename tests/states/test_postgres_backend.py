"""The PostgreSQL state backend against a real server: the same contract as the local file
(tested side by side), schema creation and versioning, and the advisory lock."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from provisioner.errors import StateError, StateLockedError
from provisioner.states.backend import StateBackend
from provisioner.states.postgres import SCHEMA_VERSION, PostgresStateManager, redact_dsn
from provisioner.states.state import PENDING, ResourceState, State
from provisioner.states.statemgr import LocalStateManager
from tests.states.conftest import PASSWORD


@pytest.fixture(params=["local", "postgres"])
def make_backend(request: pytest.FixtureRequest, tmp_path: Path):  # type: ignore[no-untyped-def]
    """A factory of backends that all see the same stored workspace."""
    if request.param == "local":
        return lambda: LocalStateManager(tmp_path / "state")
    dsn = request.getfixturevalue("pg_dsn")
    return lambda: PostgresStateManager(dsn, "shop")


def test_both_backends_satisfy_the_interface(make_backend) -> None:  # type: ignore[no-untyped-def]
    assert isinstance(make_backend(), StateBackend)


def test_outcomes_are_stored_as_they_happen(make_backend) -> None:  # type: ignore[no-untyped-def]
    writer = make_backend()
    writer.load()
    writer.lock("test")
    writer.record(ResourceState("a", "topsort", "topsort", PENDING, attrs={"name": "A"}))
    writer.record(ResourceState("a", "topsort", "topsort", id="1", attrs={"name": "A", "amount": "1.50"}))
    writer.record(ResourceState("b", "criteo", "criteo", id="2", outputs={"link": "https://x/2"}))
    writer.remove("b")
    writer.record(ResourceState("c", "criteo", "criteo", PENDING))
    # No compaction: a crash here must lose nothing already recorded.
    reader = make_backend().load()
    assert {k: (r.status, r.id) for k, r in reader.resources.items()} == {"a": ("managed", "1"), "c": ("pending", None)}
    assert reader.resources["a"].attrs == {"name": "A", "amount": "1.50"}
    assert reader.digest() == writer.state.digest()
    writer.compact()
    writer.unlock()
    again = make_backend().load()
    assert again.serial == 1 and again.lineage == writer.state.lineage and again.digest() == writer.state.digest()


def test_second_holder_fails_fast_naming_the_first(make_backend) -> None:  # type: ignore[no-untyped-def]
    first, second = make_backend(), make_backend()
    first.lock("apply plans/spring.json")
    with pytest.raises(StateLockedError) as raised:
        second.lock("apply other", timeout=0.3)
    message = str(raised.value)
    assert "locked by 'apply plans/spring.json'" in message and "pid" in message and "since" in message
    holder = second.holder()
    assert holder is not None and holder["command"] == "apply plans/spring.json"
    first.unlock()
    second.lock("apply other")
    second.unlock()


def test_writes_need_the_lock(make_backend) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(StateError, match="state writes need the lock"):
        make_backend().record(ResourceState("a", "topsort", "topsort"))


def test_replace_writes_a_whole_state(make_backend) -> None:  # type: ignore[no-untyped-def]
    manager = make_backend()
    manager.lock("push")
    manager.record(ResourceState("old", "topsort", "topsort", id="9"))
    pushed = State(lineage="lineage-1", serial=7,
                   resources={f"k{i}": ResourceState(f"k{i}", "criteo", "criteo", id=str(i)) for i in range(50)})
    manager.replace(pushed)
    manager.unlock()
    loaded = make_backend().load()
    assert (loaded.lineage, loaded.serial, len(loaded.resources)) == ("lineage-1", 7, 50)
    assert "old" not in loaded.resources and loaded.digest() == pushed.digest()


def test_schema_is_created_once_and_versioned(pg_dsn: str) -> None:
    PostgresStateManager(pg_dsn, "a").load()
    PostgresStateManager(pg_dsn, "b").load()
    with psycopg.connect(pg_dsn) as conn:
        versions = conn.execute("SELECT version FROM provisioner.schema_version").fetchall()
        assert versions == [(version,) for version in range(1, SCHEMA_VERSION + 1)]  # each migration once
        conn.execute("INSERT INTO provisioner.schema_version (version) VALUES (%s)", (SCHEMA_VERSION + 1,))
    with pytest.raises(StateError, match="newer than this provisioner understands"):
        PostgresStateManager(pg_dsn, "a").load()


def test_workspaces_are_separate(pg_dsn: str) -> None:
    shop, blog = PostgresStateManager(pg_dsn, "shop"), PostgresStateManager(pg_dsn, "blog")
    shop.lock("apply shop")
    blog.lock("apply blog")  # another workspace's lock is another key
    shop.record(ResourceState("a", "topsort", "topsort", id="1"))
    shop.unlock()
    blog.unlock()
    assert list(PostgresStateManager(pg_dsn, "shop").load().resources) == ["a"]
    assert PostgresStateManager(pg_dsn, "blog").load().resources == {}


HOLD = """
import sys, time
from provisioner.states.postgres import PostgresStateManager
manager = PostgresStateManager(sys.argv[1], "shop")
manager.lock("apply in another process")
print("locked", flush=True)
time.sleep(60)
"""


def test_lock_dies_with_the_holder_and_its_record_is_seen_as_stale(pg_dsn: str) -> None:
    holder = subprocess.Popen([sys.executable, "-c", HOLD, pg_dsn], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        manager = PostgresStateManager(pg_dsn, "shop")
        with pytest.raises(StateLockedError, match=f"pid {holder.pid}"):
            manager.lock("apply here")
        info = manager.force_unlock()
        assert info is not None and info["alive"] is True  # a live lock is not broken from here
        waiter = PostgresStateManager(pg_dsn, "shop")
        start = time.monotonic()
        holder.kill()  # kill -9: the server ends its session, and the advisory lock with it
        holder.wait()
        waiter.lock("apply after the crash", timeout=10)
        assert time.monotonic() - start < 10
        now = waiter.holder()
        assert now is not None and now["command"] == "apply after the crash" and now["alive"] is True
        waiter.unlock()
        assert waiter.holder() is None
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()  # type: ignore[union-attr]


def test_stale_record_is_cleared_by_force_unlock(pg_dsn: str) -> None:
    manager = PostgresStateManager(pg_dsn, "shop")
    manager.lock("apply that crashed")
    manager._conn.close()  # the connection dies without unlock(): the lock goes, the record stays
    manager._conn = None
    info = PostgresStateManager(pg_dsn, "shop").force_unlock()
    assert info is not None and info["command"] == "apply that crashed" and info["alive"] is False
    assert PostgresStateManager(pg_dsn, "shop").holder() is None


def test_errors_never_show_the_dsn(postgres_server) -> None:  # type: ignore[no-untyped-def]
    refused = postgres_server.dsn().replace(str(postgres_server.port), "1")  # nothing listens on port 1
    with pytest.raises(StateError) as raised:
        PostgresStateManager(refused, "shop").load()
    assert PASSWORD not in str(raised.value) and "cannot connect" in str(raised.value)
    with pytest.raises(StateError) as malformed:
        PostgresStateManager(f"host=127.0.0.1 password={PASSWORD} nonsense", "shop").load()
    assert PASSWORD not in str(malformed.value)
    assert PASSWORD not in redact_dsn(f"postgresql://u:{PASSWORD}@h/db failed", "other")
    assert PASSWORD not in repr(PostgresStateManager(refused, "shop"))
