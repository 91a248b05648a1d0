"""Soak: apply N campaigns across all five platforms while 20 % of requests fail (429 with each
platform's rate-limit headers, 500/503, timeouts, and connections dropped before and after the
platform committed), re-running apply until it converges. The emulators run in their own process
over loopback HTTP. Prints the figures for the README. Run:

    python benchmarks/soak.py --per-platform 100 --fault-rate 0.2 --seed 7
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from provisioner.engine import open_run
from provisioner.providers.http import HttpContext
from provisioner.testing.converge import converge
from tests.reliability import workspace_gen
from tests.reliability.platforms_process import COLLECTIONS, live_ids
from tests.reliability.test_kill9 import ENV


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--per-platform", type=int, default=100)
    parser.add_argument("--fault-rate", type=float, default=0.2)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    os.environ.update(ENV)
    with tempfile.TemporaryDirectory() as tmp:
        data, ready, stats = Path(tmp) / "platforms", Path(tmp) / "ready.json", Path(tmp) / "stats.json"
        server = subprocess.Popen(
            [sys.executable, "-m", "provisioner", "sandbox", "serve", "--state-dir", str(data), "--port", "0",
             "--ready-file", str(ready), "--stats-file", str(stats), "--faults", str(args.fault_rate),
             "--seed", str(args.seed), "--hang-seconds", "3"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while not ready.exists():
            time.sleep(0.05)
        urls = json.loads(ready.read_text())
        root = workspace_gen.write(Path(tmp) / "ws", args.per_platform, urls,
                                   extra=", timeout_seconds: 1, max_retries: 4")
        context = HttpContext()
        started = time.monotonic()
        figures = converge([root], context, max_runs=40)
        wall = time.monotonic() - started
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        served = json.loads(stats.read_text())

        # The platforms' own journals say what exists; state says what we recorded.
        declared = 5 * args.per_platform
        counts = {name: len(live_ids(data, name, "", exact=False)) for name in COLLECTIONS}
        state = open_run([str(root)], HttpContext()).statemgr.state
        lost = declared - sum(1 for r in state.resources.values() if r.status == "managed" and r.id)
        rows = {
            "campaigns": declared, "fault rate": args.fault_rate, "seed": args.seed,
            "converged": figures.converged, "apply runs": figures.apply_runs,
            "plans skipped (a platform unreadable)": figures.incomplete_plans,
            "waits for a settle window (only ambiguous creates left)": figures.settle_waits,
            "failed outcomes along the way": figures.failed_outcomes,
            "client requests": context.stats.requests, "client retries": context.stats.retries,
            "faults injected": sum(sum(p["faults"].values()) for p in served.values()),
            "requests served": sum(p["requests"] for p in served.values()),
            "campaigns on the platforms": sum(counts.values()),
            "duplicates": sum(counts.values()) - declared, "lost": lost, "wall time (s)": round(wall, 1),
        }
        for name, value in rows.items():
            print(f"| {name} | {value} |")
        return 0 if figures.converged and rows["duplicates"] == 0 and lost == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
