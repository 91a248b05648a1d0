"""Plan benchmark of an unchanged account: the real `provisioner plan` against the emulators over
loopback HTTP (set latency, the platforms' documented rate limits), N already-applied campaigns per
readable provider, compared in the same run with the API-bound ideal and one GET per campaign.

    python benchmarks/bench_plan.py --sizes 1000 10000 50000 [--providers topsort criteo] [--json F]
    python benchmarks/bench_plan.py --instances 20 --sizes 10000 --providers topsort criteo

`--instances K`: an agency workspace, K instances of each platform under one API key / OAuth
application (one per vendor or advertiser), the N campaigns spread over them; plan, then apply a
change to some of them (`--apply-changes`), both at the platform's documented limit, reporting the
429s the emulator answered (zero expected: the instances share the credential's limiter).

Seeding: one campaign per provider is applied for real (`provisioner apply`, rate limits off), then
its emulator records and state entry are cloned N times with the key and the platform id replaced,
so the plan sees N live campaigns that match state and YAML. Not a test: figures go to the README.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent
ADAPTER = HERE / "provisioner_adapter.py"
READABLE = ("topsort", "criteo", "sessionm", "skala")
TOKEN = "n000000"  # stands for the campaign's index in every templated string: n000000 … n049999
ENV = {"TOPSORT_API_KEY": "bench-topsort-key", "CRITEO_CLIENT_ID": "bench-client",
       "CRITEO_CLIENT_SECRET": "bench-criteo-secret", "SESSIONM_API_KEY": "bench-sessionm-key",
       "SESSIONM_API_SECRET": "bench-sessionm-secret", "SKALA_USERNAME": "bench-user",
       "SKALA_PASSWORD": "bench-skala-password"}
CRITEO_VERSION = "2026-07"
CAMPAIGNS_PER_FILE = 1000  # as a team would split them
ONE_GET_PARALLELISM = 10
ONE_GET_SAMPLE = 1000

CAMPAIGN_YAML = {
    "topsort": """\
  t-n000000:
    provider: topsort
    name: Topsort n000000
    budget: {amount: 1500, type: daily}
    startDate: 2030-03-01T00:00:00Z
    endDate: 2030-03-31T00:00:00Z
    bids: [{amount: 25, target: {type: product, id: p_n000000}}]
""",
    "criteo": """\
  c-n000000:
    provider: criteo
    name: Criteo n000000
    goal: Acquisition
    spendLimit: {spendLimitType: capped, spendLimitRenewal: daily, spendLimitAmount: 100.25}
""",
    "sessionm": """\
  s-n000000:
    provider: sessionm
    name: SessionM n000000
    status: live
    starts_at: 2030-03-01T00:00:00Z
    ends_at: 2030-03-31T00:00:00Z
""",
    "skala": """\
  k-n000000:
    provider: skala
    company: {id: 10}
    campaignType: {id: 100}
    startDate: 2030-04-01
    endDate: 2030-04-20
    landingPage: https://example.com/open-house/n000000
    campaignFieldValues:
      headline: {type: FREETEXT, text: Open house n000000}
      description: {type: FREETEXT, text: Sunday 12-14}
      image: {type: PICTURE, picture: {id: 3301}}
      cta: {type: SELECT, text: LEARN_MORE}
    budgetOptionId: 500
""",
}
PROVIDER_YAML = {
    "topsort": '  topsort: {{base_url: "{url}", api_key: "${{env:TOPSORT_API_KEY}}", vendor_id: bench, currency: EUR}}\n',
    "criteo": '  criteo: {{base_url: "{url}", client_id: "${{env:CRITEO_CLIENT_ID}}", '
              'client_secret: "${{env:CRITEO_CLIENT_SECRET}}", advertiser_id: "12345", currency: EUR}}\n',
    "sessionm": '  sessionm: {{base_url: "{url}", api_key: "${{env:SESSIONM_API_KEY}}", '
                'api_secret: "${{env:SESSIONM_API_SECRET}}"}}\n',
    "skala": '  skala: {{base_url: "{url}", username: "${{env:SKALA_USERNAME}}", '
             'password: "${{env:SKALA_PASSWORD}}", brand_id: 1, currency: NOK}}\n',
}


# -- the platforms' documented read paths, and the ideal they allow ---------------------------
@dataclass(frozen=True)
class ReadPath:
    """What reading N campaigns needs at least, per the platform's docs (api-contracts.md)."""

    requests: int  # documented limit: `requests` per `per_seconds`
    per_seconds: float
    page_size: int | None  # None: one call answers everything (no paging)
    fixed_round_trips: int  # sequential calls around the listing (token, login, logout)
    concurrency: int = 8  # an instance's default `parallelism`
    note: str = ""


