"""State backend benchmark: the cost of recording N outcomes, one committed write each, in the local
file and in PostgreSQL; then reading the state back, compacting, and pushing it whole.

Run:  python benchmarks/bench_state_backends.py --size 10000 [--dsn postgresql://...]
Without --dsn a throwaway server is started from Debian's postgresql package with its default
durability settings (fsync on, synchronous_commit on). Not a test: numbers go to the README.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from provisioner.states.backend import StateBackend
from provisioner.states.postgres import PostgresStateManager
from provisioner.states.state import PENDING, ResourceState, State
from provisioner.states.statemgr import LocalStateManager


def resource(i: int, status: str = "managed") -> ResourceState:
    attrs = {"name": f"Topsort campaign {i}", "budget": {"amount": 1000 + i, "type": "daily"},
             "startDate": "2030-03-01T00:00:00Z", "endDate": "2030-03-31T00:00:00Z"}
    return ResourceState(f"t-{i}", "topsort", "topsort", status, None if status == PENDING else str(i), attrs)


def timed(function: Callable[[], Any]) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def run(name: str, make: Callable[[], StateBackend], size: int) -> None:
    manager = make()
    manager.load()
    manager.lock("bench")
    outcomes = timed(lambda: [manager.record(resource(i)) for i in range(size)])
    creates = timed(lambda: [(manager.record(resource(size + i, PENDING)), manager.record(resource(size + i)))
                             for i in range(size)])
    compact = timed(manager.compact)
    manager.unlock()
    reader = make()
    load = timed(reader.load)
    assert len(reader.state.resources) == 2 * size
    pushed = make()
    pushed.lock("bench push")
    state = State(resources={r.key: r for r in (resource(i) for i in range(size))})
    replace = timed(lambda: pushed.replace(state))
    pushed.unlock()
    print(f"{name:10s} record {size} outcomes: {outcomes:6.2f} s ({outcomes / size * 1e3:.2f} ms each) | "
          f"{size} creates (pending + outcome): {creates:6.2f} s | compact {compact:5.2f} s | "
          f"load {2 * size}: {load:5.2f} s | push {size}: {replace:5.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=10000)
    parser.add_argument("--dsn", help="an existing database (default: start a throwaway server)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        run("local", lambda: LocalStateManager(Path(tmp) / "state"), args.size)
    server = None
    dsn = args.dsn
    if dsn is None:
        from tests.states.conftest import PostgresServer, _binaries

        bin_dir = _binaries()
        if bin_dir is None:
            sys.exit("PostgreSQL server binaries not found (apt-get install postgresql), or pass --dsn")
        server = PostgresServer(bin_dir)
        server.start()
        dsn = server.dsn()
    workspace = f"bench-{uuid.uuid4().hex[:8]}"
    try:
        run("postgres", lambda: PostgresStateManager(dsn, workspace), args.size)
    finally:
        if server is not None:
            server.stop()


if __name__ == "__main__":
    main()
