"""Local state storage (the embedded default backend): a snapshot plus an append-only journal,
under an exclusive lock.

Every outcome is one flushed journal line (O(1) per campaign, so 10,000 creates cost 10,000
small appends, not 10,000 rewrites); `compact()` folds the journal into a new snapshot written
atomically (temp file + rename). The lock is an flock, so a killed holder releases it at once;
the holder's host, pid, command and start time are written beside it (one record per reader
under the shared lock), each record under an flock of its own so that a stale one is known as such.
After a warm load the snapshot as read is also cached, keyed by its bytes (statecache.py).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import sys
import time
import uuid
from pathlib import Path
from typing import IO, TYPE_CHECKING

from provisioner.errors import StateError, StateLockedError
from provisioner.states.backend import holder_info, local_state_dir, locked_message, now_iso, readers_message
from provisioner.states.state import ResourceState, State

if TYPE_CHECKING:
    from provisioner.states.streamed import Declared
from provisioner.states.statefile import complete_lines, dump_state, journal_put, journal_remove, read_snapshot, replay

SNAPSHOT, JOURNAL, LOCK, LOCK_INFO = "state.json", "state.journal", "state.lock", "state.lock.json"
READERS = "state.lock.readers"  # one record per plan or drift reading under the shared lock


class LocalStateManager:
    """A `StateBackend` in a local folder."""

    def __init__(self, directory: Path, declared: Declared | None = None, load_key: str | None = None) -> None:
        self.directory = directory
        self.declared = declared  # each campaign key's declared values (statefile.read_snapshot)
        # the load cache key those declared values were read from (a warm load): the snapshot as read
        # against them is cached under it and the snapshot's bytes (statecache.py)
        self.load_key = load_key if declared is not None else None
        self._lock_file: IO[str] | None = None
        self._shared = False
        self._journal: IO[str] | None = None
        # The holder's record (LOCK_INFO, or its file under READERS) stays open with an flock of
        # its own for as long as it holds the lock: whether a record is live is then a lock test,
        # not a guess from a pid (pids are reused).
        self._record: IO[str] | None = None
        self._record_path: Path | None = None
        self.state = State()
        self._digest: str | None = None  # of the stored bytes, as last read (None: written since)

    def describe(self) -> str:
        return f"in {self.directory}"

    # -- reading -------------------------------------------------------------------------------
    def load(self) -> State:
        snapshot, journal = self.directory / SNAPSHOT, self.directory / JOURNAL
        self._check_folder()
        data = self._read(snapshot)
        digest = _snapshot_digest(data)
        if data is None:
            state = State()
        elif self.load_key is not None and self.declared is not None:
            state = self._read_cached(data, snapshot, digest.copy().hexdigest(), self.load_key, self.declared)
        else:
            state = read_snapshot(data, str(snapshot), lambda: _utf8(data, snapshot), self.declared)
        records = self._read(journal)
        if records is not None:
            replay(state, records, str(journal))
        self.state = state
        self._digest = _journal_digest(digest, records)
        return state

    def _read_cached(self, data: bytes, snapshot: Path, digest: str, load_key: str, declared: Declared) -> State:
        """The snapshot as read against these declared values last time (statecache.py), else read
        now and cached for the next time."""
        from provisioner.states.statecache import cache_key, read_cached, write_cached

        key = cache_key(digest, load_key)
        state = read_cached(self.directory, key, declared)
        if state is None:
            state = read_snapshot(data, str(snapshot), lambda: _utf8(data, snapshot), declared)
            write_cached(self.directory, key, state)  # (before the journal's records change it)
        return state

    def digest(self) -> str:
        """A hash of the snapshot's and the journal's bytes: every write changes them, and hashing
        the bytes read costs far less than serialising every entry again (`State.digest`)."""
        if self._digest is None:  # written since the last read: hash what is stored now
            self._digest = _bytes_digest(self._read(self.directory / SNAPSHOT), self._read(self.directory / JOURNAL))
        return self._digest

    def _check_folder(self) -> None:
        if self.directory.exists() and not self.directory.is_dir():
            raise StateError(f"{self.directory}: state.path must be a folder (where state.json and its lock "
                             "live), but it is a file")

    @staticmethod
    def _read(path: Path) -> bytes | None:
        try:
            return path.read_bytes()
        except FileNotFoundError:
            return None
        except IsADirectoryError:
            raise StateError(f"{path}: expected a file written by provisioner, found a folder") from None
        except OSError as error:
            raise StateError(f"{path}: cannot read ({error.strerror})") from None

    # -- locking -------------------------------------------------------------------------------
    def lock(self, command: str, timeout: float = 0.0, shared: bool = False) -> None:
        self._check_folder()
        path = self.directory / LOCK
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            handle = open(path, "a+", encoding="utf-8")
        except IsADirectoryError:
            raise StateError(f"{path}: the state lock must be a file, but it is a folder "
                             "(remove it: a lock is never a folder)") from None
        except OSError as error:
            raise StateError(f"{path}: cannot open the state lock ({error.strerror})") from None
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
        if not shared:  # alone now: any reader's record left is a killed reader's
            for stale in (self.directory / READERS).glob("*"):
                stale.unlink(missing_ok=True)
        record = self.directory / READERS / f"{uuid.uuid4().hex}.json" if shared else self.directory / LOCK_INFO
        try:
            self._record = _publish(record, holder_info(command))
            self._record_path = record
        except OSError as error:
            self.unlock()
            raise StateError(f"{record}: cannot record the lock holder ({error.strerror})") from None

    def holder(self) -> dict[str, object] | None:
        """The last exclusive holder's record (live or not)."""
        try:
            info = json.loads((self.directory / LOCK_INFO).read_text("utf-8"))
        except (OSError, ValueError):
            return None
        return info if isinstance(info, dict) else None

    def live_holders(self) -> tuple[dict[str, object] | None, list[dict[str, object]]]:
        """(the exclusive holder's record, the readers' records), each only if its owner is alive."""
        writer = _live_record(self.directory / LOCK_INFO)
        readers = [info for path in sorted((self.directory / READERS).glob("*.json"))
                   if (info := _live_record(path)) is not None]
        return writer, sorted(readers, key=lambda info: str(info.get("since", "")))

    def _held_by_message(self) -> str:
        writer, readers = self.live_holders()
        for _ in range(10):  # a holder that has just taken the lock publishes its record a moment later
            if writer or readers:
                break
            time.sleep(0.05)
            writer, readers = self.live_holders()
        if readers and not writer:
            return readers_message(self.describe(), readers)
        return locked_message(self.describe(), writer or self.holder(),
                              "if that process is gone run `provisioner force-unlock`")

    def unlock(self) -> None:
        if self._journal:
            self._journal.close()
            self._journal = None
        if self._record:
            if self._record_path:
                self._record_path.unlink(missing_ok=True)  # before its flock goes: never seen as stale
            self._record.close()
            self._record, self._record_path = None, None
        if self._lock_file:
            fcntl.flock(self._lock_file.fileno(), fcntl.LOCK_UN)
            self._lock_file.close()
            self._lock_file = None

    def force_unlock(self) -> dict[str, object] | None:
        """Try the lock itself without waiting. Free: every holder record is stale; remove them all
        and return what was removed (`"alive": False`). Held: break nothing, and return who holds
        it (`"alive": True`, the writer's fields or `"readers"`)."""
        self._check_folder()
        path = self.directory / LOCK
        if not self.directory.exists():
            return None
        try:
            handle = open(path, "a+", encoding="utf-8")
        except OSError as error:
            raise StateError(f"{path}: cannot open the state lock ({error.strerror})") from None
        with handle:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                writer, readers = self.live_holders()
                return {**(writer or {}), "alive": True, "readers": [] if writer else readers}
            # Held by us now: nobody can take it, so nobody is publishing a record meanwhile.
            writer = self.holder()
            (self.directory / LOCK_INFO).unlink(missing_ok=True)
            stale = []
            for record in sorted((self.directory / READERS).glob("*")):
                info = _read_record(record) if record.suffix == ".json" else None
                stale += [info] if info else []
                record.unlink(missing_ok=True)
        if writer is None and not stale:
            return None
        return {**(writer or {}), "alive": False, "readers": stale}

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
        self._digest = None
        try:
            if self._journal is None:
                self._journal = self._open_journal()
            self._journal.write(line + "\n")
            # flush() hands the line to the kernel: it survives a kill -9 of this process. fsync per
            # line would cost a disk round-trip per campaign; the snapshot is fsync'd at compaction.
            self._journal.flush()
        except OSError as error:
            raise StateError(f"{self.directory / JOURNAL}: cannot record an outcome ({error.strerror})") from None

    def _open_journal(self) -> IO[str]:
        """Open the journal for appending, first cutting a torn last line left by a kill -9 (it
        never committed, and a record appended after it would be glued to it and lost)."""
        path = self.directory / JOURNAL
        data = self._read(path) or b""
        keep = complete_lines(data)
        if keep < len(data):
            os.truncate(path, keep)
        journal = open(path, "a", encoding="utf-8")
        if keep == len(data) and data and not data.endswith(b"\n"):
            journal.write("\n")  # a whole last record whose newline was not written
        return journal

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
        self._digest = None
        snapshot = self.directory / SNAPSHOT
        tmp = snapshot.with_suffix(".tmp")
        try:
            with open(tmp, "w", encoding="utf-8") as out:
                out.write(dump_state(self.state))
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, snapshot)
        except OSError as error:
            raise StateError(f"{snapshot}: cannot write the state ({error.strerror})") from None
        if self._journal:
            self._journal.close()
            self._journal = None
        (self.directory / JOURNAL).unlink(missing_ok=True)  # replaying it again would be harmless


