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
from urllib.parse import unquote

from provisioner.errors import StateError, StateLockedError
from provisioner.states.backend import holder_info, locked_message, now_iso, readers_message
from provisioner.states.state import ResourceState, State
from provisioner.states.statefile import resource_from_json

SCHEMA_VERSION = 2
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
    # 2: who is reading (plan, drift under the shared lock), one row per reader's connection
    """
    CREATE TABLE provisioner.readers (
        workspace text NOT NULL,
        backend_pid integer NOT NULL,
        host text, pid integer, command text, since text,
        PRIMARY KEY (workspace, backend_pid));
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


_URL_DSN = re.compile(r"^\s*postgres(?:ql)?://", re.IGNORECASE)
# Where libpq (or a person) may cut a malformed password: it then quotes the rest as a host,
# a port or a database name, so every piece on either side of such a cut is a secret too.
_CUTS = re.compile(r"[@/?#:&%\s'\"=\\]")


def _password_regions(dsn: str) -> list[str]:
    """The text of `dsn` that is, or may be, a password: the URL's userinfo after the user name
    (up to the *last* '@', since an unencoded '@' is part of what the person meant), and every
    `password=` value (keyword form, up to the next `keyword=`; URL query, up to '&')."""
    regions = []
    url = _URL_DSN.match(dsn)
    if url:
        rest = dsn[url.end():]
        userinfo = rest[:rest.rfind("@")] if "@" in rest else ""
        if ":" in userinfo:
            regions.append(userinfo.split(":", 1)[1])
        value = r"([^&]*)"
    else:
        value = r"((?:'(?:[^'\\]|\\.)*'?)|.*?)(?=\s+[A-Za-z_]+\s*=|$)"
    regions += [match.group(1) for match in re.finditer(r"password\s*=\s*" + value, dsn, re.IGNORECASE)]
    return [region for region in regions if region]


def dsn_secrets(dsn: str) -> set[str]:
    """Every fragment of `dsn` a driver message might quote that is (part of) its password: the
    password as written, percent-decoded, and the pieces on each side of every place a parser may
    cut it (an unencoded '@', '/', '?', a space, a bad percent-escape)."""
    found: set[str] = set()
    for region in _password_regions(dsn):
        pieces = {region, region.strip("'")}
        for cut in _CUTS.finditer(region):
            pieces |= {region[:cut.start()], region[cut.end():]}
        pieces |= set(region.split())
        found |= pieces | {unquote(piece) for piece in pieces}
    try:  # the password as libpq itself reads it (quoting and escapes resolved)
        from psycopg.conninfo import conninfo_to_dict

        password = conninfo_to_dict(dsn).get("password")
        if password:
            found.add(str(password))
    except Exception:
        pass
    return {piece for piece in found if piece.strip()}


def redact_dsn(text: str, dsn: str) -> str:
    """Driver messages may quote the connection string, or any part of a malformed one: keep
    every piece of its password (as written, decoded, or cut at a stray '@') out of the message."""
    for whole in {dsn, dsn.strip()} - {""}:
        text = text.replace(whole, "***")
    for piece in sorted(dsn_secrets(dsn), key=len, reverse=True):
        if len(piece) >= 4:
            text = text.replace(piece, "***")
        else:  # a short piece only where it stands alone, not inside a longer word ("ss" in "address")
            text = re.sub(rf"(?<![A-Za-z0-9]){re.escape(piece)}(?![A-Za-z0-9])", "***", text)
    text = re.sub(r"(password\s*=\s*)('[^']*'|\S+)", r"\1***", text, flags=re.IGNORECASE)
    return re.sub(r"(://[^:/@\s]*:)\S*@", r"\1***@", text)


def _parse_failure(error: Exception, dsn: str) -> str:
    """A parse error quotes the token it stumbled on, which may be any part of the DSN: keep only
    tokens that are keywords of the DSN (`"bogus"` in `?bogus=1`); redact every other quoted part."""
    text = redact_dsn(str(error).strip(), dsn)

    def keep_keywords(match: re.Match[str]) -> str:
        token = match.group(2)
        if token not in dsn or re.fullmatch(r"[\W_]*", token) or (
                re.fullmatch(r"[A-Za-z_]+", token) and re.search(rf"(?<![A-Za-z_]){token}\s*=", dsn)):
            return match.group(0)
        return f"{match.group(1)}***{match.group(1)}"
    return re.sub(r"([\"'])(.*?)\1", keep_keywords, text)


def _fields(info: dict[str, object]) -> dict[str, object]:
    return {k: v for k, v in info.items() if k in ("host", "pid", "command", "since")}


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
        try:  # parse first: a malformed DSN is a usage error, and its message needs stricter care
            from psycopg.conninfo import conninfo_to_dict

            conninfo_to_dict(self._dsn)
        except Exception as error:
            raise StateError("PostgreSQL state backend: cannot parse the connection string (state.dsn): "
                             f"{_parse_failure(error, self._dsn)}") from None
        try:
            conn = psycopg.connect(self._dsn, autocommit=True, connect_timeout=10,
                                   application_name="provisioner")
        except psycopg.Error as error:
            raise self._error("connect", error) from None
        except Exception as error:  # anything else the driver raises on a strange DSN
            raise StateError("PostgreSQL state backend: cannot connect: "
                             f"{_parse_failure(error, self._dsn)}") from None
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
    def digest(self) -> str:
        return self.state.digest()

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
        resources = [resource_from_json(json.loads(data), f"the state {self.describe()}") for (data,) in rows]
        return State(lineage=row[0], serial=int(row[1]), resources={r.key: r for r in resources})

    # -- locking ----------------------------------------------------------------------------------
    def lock(self, command: str, timeout: float = 0.0, shared: bool = False) -> None:
        conn = self._connect()
        deadline = time.monotonic() + timeout
        take = "pg_try_advisory_lock_shared" if shared else "pg_try_advisory_lock"
        try:
            while not conn.execute(f"SELECT {take}(%s)", (self.key,)).fetchone()[0]:
                if time.monotonic() >= deadline:
                    writer, readers = self._who_holds(conn)
                    if readers and not writer:
                        raise StateLockedError(readers_message(self.describe(), readers))
                    raise StateLockedError(locked_message(
                        self.describe(), writer,
                        "if that process is gone, its connection's death has already freed the lock"))
                time.sleep(0.2)
            self._shared = shared
            info = holder_info(command)
            if shared:  # a reader writes no state, only who it is (its row goes with unlock)
                conn.execute("INSERT INTO provisioner.readers (workspace, backend_pid, host, pid, command, since) "
                             "VALUES (%s, pg_backend_pid(), %s, %s, %s, %s) ON CONFLICT (workspace, backend_pid) "
                             "DO UPDATE SET host = EXCLUDED.host, pid = EXCLUDED.pid, command = EXCLUDED.command, "
                             "since = EXCLUDED.since",
                             (self.workspace, info["host"], info["pid"], info["command"], info["since"]))
                self._conn = conn
                return
            # Alone now: any reader's row left is a vanished reader's.
            conn.execute("DELETE FROM provisioner.readers WHERE workspace = %s", (self.workspace,))
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
                conn.execute("DELETE FROM provisioner.readers WHERE workspace = %s AND backend_pid = pg_backend_pid()",
                             (self.workspace,))
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
        # Readers may share it: the exclusive holder, if any, is the one its row can name.
        held_by = conn.execute(
            f"SELECT l.pid FROM pg_locks l WHERE {self._IN_THIS_DATABASE} ORDER BY l.mode = 'ExclusiveLock' DESC",
            ((self.key >> 32) & 0xFFFFFFFF, self.key & 0xFFFFFFFF)).fetchone()
        if row is None:
            return {"alive": True, "current": False} if held_by else None
        current = held_by is not None and held_by[0] == row[4]
        return {"host": row[0], "pid": row[1], "command": row[2], "since": row[3], "alive": held_by is not None,
                "current": current}

    _IN_THIS_DATABASE = ("l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 "
                         "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
                         "AND l.classid::bigint = %s AND l.objid::bigint = %s")

    def _live_readers(self, conn: Any) -> list[dict[str, object]]:
        """Readers' rows whose connection still holds the shared lock (a row outliving its
        connection is stale, and names nobody)."""
        rows = conn.execute(
            "SELECT r.host, r.pid, r.command, r.since FROM provisioner.readers r WHERE r.workspace = %s "
            "AND EXISTS (SELECT 1 FROM pg_locks l WHERE l.pid = r.backend_pid AND l.mode = 'ShareLock' AND "
            f"{self._IN_THIS_DATABASE}) ORDER BY r.since",
            (self.workspace, (self.key >> 32) & 0xFFFFFFFF, self.key & 0xFFFFFFFF)).fetchall()
        return [{"host": row[0], "pid": row[1], "command": row[2], "since": row[3]} for row in rows]

    def _who_holds(self, conn: Any) -> tuple[dict[str, object] | None, list[dict[str, object]]]:
        """(the live writer's record, the live readers' records). A holder that has just taken the
        lock writes its row a moment later, so an unnamed holder is looked for again briefly."""
        for _attempt in range(20):
            info, readers = self._holder(conn), self._live_readers(conn)
            writer = info if info and info.get("current") else None
            if writer or readers or not (info and info["alive"]):
                return writer, readers
            time.sleep(0.05)
        return None, []

    def force_unlock(self) -> dict[str, object] | None:
        """Try the lock without waiting. Free: every holder row is stale; delete them and return
        what was deleted. Held: break nothing (its holder exits, or its connection ends, or a DBA
        runs pg_terminate_backend) and return who holds it."""
        def clear(conn: Any) -> dict[str, object] | None:
            if not conn.execute("SELECT pg_try_advisory_lock(%s)", (self.key,)).fetchone()[0]:
                writer, readers = self._who_holds(conn)
                return {**_fields(writer or {}), "alive": True, "readers": [] if writer else readers}
            try:  # held by us now: nobody writes a holder row meanwhile
                row = conn.execute("DELETE FROM provisioner.locks WHERE workspace = %s "
                                   "RETURNING host, pid, command, since", (self.workspace,)).fetchone()
                stale = conn.execute("DELETE FROM provisioner.readers WHERE workspace = %s "
                                     "RETURNING host, pid, command, since", (self.workspace,)).fetchall()
            finally:
                conn.execute("SELECT pg_advisory_unlock(%s)", (self.key,))
            if row is None and not stale:
                return None
            writer = dict(zip(("host", "pid", "command", "since"), row, strict=True)) if row else {}
            return {**writer, "alive": False,
                    "readers": [dict(zip(("host", "pid", "command", "since"), r, strict=True)) for r in stale]}
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
