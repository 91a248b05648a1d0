"""`provisioner sandbox`: serve the platform emulators on loopback, or edit a campaign "in the UI"."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import threading
from collections import Counter
from pathlib import Path
from typing import Any

from provisioner.commands.output import err, out
from provisioner.sandbox.faults import FaultInjector, FaultKind
from provisioner.sandbox.registry import EMULATOR_NAMES, make_emulator
from provisioner.sandbox.server import EmulatorServer


def serve(state_dir: str, port: int, platforms: list[str], faults: str | None, seed: int | None,
          latency: float, rate_limits: bool, ready_file: str | None = None,
          stats_file: str | None = None, hang_seconds: float | None = None, commit_delay: float = 0.0) -> int:
    if commit_delay and FaultKind.COMMIT_LATE.value not in (faults or ""):
        err("Error: --commit-delay applies to the commit-late fault: add it to --faults, e.g. --faults 1:commit-late")
        return 1
    try:
        FaultInjector.parse(faults or "0", commit_delay=commit_delay)  # refuse a bad spec before serving
    except ValueError as error:
        err(f"Error: --faults: {error}")
        return 1
    servers = []
    for offset, name in enumerate(platforms or list(EMULATOR_NAMES)):
        platform_seed = None if seed is None else seed + offset  # each platform its own sequence
        injector = FaultInjector.parse(faults, seed=platform_seed, latency=latency, commit_delay=commit_delay) \
            if faults else FaultInjector(latency=latency)
        emulator = make_emulator(name, state_dir, injector, rate_limited=rate_limits)
        server = EmulatorServer(emulator, port=port + offset if port else 0, hang_seconds=hang_seconds).start()
        servers.append(server)
        out(f"{name}: base_url {server.url}")
    if ready_file:
        # written aside and renamed: a watcher polling for the file never reads it half written
        pending = Path(f"{ready_file}.tmp")
        pending.write_text(json.dumps({s.emulator.name: s.url for s in servers}), "utf-8")
        os.replace(pending, ready_file)
    err(f"Serving {len(servers)} emulator(s); state in {state_dir}. Ctrl-C to stop.")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with contextlib.suppress(KeyboardInterrupt):
        stop.wait()
    for server in servers:
        server.stop()
    if stats_file:
        Path(stats_file).write_text(json.dumps({s.emulator.name: {
            "requests": len(s.emulator.requests), "faults": s.emulator.faults.counts,
            # answers by HTTP status ("429": refused by the rate limit), for benchmarks and soak runs
            "statuses": dict(Counter(str(r.status) for r in s.emulator.requests))} for s in servers}), "utf-8")
    return 0


def edit(state_dir: str, platform: str, object_id: str, assignments: list[str]) -> int:
    changes: dict[str, Any] = {}
    for assignment in assignments:
        name, sep, raw = assignment.partition("=")
        if not sep:
            err(f"'{assignment}' is not FIELD=VALUE")
            return 1
        try:
            value: Any = json.loads(raw)
        except ValueError:
            value = raw
        _assign(changes, name.split("."), value)
    emulator = make_emulator(platform, state_dir)
    try:
        result = emulator.ui_edit(object_id, changes)
    except Exception as error:
        detail = getattr(getattr(error, "response", None), "body", None) or error
        err(f"Error: {platform} has no campaign {object_id!r} that accepts {changes} ({detail}); "
            "the id is the platform's id, as `provisioner show WORKSPACE` lists it")
        return 1
    out(json.dumps(result, indent=1, default=str))
    return 0


def _assign(target: dict[str, Any], path: list[str], value: Any) -> None:
    for part in path[:-1]:
        target = target.setdefault(part, {})
    target[path[-1]] = value