def _bytes_digest(snapshot: bytes | None, journal: bytes | None) -> str:
    return _journal_digest(_snapshot_digest(snapshot), journal)


def _snapshot_digest(snapshot: bytes | None) -> hashlib._Hash:
    """The digest's hash after the snapshot's bytes (a copy of it at that point keys statecache.py)."""
    digest = hashlib.sha256(b"local-state-bytes\0")
    _add_part(digest, snapshot)
    return digest


def _journal_digest(digest: hashlib._Hash, journal: bytes | None) -> str:
    _add_part(digest, journal)
    return digest.hexdigest()


def _add_part(digest: hashlib._Hash, part: bytes | None) -> None:
    digest.update(b"-" if part is None else b"+%d\0" % len(part))  # absent, or its length then bytes
    digest.update(part or b"")


def _publish(path: Path, info: dict[str, object]) -> IO[str]:
    """Write a holder record and keep it open under an flock of its own. It is written under a
    temporary name and renamed, so a reader of the folder never sees a record without its flock."""
    path.parent.mkdir(exist_ok=True)
    tmp = path.with_name(f"{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    handle = open(tmp, "w", encoding="utf-8")
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)  # a new file: always free
        handle.write(json.dumps(info))
        handle.flush()
        os.replace(tmp, path)
    except BaseException:
        handle.close()
        tmp.unlink(missing_ok=True)
        raise
    return handle


def _read_record(path: Path) -> dict[str, object] | None:
    try:
        info = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return info if isinstance(info, dict) else None


def _live_record(path: Path) -> dict[str, object] | None:
    """The record at `path` if its owner still holds its flock (else None: gone or stale)."""
    try:
        handle = open(path, encoding="utf-8")
    except OSError:
        return None
    with handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return _read_record(path) or {"command": "?"}
        return None  # nobody holds it: a record left by a killed process


def _utf8(data: bytes, path: Path) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise StateError(f"{path}: expected the UTF-8 JSON provisioner writes, found a byte that is not "
                         f"UTF-8 at offset {error.start}") from None


def state_manager_for(root: Path, path: str) -> LocalStateManager:
    """The local backend for a workspace folder (`state_backend_for` picks by configuration)."""
    return LocalStateManager(local_state_dir(root, path))


if sys.platform == "win32":  # pragma: no cover
    raise ImportError("the local state backend needs POSIX flock")
