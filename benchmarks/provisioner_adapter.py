"""The only place the benchmarks touch provisioner's internal Python API: one plan, run in-process,
with the CPU time (time.process_time, all threads) of each phase. Update this file, and only this
file, when the engine's internals move.

Run as a script in a fresh interpreter so the figures include nothing from the caller:
    python benchmarks/provisioner_adapter.py WORKSPACE OUT.json   → prints one JSON object
"""

from __future__ import annotations

import gc
import json
import sys
import time
from pathlib import Path
from typing import Any

IMPORT_START = time.process_time()

from provisioner.commands.plan import render
from provisioner.config.workspace import load_workspace
from provisioner.planner import Planner
from provisioner.plans.plan import NORMAL
from provisioner.plans.planfile import write_plan
from provisioner.providers.http import HttpContext
from provisioner.refresh import Sessions, refresh
from provisioner.states.backend import state_backend_for

IMPORT_END = time.process_time()


def phase_cpu(paths: list[str], out_path: Path) -> dict[str, Any]:
    """One `plan --out` done step by step; returns CPU seconds per phase and what the plan found."""
    cpu: dict[str, float] = {"import": IMPORT_END - IMPORT_START}
    mark = time.process_time()

    def lap(name: str) -> None:
        nonlocal mark
        now = time.process_time()
        cpu[name] = now - mark
        mark = now

    workspace = load_workspace(paths)
    lap("load")
    statemgr = state_backend_for(workspace.root, workspace.state)
    context = HttpContext()  # the benchmark's providers talk to emulators over loopback HTTP
    statemgr.load()
    sessions = Sessions(workspace, context)
    instances = sorted(workspace.providers)
    try:
        live = refresh(workspace, statemgr.state, sessions, None, instances)
        lap("refresh")  # includes loading the state file
        gc.freeze()  # as the engine does after refresh
        planner = Planner(workspace, statemgr.state, live, state_digest=statemgr.digest())  # as engine.make_plan
        plan = planner.plan(NORMAL, paths)
        lap("diff")
        render(plan, "text")
        lap("render")
        write_plan(plan, out_path)
        lap("write")
    finally:
        sessions.close()
    errors = [f"{name}: {view.error}" for name, view in live.items() if view.error]
    return {"cpu": cpu, "changes": len(plan.changes), "has_changes": plan.has_changes(),
            "errors": errors, "requests": context.stats.requests}


if __name__ == "__main__":
    print(json.dumps(phase_cpu([sys.argv[1]], Path(sys.argv[2]))))