READ_PATHS = {
    "topsort": ReadPath(45, 2, 100, 0, note="offset pages of 100 (limit setting), 45 req / 2 s"),
    "criteo": ReadPath(250, 60, None, 1, note="token + one search per advertiser, 250 req / 60 s"),
    "sessionm": ReadPath(10, 1, None, 0, note="one list call, 10 req / s assumed"),
    "skala": ReadPath(10, 1, None, 2, note="login, orders by brand (company check beside it), logout; 10 req / s"),
}
CLIENT_WINDOW_SAFETY = 1.005  # as providers/http.py ClientRateLimiter: request i starts W after request i-L ended


def ideal_seconds(provider: str, n: int, latency: float) -> tuple[float, int]:
    """Fewest list pages for n, scheduled greedily as the client paces them: request i starts at
    max(end of request i-c, end of request i-L + 1.005·W), each takes the latency; plus the
    sequential round trips the platform needs around the listing."""
    path = READ_PATHS[provider]
    pages = 1 if path.page_size is None else max(1, math.ceil(n / path.page_size))
    window = path.per_seconds * CLIENT_WINDOW_SAFETY
    starts: list[float] = []
    for i in range(pages):
        start = 0.0
        if i >= path.concurrency:
            start = max(start, starts[i - path.concurrency] + latency)
        if i >= path.requests:
            start = max(start, starts[i - path.requests] + latency + window)
        starts.append(start)
    return starts[-1] + latency + path.fixed_round_trips * latency, pages + path.fixed_round_trips


IDEAL_FORMULA = ("ideal = T(P) + k·t, P = ceil(N / page size) list pages (1 when the list is not paged), "
                 "t = latency, k = sequential non-list round trips (token/login/logout); T(P) = end of the "
                 "last page when page i starts at max(start(i-c) + t, start(i-L) + t + 1.005·W) with c = 8 "
                 "concurrent requests and L requests per W seconds (the client's sliding window)")


# -- processes ----------------------------------------------------------------------------------
@dataclass
class Served:
    urls: dict[str, str]
    pid: int


@contextlib.contextmanager
def serve(data: Path, platforms: list[str], latency: float, rate_limits: bool,
          stats_file: Path | None = None) -> Iterator[Served]:
    """`provisioner sandbox serve` in its own process (the way the reliability tests start it)."""
    ready = data / "ready.json"
    ready.unlink(missing_ok=True)
    command = [sys.executable, "-m", "provisioner", "sandbox", "serve", "--state-dir", str(data), "--port", "0",
               "--ready-file", str(ready), "--latency", str(latency)]
    command += [arg for name in platforms for arg in ("--platform", name)]
    command += ["--rate-limits"] if rate_limits else []
    command += ["--stats-file", str(stats_file)] if stats_file else []
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 300  # opening a 50,000-campaign journal compacts it first
        while not ready.exists() and time.monotonic() < deadline and server.poll() is None:
            time.sleep(0.05)
        if not ready.exists():
            raise RuntimeError(f"sandbox serve did not start (exit {server.poll()})")
        yield Served(json.loads(ready.read_text()), server.pid)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) a live process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class ChildRun:
    wall: float
    cpu: float  # user + system of the child alone (wait4's rusage, as RUSAGE_CHILDREN deltas give)
    max_rss_mb: float
    exit_code: int
    stdout: str
    stderr: str
    server_cpu: float = 0.0


# The child's own peak RSS, written at exit: Linux records the *parent's* high-water RSS as a
# vfork'd child's `ru_maxrss` when it execs, so wait4's figure is at least this benchmark's own
# size (hundreds of MB at 50,000 seeded campaigns). VmHWM belongs to the child's own address space.
PEAK_RSS_RUNNER = ("import atexit, os, runpy, sys\n"
                   "def _peak():\n"
                   "    with open('/proc/self/status') as status, open(os.environ['BENCH_PEAK_FILE'], 'w') as out:\n"
                   "        out.write(next(l for l in status if l.startswith('VmHWM:')).split()[1])\n"
                   "atexit.register(_peak)\n"
                   "sys.argv = ['provisioner', *sys.argv[1:]]\n"
                   "runpy.run_module('provisioner', run_name='__main__', alter_sys=True)\n")


def run_child(command: list[str], cwd: Path, server_pid: int | None = None) -> ChildRun:
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err, \
            tempfile.NamedTemporaryFile("r") as peak:
        env = {**os.environ, **ENV, "BENCH_PEAK_FILE": peak.name}
        server_before = process_cpu(server_pid) if server_pid else 0.0
        start = time.perf_counter()
        child = subprocess.Popen(command, cwd=cwd, env=env, stdout=out, stderr=err)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        server_cpu = process_cpu(server_pid) - server_before if server_pid else 0.0
        out.seek(0)
        err.seek(0)
        own_peak = peak.read().strip()
        max_rss_mb = int(own_peak) / 1024 if own_peak else usage.ru_maxrss / 1024
        return ChildRun(wall, usage.ru_utime + usage.ru_stime, max_rss_mb, child.returncode,
                        out.read(), err.read(), server_cpu)


