"""Scale benchmark: N campaigns on Topsort and Criteo (in-process emulators), end to end.

Measures, for each size: YAML load + validation, the read of live state (requests and time),
the planner's CPU time alone, apply of all creates (requests, time), and the re-plan of an
in-sync account. Run:  python benchmarks/bench_scale.py --sizes 1000 5000 10000
(Not a test: numbers go to the README.)
"""

from __future__ import annotations

import argparse
import gc
import sys
import tempfile
import time
from pathlib import Path

from provisioner.engine import apply_plan, make_plan, open_run
from provisioner.hooks import Hook
from provisioner.planner import Planner
from provisioner.providers.http import HttpContext
from provisioner.refresh import refresh


class FreezeAfterRefresh(Hook):
    """What the CLI does once live state is read (provisioner/commands/output.py): long-lived data
    leaves the cyclic GC's generations, so planning stays linear."""

    def post_refresh_all(self) -> None:
        gc.freeze()


PROVIDERS = """\
providers:
  topsort: {base_url: sandbox, vendor_id: bench-vendor, currency: EUR, parallelism: 16,
            rate_limit: {requests: 100000, per_seconds: 1}}
  criteo: {base_url: sandbox, advertiser_id: "777", currency: EUR, rate_limit: {requests: 100000, per_seconds: 1}}
"""
TOPSORT = """\
  t-{i}:
    provider: topsort
    name: Topsort campaign {i}
    budget: {{amount: {amount}, type: daily}}
    startDate: 2030-03-01T00:00:00Z
    endDate: 2030-03-31T00:00:00Z
    bids: [{{amount: 25, target: {{type: product, id: p_{i}}}}}]
"""
CRITEO = """\
  c-{i}:
    provider: criteo
    name: Criteo campaign {i}
    goal: Acquisition
    spendLimit: {{spendLimitType: capped, spendLimitRenewal: daily, spendLimitAmount: {amount}.50}}
"""


def write_workspace(root: Path, size: int) -> None:
    root.mkdir(parents=True)
    (root / "providers.yaml").write_text(PROVIDERS)
    half = size // 2
    blocks = [TOPSORT.format(i=i, amount=1000 + i) for i in range(half)]
    blocks += [CRITEO.format(i=i, amount=100 + i) for i in range(size - half)]
    for start in range(0, len(blocks), 1000):  # one file per 1,000 campaigns, as a team would split them
        (root / f"campaigns-{start // 1000:03d}.yaml").write_text("campaigns:\n" + "".join(blocks[start:start + 1000]))


def timed(function):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = function()
    return result, time.perf_counter() - start


def bench(size: int, skip_apply: bool) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "ws"
        write_workspace(root, size)
        context = HttpContext()
        run, load_s = timed(lambda: open_run([str(root)], context))
        plan, plan_s = timed(lambda: make_plan(run, hook=FreezeAfterRefresh()))
        row = {"campaigns": size, "load_validate_s": load_s, "first_plan_s": plan_s}
        if skip_apply:
            return row
        requests_before = context.stats.requests
        run.statemgr.lock("bench")
        report, apply_s = timed(lambda: apply_plan(run, plan))
        run.statemgr.unlock()
        assert not report.failed, report.failed[:3]
        row |= {"apply_s": apply_s, "apply_requests": context.stats.requests - requests_before}
        requests_before = context.stats.requests
        replan, replan_s = timed(lambda: make_plan(run, hook=FreezeAfterRefresh()))
        assert not replan.has_changes()
        row |= {"replan_s": replan_s, "replan_read_requests": context.stats.requests - requests_before}
        live = refresh(run.workspace, run.statemgr.state, run.sessions)
        FreezeAfterRefresh().post_refresh_all()
        planner = Planner(run.workspace, run.statemgr.state, live)
        _, cpu_s = timed(planner.plan)
        row |= {"planner_cpu_s": cpu_s, "planner_us_per_campaign": cpu_s / size * 1e6}
        run.close()
        return row


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000, 10000])
    parser.add_argument("--skip-apply", action="store_true")
    args = parser.parse_args()
    rows = [bench(size, args.skip_apply) for size in args.sizes]
    columns = list(rows[0])
    print("| " + " | ".join(columns) + " |")
    print("|" + "---|" * len(columns))
    for row in rows:
        print("| " + " | ".join(f"{row[c]:.3f}" if isinstance(row[c], float) else str(row[c]) for c in columns) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
