"""`provisioner state ...` and `force-unlock`: list, show, rename (mv) and forget (rm) campaigns in
state, move a workspace's state between the local file and the configured shared backend, and
clear a stale lock record. None of them sends anything to a platform."""

from __future__ import annotations

import json
from dataclasses import replace

from provisioner.commands.output import err, out
from provisioner.config.models import Workspace
from provisioner.config.workspace import KEY_PATTERN, KEY_RULE, load_workspace
from provisioner.providers.registry import providers
from provisioner.states.backend import StateBackend, local_state_dir, state_backend_for
from provisioner.states.state import PENDING, State
from provisioner.states.statemgr import LocalStateManager
from provisioner.views import human


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


def list_resources(paths: list[str], fmt: str) -> int:
    """Every campaign state records, one line each: address, status and platform id."""
    state = _load(paths)
    resources = sorted(state.resources.values(), key=lambda r: (r.provider, r.key))
    if fmt == "json":
        out(json.dumps([{"key": r.key, "provider": r.provider, "provider_type": r.provider_type,
                         "status": r.status, "id": r.id} for r in resources], indent=1))
        return 0
    out(human.render_state_list(resources))
    return 0


def show_resource(paths: list[str], key: str, fmt: str) -> int:
    """One campaign's state entry: id, status, the values last applied, outputs, and the commit
    and CI run of the apply that last wrote it."""
    state = _load(paths)
    resource = state.resources.get(key)
    if resource is None:
        err(f"Not in state: {key} (see `provisioner state list`).")
        return 1
    if fmt == "json":
        out(json.dumps(resource.to_dict(), indent=1, default=str))
        return 0
    out(human.render_state_entry(resource))
    return 0


def mv(paths: list[str], old: str, new: str, lock_timeout: float) -> int:
    """Rename a campaign's key in state only; nothing is sent. Refused where the key is the
    platform's identity (the live campaign still carries the old key): a `moved:` section plans
    that rename as a reviewable change instead."""
    if not KEY_PATTERN.match(new):
        err(f"Error: the new key {new!r} {KEY_RULE}.")
        return 1
    workspace = load_workspace(paths)
    backend = state_backend_for(workspace.root, workspace.state)
    backend.lock(f"state mv {old} {new}", timeout=lock_timeout)
    try:
        state = backend.load()
        resource = state.resources.get(old)
        if resource is None:
            err(f"Not in state: {old} (see `provisioner state list`); nothing was moved.")
            return 1
        if new in state.resources:
            err(f"{new} is already in state ({state.resources[new].provider}.{new}); nothing was moved.")
            return 1
        plugin = providers().get(resource.provider_type)
        if plugin is None or plugin.capabilities.adopt_by == "key":
            field = plugin.capabilities.key_field if plugin else None
            where = f"{resource.provider_type}'s {field}" if field else f"the {resource.provider_type} platform"
            err(f"Refusing to move {old} in state only: the key is {where}, so the live campaign would "
                f"still carry {old!r} and a state-only rename would break the link. Rename it in YAML and "
                f"add a moved: section, which plans the rename as a reviewable change:\n"
                f"moved:\n  - from: {old}\n    to: {new}")
            return 1
        if resource.status == PENDING:
            err(f"{old} is a pending create (interrupted); run plan and apply to resolve it before moving it.")
            return 1
        backend.record(replace(resource, key=new))
        backend.remove(old)
        backend.compact()
    finally:
        backend.unlock()
    out(f"Moved {resource.provider}.{old} to {resource.provider}.{new} in state (id {resource.id or '-'}); "
        f"nothing was sent to {resource.provider_type}. Rename the campaign in YAML to {new} too.")
    return 0


def _load(paths: list[str]) -> State:
    workspace = load_workspace(paths)
    return state_backend_for(workspace.root, workspace.state).load()