def compile_bytecode() -> None:
    """Compile the package's bytecode before anything is timed, as any installed program has it: pip
    compiles at install, and an editable install writes __pycache__ on first import, unless
    PYTHONDONTWRITEBYTECODE is set (it is on some machines: then every run would recompile the source)."""
    import compileall

    import provisioner

    compileall.compile_dir(str(Path(provisioner.__file__).parent), quiet=1)


def provisioner_cli(*args: str) -> list[str]:
    """`python -m provisioner ARGS`, run so that it reports its own peak RSS (PEAK_RSS_RUNNER)."""
    return [sys.executable, "-c", PEAK_RSS_RUNNER, *args]


# -- seeding --------------------------------------------------------------------------------------
@dataclass
class Template:
    """One applied campaign of a provider: its emulator records and its state entry, as text."""

    global_lines: list[str]  # records that are not the campaign's (seed data, counters, tokens)
    campaign_lines: list[str]
    state_entry: str
    state_head: dict[str, Any]
    platform_id: str


def make_templates(work: Path, providers: list[str]) -> dict[str, Template]:
    """Apply one campaign per provider for real, and keep what the platforms and the state hold."""
    data, ws = work / "template-data", work / "template-ws"
    data.mkdir(parents=True)
    ws.mkdir(parents=True)
    with serve(data, providers, latency=0.0, rate_limits=False) as served:
        (ws / "providers.yaml").write_text(
            "providers:\n" + "".join(PROVIDER_YAML[p].format(url=served.urls[p]) for p in providers))
        (ws / "campaigns.yaml").write_text("campaigns:\n" + "".join(CAMPAIGN_YAML[p] for p in providers))
        done = run_child(provisioner_cli("apply", str(ws), "--auto-approve"), work)
        if done.exit_code != 0:
            raise RuntimeError(f"template apply failed:\n{done.stdout}\n{done.stderr}")
    # The state snapshot is versioned JSON with `resources` keyed by campaign key (states/statefile.py).
    state = json.loads((ws / ".provisioner" / "state.json").read_text())
    head = {k: v for k, v in state.items() if k != "resources"}
    templates = {}
    for provider in providers:
        entry = next(r for r in state["resources"].values() if r["provider"] == provider)
        platform_id = str(entry["id"])
        lines = (data / f"{provider}.jsonl").read_text().splitlines()
        mine = [line for line in lines if TOKEN in line or _mentions_id(line, platform_id)]
        rest = [line for line in lines if line not in mine]
        templates[provider] = Template(rest, mine, json.dumps(entry), head, platform_id)
    return templates


def _mentions_id(text: str, platform_id: str) -> bool:
    return f'"{platform_id}"' in text or (platform_id.isdigit() and _int_pattern(platform_id).search(text) is not None)


def _int_pattern(value: str) -> re.Pattern[str]:
    return re.compile(rf"(?<=[:\[,])\s*{value}(?=\s*[,}}\]])")


def clone_id(platform_id: str, index: int) -> str:
    if platform_id.isdigit():
        return str(int(platform_id) + index)
    try:
        uuid.UUID(platform_id)
    except ValueError:
        return f"{platform_id}-{index}"
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"bench/{platform_id}/{index}"))


def cloned(text: str, template: Template, index: int) -> str:
    new_id = clone_id(template.platform_id, index)
    text = text.replace(TOKEN, f"n{index:06d}").replace(f'"{template.platform_id}"', f'"{new_id}"')
    if template.platform_id.isdigit():
        text = _int_pattern(template.platform_id).sub(new_id, text)
    return text


def seed(template: Template, provider: str, n: int, data: Path, ws: Path) -> None:
    """N copies of the applied campaign: on the platform (the emulator's journal), in the state file
    and in the YAML (one file per 1,000 campaigns)."""
    data.mkdir(parents=True)
    ws.mkdir(parents=True)
    with open(data / f"{provider}.jsonl", "w") as journal:
        journal.writelines(line + "\n" for line in template.global_lines)
        for index in range(n):
            journal.writelines(cloned(line, template, index) + "\n" for line in template.campaign_lines)
    resources = {}
    for index in range(n):
        entry = json.loads(cloned(template.state_entry, template, index))
        resources[entry["key"]] = entry
    (ws / ".provisioner").mkdir()
    (ws / ".provisioner" / "state.json").write_text(json.dumps({**template.state_head, "resources": resources},
                                                               indent=1, sort_keys=True))
    block = CAMPAIGN_YAML[provider]
    for start in range(0, n, CAMPAIGNS_PER_FILE):
        body = "".join(block.replace(TOKEN, f"n{i:06d}") for i in range(start, min(n, start + CAMPAIGNS_PER_FILE)))
        (ws / f"campaigns-{start // CAMPAIGNS_PER_FILE:03d}.yaml").write_text("campaigns:\n" + body)


