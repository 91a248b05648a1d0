"""Start-up benchmark: best-of-N wall time and CPU (user+sys) of a bare interpreter, `provisioner
--help`, `validate` of the quickstart (warm, as the issue's target is measured, and cold: without
its load cache) and `plan` of a copy of the quickstart on the in-process sandbox, as ratios to the
bare start (issue 12: `--help` ≤ 3×, `validate` ≤ 6×).

    python benchmarks/bench_startup.py [--repeat 15] [--no-plan] [--json F]

The package's bytecode is compiled first (as an installed program has it). Not a test: figures go
to the README and benchmarks/PROFILE.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
QUICKSTART = HERE.parent / "examples" / "quickstart"
# The quickstart is sandbox-only; a pinned clock keeps the plan the same on any date.
PLAN_ENV = {"PROVISIONER_NOW": "2030-01-15T00:00:00Z"}
TARGETS = {"--help": 3.0, "validate quickstart": 6.0}
# `python -m provisioner validate .` after removing the load cache (shutil is all it adds)
COLD_VALIDATE = ("import runpy, shutil, sys; shutil.rmtree('.provisioner/cache', ignore_errors=True); "
                 "sys.argv = ['provisioner', 'validate', '.']; runpy.run_module('provisioner', run_name='__main__')")


def compile_bytecode() -> None:
    """Compile the package's bytecode before anything is timed: an installed program has it (pip
    compiles at install), but with PYTHONDONTWRITEBYTECODE set every run would recompile the source."""
    import compileall

    import provisioner

    compileall.compile_dir(str(Path(provisioner.__file__).parent), quiet=1)


def run_once(argv: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU (user+sys of the child) seconds of one run; a failing command stops the benchmark."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 2):  # plan exits 2 when it has changes
        raise SystemExit(f"{' '.join(argv)} exited {done.returncode}:\n{done.stderr.decode()}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def best_of(argv: list[str], repeat: int, cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    run_once(argv, cwd, env)  # warm the OS page cache
    runs = [run_once(argv, cwd, env) for _ in range(repeat)]
    return min(w for w, _ in runs), min(c for _, c in runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=15, help="runs per command (the best counts)")
    parser.add_argument("--no-plan", action="store_true", help="leave out the sandbox plan")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()

    compile_bytecode()
    env = {**os.environ, **PLAN_ENV}
    py = sys.executable
    cases: list[tuple[str, list[str], Path]] = [
        ("bare interpreter", [py, "-c", "pass"], QUICKSTART),
        ("--help", [py, "-m", "provisioner", "--help"], QUICKSTART),
        ("validate quickstart", [py, "-m", "provisioner", "validate", "."], QUICKSTART),
    ]
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp:
        # `validate` above answers from the workspace's load cache after the first run (a warm start);
        # this copy loses its cache before every run, as in CI on a fresh checkout
        cold = Path(tmp) / "quickstart-cold"
        shutil.copytree(QUICKSTART, cold, ignore=shutil.ignore_patterns(".provisioner"))
        cases.append(("validate quickstart (cold: no load cache)", [py, "-c", COLD_VALIDATE], cold))
        if not args.no_plan:
            # A copy, so the sandbox data and the load cache it writes stay out of the checkout.
            workspace = Path(tmp) / "quickstart"
            shutil.copytree(QUICKSTART, workspace, ignore=shutil.ignore_patterns(".provisioner"))
            cases.append(("plan quickstart (sandbox)",
                          [py, "-m", "provisioner", "plan", ".", "--no-save"], workspace))
        results = [(name, *best_of(argv, args.repeat, cwd, env)) for name, argv, cwd in cases]

    bare_wall, bare_cpu = results[0][1], results[0][2]
    print(f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cores; "
          f"best of {args.repeat}\n")
    print("| command | wall ms | × bare | CPU ms | × bare | target |")
    print("|---|---|---|---|---|---|")
    for name, wall, cpu in results:
        target = f"≤ {TARGETS[name]:g}×" if name in TARGETS else ""
        print(f"| {name} | {wall * 1000:.1f} | {wall / bare_wall:.1f} | {cpu * 1000:.0f} | "
              f"{cpu / bare_cpu:.1f} | {target} |")
    if args.json:
        args.json.write_text(json.dumps(
            {"repeat": args.repeat, "python": platform.python_version(),
             "results": [{"command": n, "wall_s": w, "cpu_s": c, "wall_ratio": w / bare_wall,
                          "cpu_ratio": c / bare_cpu} for n, w, c in results]}, indent=2) + "\n")


if __name__ == "__main__":
    main()
