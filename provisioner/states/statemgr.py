"""Local state storage (the embedded default backend): a snapshot plus an append-only journal,
under an exclusive lock.

Every outcome is one flushed journal line (O(1) per campaign, so 10,000 creates cost 10,000
small appends, not 10,000 rewrites); `compact()` folds the journal into a new snapshot written
atomically (temp file + rename). The lock is an flock, so a killed holder releases it at once;
the holder's host, pid, command and start time are written beside it for the next one to read.
"""

from __future__ import annotations

import fcntl
import json
import os
import sys
import time
from pathlib import Path
from typing import IO

from provisioner.errors import StateError, StateLockedError
from provisioner.states.backend import holder_info, local_state_dir, locked_message, now_iso
from provisioner.states.state import ResourceState, State
from provisioner.states.statefile import dump_state, journal_put, journal_remove, load_state, replay

SNAPSHOT, JOURNAL, LOCK, LOCK_INFO = "state.json", "state.journal", "state.lock", "state.lock.json"


class LocalStateManager:
    """A `StateBackend` in a local folder."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._lock_file: IO[str] | None = None
        self._shared = False
        self._journal: IO[str] | None = None
        self.state = State()

    def describe(self) -> str:
        return f"in {self.directory}"

    # -- reading -------------------------------------------------------------------------------
    def load(self) -> State:
        snapshot, journal = self.directory / SNAPSHOT, self.directory / JOURNAL
        state = load_state(snapshot.read_text("utf-8"), str(snapshot)) if snapshot.exists() else State()
        if journal.exists():
            replay(state, journal.read_text("utf-8").splitlines())
        self.state = state
        return state

    # -- locking -------------------------------------------------------------------------------
    def lock(self, command: str, timeout: float = 0.0, shared: bool = False) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        handle = open(self.directory / LOCK, "a+", encoding="utf-8")
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle.fileno(), (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    handle.close()
                    raise StateLockedError(self._held_by_message()) from None
                time.sleep(0.1)
        self._lock_file = handle
        self._shared = shared
        if not shared:
            (self.directory / LOCK_INFO).write_text(json.dumps(holder_info(command)), "utf-8")

    def holder(self) -> dict[str, object] | None:
        try:
            return json.loads((self.directory / LOCK_INFO).read_text("utf-8"))
        except (OSError, ValueError):
            return None

    def _held_by_message(self) -> str:
        return locked_message(self.describe(), self.holder(),
                              "if that process is gone run `provisioner force-unlock`")

    def unlock(self) -> None:
        if self._journal:
            self._journal.close()
            self._journal = None
        if self._lock_file:
            if not self._shared:
                (self.directory / LOCK_INFO).unlink(missing_ok=True)
            fcntl.flock(self._lock_file.fileno(), fcntl.LOCK_UN)
            self._lock_file.close()
            self._lock_file = None

    def force_unlock(self) -> dict[str, object] | None:
        """Forget a recorded holder. An flock dies with its process, so only the record can be stale."""
        info = self.holder()
        (self.directory / LOCK_INFO).unlink(missing_ok=True)
        return info

    # -- writing (lock held) -------------------------------------------------------------------
    def record(self, resource: ResourceState) -> None:
        resource.updated_at = now_iso()
        self.state.resources[resource.key] = resource
        self._append(journal_put(resource))

    def remove(self, key: str) -> None:
        self.state.resources.pop(key, None)
        self._append(journal_remove(key))

    def _append(self, line: str) -> None:
        if self._lock_file is None:
            raise StateError("state writes need the lock")
        if self._journal is None:
            self._journal = open(self.directory / JOURNAL, "a", encoding="utf-8")
        self._journal.write(line + "\n")
        # flush() hands the line to the kernel: it survives a kill -9 of this process. fsync per
        # line would cost a disk round-trip per campaign; the snapshot is fsync'd at compaction.
        self._journal.flush()

    def compact(self) -> None:
        """Fold the journal into a new snapshot (atomic), then start an empty journal."""
        if self._lock_file is None:
            raise StateError("compaction needs the lock")
        self.state.serial += 1
        self._write_snapshot()

    def replace(self, state: State) -> None:
        """Write `state` as the snapshot (atomic) and drop the journal: state push/pull."""
        if self._lock_file is None:
            raise StateError("replacing the state needs the lock")
        self.state = state
        self._write_snapshot()

    def _write_snapshot(self) -> None:
        snapshot = self.directory / SNAPSHOT
        tmp = snapshot.with_suffix(".tmp")
        with open(tmp, "w", encoding="utf-8") as out:
            out.write(dump_state(self.state))
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, snapshot)
        if self._journal:
            self._journal.close()
            self._journal = None
        (self.directory / JOURNAL).unlink(missing_ok=True)  # replaying it again would be harmless


def state_manager_for(root: Path, path: str) -> LocalStateManager:
    """The local backend for a workspace folder (`state_backend_for` picks by configuration)."""
    return LocalStateManager(local_state_dir(root, path))


if sys.platform == "win32":  # pragma: no cover
    raise ImportError("the local state backend needs POSIX flock")