# -- one GET per campaign -------------------------------------------------------------------------
def one_get_seconds(provider: str, base_url: str, ids: list[str]) -> float:
    """Wall time of GETting each id once, ONE_GET_PARALLELISM at a time, on the platform's
    get-one endpoint (authentication done before the clock starts)."""
    headers: dict[str, str] = {}
    with httpx.Client(base_url=base_url, timeout=60) as http:
        if provider == "topsort":
            headers["Authorization"] = f"Bearer {ENV['TOPSORT_API_KEY']}"
            path = "/public/v1/campaign-service/campaigns/{}"
        elif provider == "criteo":
            token = http.post("/oauth2/token", data={"grant_type": "client_credentials",
                                                      "client_id": ENV["CRITEO_CLIENT_ID"],
                                                      "client_secret": ENV["CRITEO_CLIENT_SECRET"]}).json()
            headers["Authorization"] = f"Bearer {token['access_token']}"
            path = f"/{CRITEO_VERSION}/marketing-solutions/campaigns/{{}}"
        elif provider == "sessionm":
            auth = httpx.BasicAuth(ENV["SESSIONM_API_KEY"], ENV["SESSIONM_API_SECRET"])
            headers["Authorization"] = auth._auth_header  # type: ignore[attr-defined]
            path = f"/priv/v1/apps/{ENV['SESSIONM_API_KEY']}/campaigns/{{}}/info"
        else:
            login = http.post("/api/login", json={"username": ENV["SKALA_USERNAME"], "password": ENV["SKALA_PASSWORD"]})
            headers["token"] = login.json()["token"]
            path = "/api/campaign-order/{}"
        failures: list[int] = []

        def get(campaign_id: str) -> None:
            status = http.get(path.format(campaign_id), headers=headers).status_code
            if status != 200:
                failures.append(status)

        start = time.perf_counter()
        with ThreadPoolExecutor(max_workers=ONE_GET_PARALLELISM) as pool:
            list(pool.map(get, ids))
        elapsed = time.perf_counter() - start
    if failures:
        raise RuntimeError(f"{provider}: {len(failures)} of {len(ids)} GETs failed, e.g. HTTP {failures[0]}")
    return elapsed


# -- one measurement ------------------------------------------------------------------------------
@dataclass
class Row:
    provider: str
    n: int
    figures: dict[str, Any] = field(default_factory=dict)


