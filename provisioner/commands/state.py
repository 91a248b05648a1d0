"""`provisioner state push/pull` and `force-unlock`: move a workspace's state between the local
file and the configured shared backend, and clear a stale lock record."""

from __future__ import annotations

from provisioner.commands.output import err, out
from provisioner.config.models import Workspace
from provisioner.config.workspace import load_workspace
from provisioner.states.backend import StateBackend, local_state_dir, state_backend_for
from provisioner.states.state import State
from provisioner.states.statemgr import LocalStateManager


def push(paths: list[str], force: bool, lock_timeout: float) -> int:
    """Local file → shared backend."""
    workspace = load_workspace(paths)
    remote = _remote(workspace)
    if remote is None:
        return 1
    return _copy(_local(workspace), remote, "push", force, lock_timeout)


def pull(paths: list[str], force: bool, lock_timeout: float) -> int:
    """Shared backend → local file."""
    workspace = load_workspace(paths)
    remote = _remote(workspace)
    if remote is None:
        return 1
    return _copy(remote, _local(workspace), "pull", force, lock_timeout)


def _local(workspace: Workspace) -> LocalStateManager:
    return LocalStateManager(local_state_dir(workspace.root, workspace.state.path))


def _remote(workspace: Workspace) -> StateBackend | None:
    if workspace.state.backend == "local":
        err("This workspace's state backend is local, so there is nothing to push to or pull from: set "
            "`state: {backend: postgres, dsn: ${env:PROVISIONER_STATE_DSN}, workspace: NAME}` or "
            "PROVISIONER_STATE_BACKEND=postgres.")
        return None
    return state_backend_for(workspace.root, workspace.state)


def _copy(source: StateBackend, target: StateBackend, verb: str, force: bool, lock_timeout: float) -> int:
    # The local lock is always taken first, so a push and a pull never wait on each other in turn.
    first, second = (source, target) if isinstance(source, LocalStateManager) else (target, source)
    first.lock(f"state {verb}", timeout=lock_timeout)
    try:
        second.lock(f"state {verb}", timeout=lock_timeout)
        try:
            state, current = source.load(), target.load()
            problems = _conflicts(state, current)
            if problems and not force:
                for problem in problems:
                    err(f"Refusing to {verb}: {problem}.")
                err("Pass --force to overwrite the destination anyway.")
                return 1
            target.replace(state)
        finally:
            second.unlock()
    finally:
        first.unlock()
    out(f"Copied {len(state.resources)} resource(s) (lineage {state.lineage}, serial {state.serial}) "
        f"from the state {source.describe()} to the state {target.describe()}.")
    return 0


def _conflicts(state: State, current: State) -> list[str]:
    problems = []
    if not state.resources and current.resources:
        problems.append(f"the source is empty and the destination holds {len(current.resources)} resource(s)")
    elif current.resources and current.lineage != state.lineage:
        problems.append(f"the destination holds another workspace lineage ({current.lineage}, "
                        f"{len(current.resources)} resource(s))")
    elif current.resources and current.serial > state.serial:
        problems.append(f"the destination is newer (serial {current.serial} > {state.serial})")
    return problems


def force_unlock(paths: list[str]) -> int:
    """Exit 0 when the lock is free (stale records removed), 1 when it is held (nothing broken)."""
    workspace = load_workspace(paths)
    backend = state_backend_for(workspace.root, workspace.state)
    found = backend.force_unlock()
    listed = (found or {}).get("readers")
    readers = [reader for reader in listed if isinstance(reader, dict)] if isinstance(listed, list) else []
    writer = {k: v for k, v in (found or {}).items() if k in ("host", "pid", "command", "since")}
    if found and found.get("alive"):
        released = ("when that process exits" if isinstance(backend, LocalStateManager) else
                    "when that process exits or its database connection ends (a DBA can end it with "
                    "pg_terminate_backend)")
        if readers and not writer:
            out(f"The lock is held by {len(readers)} live reader(s) (plan or drift): "
                f"{'; '.join(_who(reader) for reader in readers)}; it is not broken from here. A read "
                "ends on its own.")
        else:
            out(f"The lock is held by a live session ({_who(writer)}); it is not broken from here. It is "
                f"released {released}.")
        return 1
    if not found:
        out("No lock record was present.")
        return 0
    if writer:
        out(f"Removed lock record: {_who(writer)}.")
    for reader in readers:
        out(f"Removed a stale reader's record: {_who(reader)}.")
    return 0


def _who(holder: dict[str, object]) -> str:
    return (f"{holder.get('command', '?')!r} on host {holder.get('host', '?')}, pid {holder.get('pid', '?')}, "
            f"since {holder.get('since', '?')}")


def rm(paths: list[str], keys: list[str], lock_timeout: float) -> int:
    """Forget campaigns: they stay on their platforms, untouched, but provisioner stops managing
    them (Terraform's `state rm`). The way out for a campaign a platform cannot retire."""
    workspace = load_workspace(paths)
    backend = state_backend_for(workspace.root, workspace.state)
    backend.lock(f"state rm {' '.join(keys)}", timeout=lock_timeout)
    try:
        state = backend.load()
        unknown = [key for key in keys if key not in state.resources]
        if unknown:
            err(f"Not in state: {', '.join(unknown)} (see `provisioner show`); nothing was removed.")
            return 1
        for key in keys:
            resource = state.resources[key]
            backend.remove(key)
            out(f"Forgot {resource.provider}.{key} (id {resource.id or '-'}); it is unchanged on "
                f"{resource.provider_type}.")
        backend.compact()
    finally:
        backend.unlock()
    return 0
