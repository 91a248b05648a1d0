"""The state backend interface every storage satisfies (local file, PostgreSQL, a later one), and the
factory that picks one from the workspace's `state:` settings.

A new backend (object storage, HTTP) is one module with a class of this shape, plus a branch in
`state_backend_for`; the engine, the applier and the commands see only `StateBackend`.
"""

from __future__ import annotations

import os
import socket
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from provisioner.errors import StateError
from provisioner.states.state import ResourceState, State

if TYPE_CHECKING:
    from provisioner.config.models import StateSettings
    from provisioner.states.streamed import Declared


@runtime_checkable
class StateBackend(Protocol):
    """Storage of one workspace's State, with a lock held for a whole plan-for-apply and apply.

    Guarantees every implementation keeps: `record` and `remove` are durable when they return (a
    crash of this process afterwards loses nothing), each costs O(1) whatever the state's size,
    and writes are refused unless the lock is held. `state` is the in-memory copy kept in step.
    """

    state: State

    def describe(self) -> str:
        """Where the state lives, for messages (never a secret such as a DSN)."""

    def load(self) -> State:
        """Read the stored state (no lock needed) and make it `self.state`."""

    def digest(self) -> str:
        """What a plan records of the stored state: it differs whenever a stored entry does, so a
        saved plan knows the state changed since (`State.digest` is always a correct answer)."""

    def lock(self, command: str, timeout: float = 0.0, shared: bool = False) -> None:
        """Take the workspace's lock, waiting up to `timeout` seconds; StateLockedError names the holder.

        `shared` is a reader's lock (plan, drift): readers run side by side, but not while an
        apply holds the lock exclusively, nor it while they read. Every holder records who it is
        (one record per reader), so a refusal names the apply or every reader in the way."""

    def unlock(self) -> None:
        """Release the lock (also released by the process's or the connection's death)."""

    def holder(self) -> dict[str, object] | None:
        """Who holds (or last held) the lock: host, pid, command, since."""

    def force_unlock(self) -> dict[str, object] | None:
        """Try the lock without waiting. Free: forget every stale holder record and return what was
        forgotten (`"alive": False`, the writer's fields, `"readers"`), or None if there was none.
        Held: break nothing; return `"alive": True` with the live writer's fields or `"readers"`."""

    def record(self, resource: ResourceState) -> None:
        """Store one resource's entry (lock held)."""

    def remove(self, key: str) -> None:
        """Forget one resource (lock held)."""

    def compact(self) -> None:
        """End of an apply: fold pending writes into the stored snapshot and bump the serial."""

    def replace(self, state: State) -> None:
        """Store `state` as a whole, atomically, keeping its lineage (lock held; state push/pull)."""


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def holder_info(command: str) -> dict[str, object]:
    return {"host": socket.gethostname(), "pid": os.getpid(), "command": command, "since": now_iso()}


def who(info: dict[str, object]) -> str:
    return (f"{info.get('command', '?')!r} (host {info.get('host', '?')}, pid {info.get('pid', '?')}, "
            f"since {info.get('since', '?')})")


def locked_message(where: str, info: dict[str, object] | None, hint: str) -> str:
    return (f"state {where} is locked by {who(info or {})}; wait with --lock-timeout SECONDS, or {hint}")


def readers_message(where: str, readers: list[dict[str, object]]) -> str:
    """The lock is shared by plans or drifts reading the state: name every one of them."""
    return (f"state {where} is locked by {len(readers)} reader(s) (plan or drift): "
            f"{', '.join(who(reader) for reader in readers)}; a read ends on its own: wait with "
            "--lock-timeout SECONDS")


def local_state_dir(root: Path, path: str) -> Path:
    """The workspace's local state folder (also where in-process sandbox data lives)."""
    directory = Path(path)
    return directory if directory.is_absolute() else root / directory


def state_backend_for(root: Path, settings: StateSettings, declared: Declared | None = None,
                      load_key: str | None = None) -> StateBackend:
    """The backend the workspace's (already validated) state settings name. `declared` gives a
    campaign key's declared values: the local backend reads its snapshot entry by entry and keeps
    them instead of equal applied values (statefile.read_snapshot); `load_key` is the load cache key
    they were read from (Workspace.loaded_from), under which it caches what it read (statecache.py)."""
    if settings.backend == "postgres":
        from provisioner.states.postgres import PostgresStateManager  # psycopg only when used

        if not (settings.dsn and settings.workspace):
            raise StateError("the postgres state backend needs a dsn and a workspace name")  # the loader checks both
        return PostgresStateManager(settings.dsn, settings.workspace)
    from provisioner.states.statemgr import LocalStateManager

    return LocalStateManager(local_state_dir(root, settings.path), declared, load_key)
