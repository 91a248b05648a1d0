"""The five emulators in a process of their own (so a killed apply cannot take the platforms with
it), and read-only looks at what each platform holds, straight from its journal."""

from __future__ import annotations

import contextlib
import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

COLLECTIONS = {"topsort": "campaigns", "criteo": "campaigns", "sessionm": "campaigns",
               "targeter": "campaigns", "skala": "campaign_orders"}


@contextlib.contextmanager
def serve_platforms(data: Path, latency: float) -> Iterator[dict[str, str]]:
    """`provisioner sandbox serve` for all five platforms; yields {platform: base_url}."""
    ready = data / "ready.json"
    server = subprocess.Popen([sys.executable, "-m", "provisioner", "sandbox", "serve", "--state-dir", str(data),
                               "--port", "0", "--ready-file", str(ready), "--latency", str(latency)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while not ready.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert ready.exists(), "sandbox serve did not start"
        yield json.loads(ready.read_text())
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=10)


def live_ids(data: Path, platform: str, marker: str, exact: bool = True) -> list[str]:
    """Ids of the campaigns on `platform` carrying `marker` (as a whole JSON string value when
    `exact`, else anywhere), read from its journal without touching it."""
    objects: dict[str, Any] = {}
    path = data / f"{platform}.jsonl"
    for line in path.read_text().splitlines() if path.exists() else []:
        try:
            record = json.loads(line)
        except ValueError:
            continue  # a line torn by a kill: never committed
        if record["c"] == COLLECTIONS[platform]:
            objects[record["k"]] = record.get("v")
    needle = f'"{marker}"' if exact else marker
    return [key for key, value in objects.items() if value and needle in json.dumps(value)]


def identity(change: dict[str, Any]) -> str:
    """What marks a campaign on its platform: our key where the platform stores it, else its name
    (Criteo) or its landing page (Skala)."""
    after = change["after"]
    return {"criteo": after.get("name"), "skala": after.get("landingPage")}.get(change["provider"]) or change["key"]