def measure(provider: str, n: int, template: Template, work: Path, latency: float,
            profile_dir: Path | None, repeat: int = 1) -> Row:
    row = Row(provider, n)
    f = row.figures
    data, ws = work / f"{provider}-{n}" / "data", work / f"{provider}-{n}" / "ws"
    started = time.perf_counter()
    seed(template, provider, n, data, ws)
    f["seed_s"] = time.perf_counter() - started
    stats = data / "stats.json"
    window = READ_PATHS[provider].per_seconds
    with serve(data, [provider], latency, rate_limits=True, stats_file=stats) as served:
        (ws / "providers.yaml").write_text("providers:\n" + PROVIDER_YAML[provider].format(url=served.urls[provider]))
        runs = {}
        for name, args in (("cold", ["--no-save"]), ("no_save", ["--no-save"]),
                           ("out", ["--out", str(ws.parent / "plan.json")])):
            repeats = []
            for _ in range(repeat):  # the fastest of `repeat` runs: others' work on shared cores only adds
                if window <= 5:
                    time.sleep(window * 1.1)  # let the platform's fixed window of the previous run pass
                if name == "cold":  # as on a fresh checkout (CI): no workspace load cache
                    shutil.rmtree(ws / ".provisioner" / "cache", ignore_errors=True)
                done = run_child(provisioner_cli("plan", str(ws), "--detailed-exitcode", *args), ws.parent,
                                 served.pid)
                if done.exit_code != 0:
                    raise RuntimeError(f"{provider} N={n}: plan {name} exit {done.exit_code} (0 = unchanged "
                                       f"expected)\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
                repeats.append(done)
            fastest = min(repeats, key=lambda r: r.cpu)
            # peak memory: the largest of the repeats (it does not vary with load as CPU does)
            runs[name] = replace(fastest, max_rss_mb=max(r.max_rss_mb for r in repeats))
            f[f"cpu_{name}_us_each"] = [r.cpu / n * 1e6 for r in repeats]
        if window <= 5:
            time.sleep(window * 1.1)
        phased = run_child([sys.executable, str(ADAPTER), str(ws), str(ws.parent / "plan-phased.json")],
                           ws.parent, served.pid)
        if phased.exit_code != 0:
            raise RuntimeError(f"{provider} N={n}: in-process plan failed\n{phased.stderr[-2000:]}")
        phases = json.loads(phased.stdout)
        if phases["errors"] or phases["has_changes"]:
            raise RuntimeError(f"{provider} N={n}: in-process plan not clean: {phases}")
        if profile_dir is not None:
            if window <= 5:
                time.sleep(window * 1.1)
            profile_dir.mkdir(parents=True, exist_ok=True)
            run_child([sys.executable, "-m", "cProfile", "-o", str(profile_dir / f"{provider}-{n}.prof"),
                       "-m", "provisioner", "plan", str(ws), "--out", str(ws.parent / "plan-profiled.json")],
                      ws.parent, served.pid)
    plans_run = 3 * repeat + 1 + (profile_dir is not None)
    server_requests = json.loads(stats.read_text())[provider]["requests"]
    ids = [entry["id"] for entry in json.loads((ws / ".provisioner" / "state.json").read_text())["resources"].values()]
    sample = ids[:min(n, ONE_GET_SAMPLE)]
    with serve(data, [provider], latency, rate_limits=False) as served:
        sample_s = one_get_seconds(provider, served.urls[provider], sample)
    one_get = sample_s * n / len(sample)
    ideal, ideal_requests = ideal_seconds(provider, n, latency)
    rl = READ_PATHS[provider]
    for name, done in runs.items():
        f[f"wall_{name}_s"] = done.wall
        f[f"cpu_{name}_us"] = done.cpu / n * 1e6
        f[f"rss_{name}_mb"] = done.max_rss_mb
        f[f"emulator_cpu_{name}_s"] = done.server_cpu
    f["plan_file_mb"] = (ws.parent / "plan.json").stat().st_size / 1e6
    f["requests_per_plan"] = server_requests / plans_run  # tokens and logins included
    f["client_requests_per_plan"] = phases["requests"]  # the client's count leaves auth flows out
    f["emulator_requests_total"] = server_requests
    f["plans_served"] = plans_run
    f["phase_cpu_us"] = {k: v / n * 1e6 for k, v in phases["cpu"].items()}
    f["phase_cpu_s"] = phases["cpu"]
    f["phased_process_cpu_us"] = phased.cpu / n * 1e6
    f["ideal_s"] = ideal
    f["ideal_requests"] = ideal_requests
    f["one_get_sample"] = len(sample)
    f["one_get_sample_s"] = sample_s
    f["one_get_s"] = one_get
    f["one_get_rate_limit_floor_s"] = n / rl.requests * rl.per_seconds * CLIENT_WINDOW_SAFETY
    f["wall_over_ideal"] = runs["no_save"].wall / ideal
    f["cold_wall_over_ideal"] = runs["cold"].wall / ideal
    f["one_get_over_wall"] = one_get / runs["no_save"].wall
    shutil.rmtree(data, ignore_errors=True)  # 50,000 campaigns are tens of MB per provider
    return row


# -- many instances under one credential (issue 12: limits belong to the credential) --------------
INSTANCE_YAML = {
    "topsort": '  topsort-{j:02d}: {{type: topsort, base_url: "{url}", api_key: "${{env:TOPSORT_API_KEY}}", '
               'vendor_id: bench-{j:02d}, currency: EUR}}\n',
    "criteo": '  criteo-{j:02d}: {{type: criteo, base_url: "{url}", client_id: "${{env:CRITEO_CLIENT_ID}}", '
              'client_secret: "${{env:CRITEO_CLIENT_SECRET}}", advertiser_id: "{advertiser}", currency: EUR}}\n',
}
# where a campaign's record names its instance's account, and the YAML change an apply sends
ACCOUNT_FIELDS = {"topsort": ('"vendorId":"bench"', '"externalVendorId":"bench"'), "criteo": ('"advertiserId":"12345"',)}
APPLY_CHANGE = {"topsort": ("amount: 1500", "amount: 1600"), "criteo": ("spendLimitAmount: 100.25", "spendLimitAmount: 110.25")}
MAX_READERS = 32  # provisioner/refresh.py: instances read at once


def _advertiser(j: int) -> str:
    return str(20000 + j)


def _account_of(provider: str, j: int, text: str) -> str:
    for spelled in ACCOUNT_FIELDS[provider]:
        name = spelled.split(":")[0]
        account = f'"bench-{j:02d}"' if provider == "topsort" else f'"{_advertiser(j)}"'
        text = text.replace(spelled, f"{name}:{account}")
    return text


def seed_instances(template: Template, provider: str, n: int, k: int, data: Path, ws: Path) -> None:
    """As `seed`, campaign i under instance i mod k (its own vendor or advertiser, same key)."""
    data.mkdir(parents=True)
    ws.mkdir(parents=True)
    with open(data / f"{provider}.jsonl", "w") as journal:
        journal.writelines(line + "\n" for line in template.global_lines)
        for index in range(n):
            journal.writelines(_account_of(provider, index % k, cloned(line, template, index)) + "\n"
                               for line in template.campaign_lines)
    resources = {}
    for index in range(n):
        entry = json.loads(cloned(template.state_entry, template, index))
        entry["provider"] = f"{provider}-{index % k:02d}"
        resources[entry["key"]] = entry
    (ws / ".provisioner").mkdir()
    (ws / ".provisioner" / "state.json").write_text(json.dumps({**template.state_head, "resources": resources},
                                                               indent=1, sort_keys=True))
    block = CAMPAIGN_YAML[provider]
    for start in range(0, n, CAMPAIGNS_PER_FILE):
        body = "".join(block.replace(TOKEN, f"n{i:06d}").replace(f"provider: {provider}\n",
                                                                  f"provider: {provider}-{i % k:02d}\n")
                       for i in range(start, min(n, start + CAMPAIGNS_PER_FILE)))
        (ws / f"campaigns-{start // CAMPAIGNS_PER_FILE:03d}.yaml").write_text("campaigns:\n" + body)


def _paced(requests: int, concurrency: int, limit: int, per_seconds: float, latency: float) -> float:
    """End of the last of `requests` independent calls started as the client paces them."""
    window = per_seconds * CLIENT_WINDOW_SAFETY
    starts: list[float] = []
    for i in range(requests):
        start = 0.0
        if i >= concurrency:
            start = max(start, starts[i - concurrency] + latency)
        if i >= limit:
            start = max(start, starts[i - limit] + latency + window)
        starts.append(start)
    return (starts[-1] + latency) if starts else 0.0


def instances_ideal(provider: str, n: int, k: int, latency: float) -> tuple[float, int]:
    """Plan ideal for k instances under one credential: every instance's fewest list pages, all
    paced by the one shared limit, k instances in flight (8 requests each)."""
    path = READ_PATHS[provider]
    per_instance = [len(range(j, n, k)) for j in range(k)]
    pages = sum(1 if path.page_size is None else max(1, math.ceil(c / path.page_size)) for c in per_instance)
    concurrency = min(k, MAX_READERS) * path.concurrency
    fixed = path.fixed_round_trips  # one token for all of them (shared login)
    return _paced(pages, concurrency, path.requests, path.per_seconds, latency) + fixed * latency, pages + fixed


def measure_instances(provider: str, n: int, k: int, changes: int, template: Template, work: Path,
                      latency: float) -> Row:
    row = Row(f"{provider} x{k}", n)
    f = row.figures
    data, ws = work / f"{provider}-{n}-x{k}" / "data", work / f"{provider}-{n}-x{k}" / "ws"
    started = time.perf_counter()
    seed_instances(template, provider, n, k, data, ws)
    f["seed_s"] = time.perf_counter() - started
    path = READ_PATHS[provider]
    stats = data / "stats.json"
    with serve(data, [provider], latency, rate_limits=True, stats_file=stats) as served:
        (ws / "providers.yaml").write_text("providers:\n" + "".join(
            INSTANCE_YAML[provider].format(j=j, url=served.urls[provider], advertiser=_advertiser(j))
            for j in range(k)))
        runs = {}
        for name in ("cold", "warm"):
            time.sleep(path.per_seconds * 1.1)  # the platform's window of the previous run passes
            done = run_child(provisioner_cli("plan", str(ws), "--detailed-exitcode", "--no-save"), ws.parent,
                             served.pid)
            if done.exit_code != 0:
                raise RuntimeError(f"{provider} x{k} N={n}: plan {name} exit {done.exit_code}\n{done.stdout[-2000:]}"
                                   f"\n{done.stderr[-2000:]}")
            runs[name] = done
        old, new = APPLY_CHANGE[provider]
        changed = 0
        for file in sorted(ws.glob("campaigns-*.yaml")):
            text = file.read_text()
            take = min(changes - changed, text.count(old))
            if take > 0:
                file.write_text(text.replace(old, new, take))
                changed += take
        time.sleep(path.per_seconds * 1.1)
        applied = run_child(provisioner_cli("apply", str(ws), "--auto-approve"), ws.parent, served.pid)
        if applied.exit_code != 0:
            raise RuntimeError(f"{provider} x{k} N={n}: apply exit {applied.exit_code}\n{applied.stdout[-2000:]}"
                               f"\n{applied.stderr[-2000:]}")
    served_stats = json.loads(stats.read_text())[provider]
    ideal, ideal_requests = instances_ideal(provider, n, k, latency)
    writes = changed if provider == "topsort" else sum(
        math.ceil(len(range(j, changed, k)) / 50) for j in range(k))  # Criteo: 50 updates per PATCH
    f["instances"] = k
    f["changes"] = changed
    for name, done in runs.items():
        f[f"wall_{name}_s"] = done.wall
        f[f"cpu_{name}_us"] = done.cpu / n * 1e6
        f[f"rss_{name}_mb"] = done.max_rss_mb
    f["apply_wall_s"] = applied.wall
    f["apply_cpu_s"] = applied.cpu
    f["ideal_s"] = ideal
    f["ideal_requests"] = ideal_requests
    # apply re-reads every instance (its own plan), then sends the writes, all under the one limit
    in_flight = min(k, MAX_READERS) * path.concurrency
    f["apply_ideal_s"] = max(_paced(ideal_requests + writes, in_flight, path.requests, path.per_seconds, latency),
                             ideal + _paced(writes, in_flight, path.requests, path.per_seconds, latency))
    f["apply_writes"] = writes
    f["emulator_requests"] = served_stats["requests"]
    f["emulator_statuses"] = served_stats.get("statuses", {})
    f["rate_limited_429"] = served_stats.get("statuses", {}).get("429", 0)
    f["wall_over_ideal"] = runs["warm"].wall / ideal
    f["apply_over_ideal"] = applied.wall / f["apply_ideal_s"]
    shutil.rmtree(data, ignore_errors=True)
    return row


def instances_markdown(rows: list[Row], latency: float) -> str:
    lines = ["", (f"Many instances under one credential (latency {latency * 1000:.0f} ms, documented limits on; "
                  "the emulator counts its limit per platform, i.e. per credential here):"), "",
             "| provider x instances | N | plan wall (s) cold / warm | plan ideal (s) | plan / ideal | "
             "CPU µs / campaign cold / warm | apply: changes (writes) | apply wall (s) | apply ideal (s) | "
             "apply / ideal | requests served | 429s |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for row in rows:
        f = row.figures
        lines.append(f"| {row.provider} | {row.n:,} | {f['wall_cold_s']:.2f} / {f['wall_warm_s']:.2f} | "
                     f"{f['ideal_s']:.2f} | {f['wall_over_ideal']:.2f}x | {f['cpu_cold_us']:.0f} / {f['cpu_warm_us']:.0f} | "
                     f"{f['changes']:,} ({f['apply_writes']:,}) | {f['apply_wall_s']:.2f} | {f['apply_ideal_s']:.2f} | "
                     f"{f['apply_over_ideal']:.2f}x | {f['emulator_requests']:,} | {f['rate_limited_429']} |")
    lines += ["", ("Ideal: the fewest list pages of every instance (plus one token for all), then for apply the "
                   "same reads and the writes, all paced by the one documented limit with every instance in "
                   "flight; requests served and 429s: the emulator's own count over both plans and the apply.")]
    return "\n".join(lines)


# -- report ---------------------------------------------------------------------------------------
def markdown(rows: list[Row], latency: float, command: str) -> str:
    lines = [(f"Machine: {os.cpu_count()} cores (`nproc` {_nproc()}), Python {platform.python_version()}, "
             f"{platform.system()} {platform.release()}. Latency {latency * 1000:.0f} ms per request, the "
             "platforms' documented rate limits on (`sandbox serve --rate-limits`), emulators in their own process."),
             f"Command: `{command}`", "",
             ("| provider | N | plan wall (s) cold / warm / --out | requests | CPU µs / campaign cold / warm / --out "
             "| peak RSS (MB) cold / warm / --out | plan file (MB) | ideal (s) | plan / ideal (warm) | one GET each, par. 10 (s) "
             "| one-GET / plan | emulator CPU (s) |"),
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for row in rows:
        f = row.figures
        lines.append(
            f"| {row.provider} | {row.n:,} | {f['wall_cold_s']:.2f} / {f['wall_no_save_s']:.2f} / {f['wall_out_s']:.2f} "
            f"| {f['requests_per_plan']:.0f} (ideal {f['ideal_requests']}) "
            f"| {f['cpu_cold_us']:.0f} / {f['cpu_no_save_us']:.0f} / {f['cpu_out_us']:.0f} | {f['rss_cold_mb']:.0f} / {f['rss_no_save_mb']:.0f} / {f['rss_out_mb']:.0f} "
            f"| {f['plan_file_mb']:.1f} | {f['ideal_s']:.2f} | {f['wall_over_ideal']:.1f}x "
            f"| {f['one_get_s']:.1f}{'*' if f['one_get_sample'] < row.n else ''} | {f['one_get_over_wall']:.1f}x "
            f"| {f['emulator_cpu_no_save_s']:.2f} |")
    lines += ["", ("cold: `plan --no-save` with no workspace load cache (a fresh checkout, as in CI); warm: the same "
              "again (YAML unchanged since the last run); --out: warm, writing the plan file. "
              "All with `--detailed-exitcode`, exit 0: unchanged. "
              "CPU: the child's own user + system time (wait4 rusage), the fastest of `--repeat` runs; peak RSS: the child's "
              "own high-water mark (VmHWM at exit: wait4's ru_maxrss would include this benchmark's own size), the "
              "largest of the runs. Requests: what the emulator served per plan (token and login calls included). "
              "plan / ideal uses the warm `--no-save` wall time."),
              f"Ideal: {IDEAL_FORMULA}. "
              + "; ".join(f"{p}: {READ_PATHS[p].note}" for p in sorted({r.provider for r in rows})) + ".",
              (f"One GET each: {ONE_GET_SAMPLE:,} GETs (or N if fewer) on the get-one endpoint, "
              f"{ONE_GET_PARALLELISM} at a time, rate limits off, timed; * = extrapolated linearly to N. "
              "Under the documented limits it could not beat N·1.005·W/L "
              "(Topsort 10k: 453 s; the others: 10 req/s → 1,020 s; Criteo 250/min → 2,448 s)."),
              "Emulator CPU: what the emulator process spent serving the `--no-save` plan (it shares the cores).",
              "", "CPU by phase, in-process (`benchmarks/provisioner_adapter.py`, time.process_time, µs per campaign):", "",
              "| provider | N | import | load | refresh (+ state load) | diff (planner) | render (text) | write (plan file) | sum |",
              "|---|---|---|---|---|---|---|---|---|"]
    for row in rows:
        p = row.figures["phase_cpu_us"]
        total = sum(p.values())
        lines.append(f"| {row.provider} | {row.n:,} | {p['import']:.0f} | {p['load']:.0f} | {p['refresh']:.0f} "
                     f"| {p['diff']:.0f} | {p['render']:.0f} | {p['write']:.0f} | {total:.0f} |")
    return "\n".join(lines)


def _nproc() -> str:
    try:
        return subprocess.run(["nproc"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 50000])
    parser.add_argument("--providers", nargs="+", choices=READABLE, default=list(READABLE))
    parser.add_argument("--latency", type=float, default=0.05, help="seconds per request (default 0.05)")
    parser.add_argument("--json", type=Path, help="also write every figure here")
    parser.add_argument("--repeat", type=int, default=1,
                        help="run each plan (cold, warm, --out) this many times and report the fastest")
    parser.add_argument("--profile-dir", type=Path, help="also run each plan once under cProfile into DIR")
    parser.add_argument("--work-dir", type=Path, help="keep seeded workspaces here (default: a temp dir)")
    parser.add_argument("--instances", type=int, help="K instances per platform under one credential (see above)")
    parser.add_argument("--apply-changes", type=int, default=1000,
                        help="--instances: campaigns the apply changes (default 1000)")
    args = parser.parse_args()
    command = "python benchmarks/bench_plan.py " + " ".join(sys.argv[1:])
    work_context = contextlib.nullcontext(str(args.work_dir)) if args.work_dir else tempfile.TemporaryDirectory()
    rows: list[Row] = []
    with work_context as tmp:
        work = Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        compile_bytecode()
        run_child(provisioner_cli("--help"), work)  # warm the file cache before anything is timed
        templates = make_templates(work, args.providers)
        if args.instances:
            for n in args.sizes:
                for provider in args.providers:
                    if provider not in INSTANCE_YAML:
                        raise SystemExit(f"--instances: {provider} is not set up for it (topsort, criteo)")
                    row = measure_instances(provider, n, args.instances, min(n, args.apply_changes),
                                            templates[provider], work, args.latency)
                    rows.append(row)
                    print(f"# {row.provider} N={n:,}: plan {row.figures['wall_warm_s']:.2f} s, apply "
                          f"{row.figures['apply_wall_s']:.2f} s, 429s {row.figures['rate_limited_429']}",
                          file=sys.stderr, flush=True)
            sizes: list[int] = []
        else:
            sizes = args.sizes
        for n in sizes:
            for provider in args.providers:
                row = measure(provider, n, templates[provider], work, args.latency, args.profile_dir, args.repeat)
                rows.append(row)
                f = row.figures
                print(f"# {provider} N={n:,}: plan {f['wall_no_save_s']:.2f} s, {f['cpu_no_save_us']:.0f} µs/campaign, "
                      f"ideal {f['ideal_s']:.2f} s, one-GET {f['one_get_s']:.1f} s (seeded in {f['seed_s']:.1f} s)",
                      file=sys.stderr, flush=True)
    report = (f"Command: `{command}`\n" + instances_markdown(rows, args.latency)) if args.instances \
        else markdown(rows, args.latency, command)
    print(report)
    if args.json:
        args.json.write_text(json.dumps({"machine": {"nproc": _nproc(), "python": platform.python_version()},
                                         "latency": args.latency, "command": command, "ideal_formula": IDEAL_FORMULA,
                                         "rows": [{"provider": r.provider, "n": r.n, **r.figures} for r in rows]},
                                        indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
