"""PostgreSQL state backend for teams and CI: one row per resource, one committed statement per
outcome, and a session-level advisory lock held on a dedicated connection for a whole
plan-for-apply and apply, so it dies with the holder's process or connection.

The tables live in the `provisioner` schema, created on first use and versioned in
`provisioner.schema_version`; a schema newer than this code is refused, never altered.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from typing import Any

from provisioner.errors import StateError, StateLockedError
from provisioner.states.backend import holder_info, locked_message, now_iso
from provisioner.states.state import ResourceState, State

SCHEMA_VERSION = 1
# Each entry upgrades the schema from version N to N+1; append, never edit a released one.
MIGRATIONS = [
    """
    CREATE TABLE provisioner.workspaces (
        name text PRIMARY KEY,
        lineage text NOT NULL,
        serial bigint NOT NULL DEFAULT 0,
        updated_at timestamptz NOT NULL DEFAULT now());
    CREATE TABLE provisioner.resources (
        workspace text NOT NULL REFERENCES provisioner.workspaces (name) ON DELETE CASCADE,
        key text NOT NULL,
        data jsonb NOT NULL,
        PRIMARY KEY (workspace, key));
    CREATE TABLE provisioner.locks (
        workspace text PRIMARY KEY,
        host text, pid integer, command text, since text,
        backend_pid integer NOT NULL);
    """,
]
if len(MIGRATIONS) != SCHEMA_VERSION:
    raise StateError(f"{len(MIGRATIONS)} migrations for schema version {SCHEMA_VERSION}")
_MIGRATION_LOCK = 0x70726F76  # transaction-level advisory lock serialising first-use schema creation

_UPSERT = ("INSERT INTO provisioner.resources (workspace, key, data) VALUES (%s, %s, %s::jsonb) "
           "ON CONFLICT (workspace, key) DO UPDATE SET data = EXCLUDED.data")


def _psycopg() -> Any:
    try:
        import psycopg
    except ImportError:
        raise StateError("the postgres state backend needs psycopg: pip install 'provisioner[postgres]'") from None
    return psycopg


def lock_key(workspace: str) -> int:
    """The advisory lock's bigint key: stable across processes and versions (not hashtext)."""
    digest = hashlib.sha256(f"provisioner-state:{workspace}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def redact_dsn(text: str, dsn: str) -> str:
    """Driver messages may quote the connection string: keep its password out of every message."""
    text = text.replace(dsn, "***")
    text = re.sub(r"(password\s*=\s*)('[^']*'|\S+)", r"\1***", text, flags=re.IGNORECASE)
    return re.sub(r"(://[^:/@\s]*:)[^@\s]*@", r"\1***@", text)


def _state_json(resource: ResourceState) -> str:
    # The same JSON the local state file holds (default=str for Decimals), so the state digest
    # is identical whichever backend a plan was made against.
    return json.dumps(resource.to_dict(), sort_keys=True, default=str, separators=(",", ":"))


class PostgresStateManager:
    """A `StateBackend` in PostgreSQL; `dsn` is a secret and never appears in a message."""

    def __init__(self, dsn: str, workspace: str) -> None:
        self._dsn = dsn
        self.workspace = workspace
        self.key = lock_key(workspace)
        self._conn: Any = None  # the lock holder's connection, open between lock() and unlock()
        self._shared = False
        self.state = State()

    def __repr__(self) -> str:
        return f"PostgresStateManager(workspace={self.workspace!r})"

    def describe(self) -> str:
        return f"in PostgreSQL (workspace {self.workspace!r})"

    # -- connections ------------------------------------------------------------------------------
    def _error(self, doing: str, error: Exception) -> StateError:
        return StateError(f"PostgreSQL state backend: cannot {doing}: "
                          f"{redact_dsn(str(error).strip(), self._dsn)}")

    def _connect(self) -> Any:
        psycopg = _psycopg()
        try:
            conn = psycopg.connect(self._dsn, autocommit=True, connect_timeout=10,
                                   application_name="provisioner")
        except psycopg.Error as error:
            raise self._error("connect", error) from None
        except Exception as error:  # a malformed DSN is a ProgrammingError or ValueError by version
            raise self._error("parse the connection string", error) from None
        try:
            self._ensure_schema(conn)
        except BaseException as error:
            conn.close()
            if isinstance(error, psycopg.Error):
                raise self._error("create or check the state schema", error) from None
            raise
        return conn

    @staticmethod
    def _ensure_schema(conn: Any) -> None:
        if conn.execute("SELECT to_regclass('provisioner.schema_version')").fetchone()[0] is not None:
            current = conn.execute("SELECT max(version) FROM provisioner.schema_version").fetchone()[0] or 0
            if current == SCHEMA_VERSION:
                return  # the usual case: one cheap query per connection
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
            conn.execute("CREATE SCHEMA IF NOT EXISTS provisioner")
            conn.execute("CREATE TABLE IF NOT EXISTS provisioner.schema_version ("
                         "version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())")
            current = conn.execute("SELECT max(version) FROM provisioner.schema_version").fetchone()[0] or 0
            if current > SCHEMA_VERSION:
                raise StateError(f"the PostgreSQL state schema is version {current}, newer than this "
                                 f"provisioner understands ({SCHEMA_VERSION}); upgrade provisioner")
            for version in range(current + 1, SCHEMA_VERSION + 1):
                conn.execute(MIGRATIONS[version - 1])
                conn.execute("INSERT INTO provisioner.schema_version (version) VALUES (%s)", (version,))

    def _run(self, doing: str, function: Any) -> Any:
        """Run `function(conn)` on the lock's connection, or on a short-lived one for reads."""
        psycopg = _psycopg()
        own = self._conn is None
        conn = self._connect() if own else self._conn
        try:
            return function(conn)
        except psycopg.Error as error:
            raise self._error(doing, error) from None
        finally:
            if own:
                conn.close()

    # -- reading ----------------------------------------------------------------------------------
    def load(self) -> State:
        self.state = self._run("read the state", self._read)
        return self.state

    def _read(self, conn: Any) -> State:
        with conn.transaction():  # one snapshot: the serial and the rows agree
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            row = conn.execute("SELECT lineage, serial FROM provisioner.workspaces WHERE name = %s",
                               (self.workspace,)).fetchone()
            if row is None:
                return State()
            rows = conn.execute("SELECT data::text FROM provisioner.resources WHERE workspace = %s",
                                (self.workspace,)).fetchall()
        resources = [ResourceState.from_dict(json.loads(data)) for (data,) in rows]
        return State(lineage=row[0], serial=int(row[1]), resources={r.key: r for r in resources})

    # -- locking ----------------------------------------------------------------------------------
    def lock(self, command: str, timeout: float = 0.0, shared: bool = False) -> None:
        conn = self._connect()
        deadline = time.monotonic() + timeout
        take = "pg_try_advisory_lock_shared" if shared else "pg_try_advisory_lock"
        try:
            while not conn.execute(f"SELECT {take}(%s)", (self.key,)).fetchone()[0]:
                if time.monotonic() >= deadline:
                    raise StateLockedError(locked_message(
                        self.describe(), self._current_holder(conn),
                        "if that process is gone, its connection's death has already freed the lock"))
                time.sleep(0.2)
            self._shared = shared
            if shared:  # a reader records nothing and writes nothing
                self._conn = conn
                return
            info = holder_info(command)
            conn.execute("INSERT INTO provisioner.locks (workspace, host, pid, command, since, backend_pid) "
                         "VALUES (%s, %s, %s, %s, %s, pg_backend_pid()) ON CONFLICT (workspace) DO UPDATE SET "
                         "host = EXCLUDED.host, pid = EXCLUDED.pid, command = EXCLUDED.command, "
                         "since = EXCLUDED.since, backend_pid = EXCLUDED.backend_pid",
                         (self.workspace, info["host"], info["pid"], info["command"], info["since"]))
            conn.execute("INSERT INTO provisioner.workspaces (name, lineage, serial) VALUES (%s, %s, %s) "
                         "ON CONFLICT (name) DO NOTHING", (self.workspace, self.state.lineage, self.state.serial))
        except BaseException as error:
            conn.close()  # closing the connection releases the advisory lock if we took it
            if isinstance(error, _psycopg().Error):
                raise self._error("take the state lock", error) from None
            raise
        self._conn = conn

    def unlock(self) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            if self._shared:
                conn.execute("SELECT pg_advisory_unlock_shared(%s)", (self.key,))
                return
            conn.execute("DELETE FROM provisioner.locks WHERE workspace = %s AND backend_pid = pg_backend_pid()",
                         (self.workspace,))
            conn.execute("SELECT pg_advisory_unlock(%s)", (self.key,))
        except _psycopg().Error:
            pass  # the connection is gone, and with it the lock
        finally:
            conn.close()

    def holder(self) -> dict[str, object] | None:
        return self._run("read the lock holder", self._holder)  # type: ignore[no-any-return]

    def _holder(self, conn: Any) -> dict[str, object] | None:
        row = conn.execute("SELECT host, pid, command, since, backend_pid FROM provisioner.locks "
                           "WHERE workspace = %s", (self.workspace,)).fetchone()
        # Advisory locks are per database: the same key in another database is another lock.
        held_by = conn.execute(
            "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1 "
            "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
            "AND classid::bigint = %s AND objid::bigint = %s",
            ((self.key >> 32) & 0xFFFFFFFF, self.key & 0xFFFFFFFF)).fetchone()
        if row is None:
            return {"alive": True, "current": False} if held_by else None
        current = held_by is not None and held_by[0] == row[4]
        return {"host": row[0], "pid": row[1], "command": row[2], "since": row[3], "alive": held_by is not None,
                "current": current}

    def _current_holder(self, conn: Any) -> dict[str, object] | None:
        """The holder's record; a holder that has just taken the lock writes it a moment later."""
        info = self._holder(conn)
        for _ in range(20):
            if not info or not info["alive"] or info["current"]:
                break
            time.sleep(0.05)
            info = self._holder(conn)
        return info

    def force_unlock(self) -> dict[str, object] | None:
        """Clear a stale holder record. A live lock cannot be broken from here: it is released
        when its holder exits or its connection ends (pg_terminate_backend)."""
        def clear(conn: Any) -> dict[str, object] | None:
            info = self._holder(conn)
            if info and not info["alive"]:
                conn.execute("DELETE FROM provisioner.locks WHERE workspace = %s", (self.workspace,))
            return info
        return self._run("clear the lock record", clear)  # type: ignore[no-any-return]

    # -- writing (lock held) ----------------------------------------------------------------------
    def _write(self, doing: str, query: str, params: tuple[Any, ...]) -> Any:
        if self._conn is None:
            raise StateError("state writes need the lock")
        try:
            # autocommit: the statement is committed (durable on the server) when execute returns
            return self._conn.execute(query, params)
        except _psycopg().Error as error:
            raise self._error(doing, error) from None

    def record(self, resource: ResourceState) -> None:
        resource.updated_at = now_iso()
        self._write(f"record {resource.key}", _UPSERT, (self.workspace, resource.key, _state_json(resource)))
        self.state.resources[resource.key] = resource

    def remove(self, key: str) -> None:
        self._write(f"remove {key}", "DELETE FROM provisioner.resources WHERE workspace = %s AND key = %s",
                    (self.workspace, key))
        self.state.resources.pop(key, None)

    def compact(self) -> None:
        """Every outcome is already its own row; compaction only bumps the serial."""
        row = self._write("bump the serial", "UPDATE provisioner.workspaces SET serial = serial + 1, "
                          "updated_at = now() WHERE name = %s RETURNING serial", (self.workspace,)).fetchone()
        self.state.serial = int(row[0]) if row else self.state.serial + 1

    def replace(self, state: State) -> None:
        if self._conn is None:
            raise StateError("replacing the state needs the lock")
        try:
            with self._conn.transaction():
                self._conn.execute(
                    "INSERT INTO provisioner.workspaces (name, lineage, serial) VALUES (%s, %s, %s) "
                    "ON CONFLICT (name) DO UPDATE SET lineage = EXCLUDED.lineage, serial = EXCLUDED.serial, "
                    "updated_at = now()", (self.workspace, state.lineage, state.serial))
                self._conn.execute("DELETE FROM provisioner.resources WHERE workspace = %s", (self.workspace,))
                with self._conn.cursor().copy("COPY provisioner.resources (workspace, key, data) FROM STDIN") as copy:
                    for resource in state.resources.values():
                        copy.write_row((self.workspace, resource.key, _state_json(resource)))
        except _psycopg().Error as error:
            raise self._error("write the state", error) from None
        self.state = state
