"""Read a cProfile of `provisioner plan` and print, per phase, the top lines by cumulative and by
own time (tottime): the evidence behind each optimisation target of issue 12.

    python benchmarks/profile_phases.py /tmp/prof/topsort-10000.prof [--top 25] [--campaigns 10000]

A function belongs to the first phase whose pattern its file or name matches (see PHASES).
"""

from __future__ import annotations

import argparse
import pstats
import re
import sys

# (phase, regex on "file:function") in priority order; the rest is "other".
PHASES = [
    ("yaml load (resolver/constructors)", r"/yaml/|yamlmarks|config/workspace|config/secrets"),
    ("pydantic", r"pydantic|config/models|providers/\w+/schema"),
    ("refresh (http, json, live)", (r"httpx|httpcore|/http/client|socket|ssl|refresh\.py|providers/http|"
                                   r"providers/\w+/(client|resources)|providers/wire|json/decoder|concurrent/")),
    ("diff / canon / fingerprint", r"diff\.py|planner\.py|deepdiff|hashlib|plans/change|decimal|_strptime|datetime"),
    ("plan file write (asdict, json)", r"planfile|plans/plan\.py|dataclasses|json/encoder|views/"),
    ("imports", r"<frozen importlib|importlib"),
]


# The function that starts each phase: its cumulative time is the phase's wall time in the main thread.
ROOTS = [("imports", r"_bootstrap>$", "_find_and_load"), ("load", r"config/workspace\.py$", "load_workspace"),
         ("state load", r"states/statemgr\.py$", "load"), ("refresh", r"provisioner/refresh\.py$", "refresh"),
         ("diff (planner)", r"provisioner/planner\.py$", "plan"), ("render", r"commands/plan\.py$", "render"),
         ("write", r"plans/planfile\.py$", "write_plan")]


def phase_of(key: tuple[str, int, str]) -> str:
    text = f"{key[0]}:{key[2]}"
    for name, pattern in PHASES:
        if re.search(pattern, text):
            return name
    return "other"


def short(key: tuple[str, int, str]) -> str:
    path = re.sub(r".*/site-packages/", "", key[0])
    path = re.sub(r".*/(provisioner/)", r"\1", path)
    path = re.sub(r".*/lib/python3\.\d+/", "", path)
    return f"{path}:{key[1]}({key[2]})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("profile")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--per-phase", type=int, default=8)
    parser.add_argument("--campaigns", type=int, default=0, help="also print µs per campaign")
    args = parser.parse_args()
    stats = pstats.Stats(args.profile).stats  # type: ignore[attr-defined]
    total = sum(tt for (_, _, tt, _, _) in stats.values())
    per = (lambda s: f" {s / args.campaigns * 1e6:7.1f} µs/c") if args.campaigns else (lambda s: "")
    rows = [(key, cc, nc, tt, ct) for key, (cc, nc, tt, ct, _) in stats.items()]

    def line(row: tuple) -> str:  # type: ignore[type-arg]
        key, _, nc, tt, ct = row
        return f"  {nc:>9} calls  tottime {tt:7.3f}s  cumtime {ct:7.3f}s{per(ct)}  {short(key)}"

    per_campaign = f" ({total / args.campaigns * 1e6:.0f} µs per campaign)" if args.campaigns else ""
    print(f"total own time {total:.2f} s{per_campaign}")
    print(f"\n## top {args.top} by cumulative time")
    for row in sorted(rows, key=lambda r: -r[4])[:args.top]:
        print(line(row))
    print(f"\n## top {args.top} by own time (tottime)")
    for row in sorted(rows, key=lambda r: -r[3])[:args.top]:
        print(line(row))
    print("\n## phases by their root function (cumulative, main thread; wall clock, so waits included)")
    for name, file_pattern, function in ROOTS:
        found = [r for r in rows if r[0][2] == function and re.search(file_pattern, r[0][0])]
        if found:
            print(f"  {name:<15}" + line(max(found, key=lambda r: r[4])).strip())
    by_phase: dict[str, list[tuple]] = {}  # type: ignore[type-arg]
    for row in rows:
        by_phase.setdefault(phase_of(row[0]), []).append(row)
    print("\n## own time by phase (functions attributed by file; builtins such as ~:0 stay in other)")
    for name, members in sorted(by_phase.items(), key=lambda item: -sum(r[3] for r in item[1])):
        own = sum(r[3] for r in members)
        print(f"\n### {name}: own time {own:.2f} s ({own / total:.0%})" + (per(own) if args.campaigns else ""))
        for row in sorted(members, key=lambda r: -r[3])[:args.per_phase]:
            print(line(row))
    return 0


if __name__ == "__main__":
    sys.exit(main())
