"""Shared fixtures: emulators served over real loopback HTTP, and workspaces pointed at them."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from provisioner.cli import main
from provisioner.sandbox.registry import make_emulator
from provisioner.sandbox.server import EmulatorServer

REPO = Path(__file__).resolve().parent.parent

# A workspace many tests start from: the in-process Topsort and Criteo emulators, and one valid
# Topsort campaign (tests edit a copy with str.replace; line numbers in their assertions count on it).
SANDBOX_PROVIDERS = """\
providers:
  topsort:
    base_url: sandbox
    vendor_id: v1
    currency: EUR
  criteo:
    base_url: sandbox
    advertiser_id: "12345"
    currency: EUR
"""
TOPSORT_SPRING = """\
  spring:
    provider: topsort
    name: Spring
    budget: {amount: 100, type: daily}
    startDate: 2030-03-01T00:00:00Z
    endDate: 2030-03-31T00:00:00Z
    bids: [{amount: 5, target: {type: product, id: p1}}]
"""
# Distinctive values: tests assert none of them ever appears in any output, plan or state.
SECRETS = {
    "TOPSORT_API_KEY": "tsk-SECRET-4d1c9e",
    "CRITEO_CLIENT_ID": "criteo-client-77",
    "CRITEO_CLIENT_SECRET": "crs-SECRET-9f2a11",
}


@dataclass
class Platforms:
    """Running emulators (name → server) over HTTP; `requests(name)` is what each one received."""

    servers: dict[str, EmulatorServer] = field(default_factory=dict)

    def url(self, name: str) -> str:
        return self.servers[name].url

    def emulator(self, name: str) -> Any:
        return self.servers[name].emulator

    def requests(self, name: str, method: str | None = None) -> list[Any]:
        return [r for r in self.emulator(name).requests if method is None or r.method == method]

    def clear(self) -> None:
        for server in self.servers.values():
            server.emulator.requests.clear()


@pytest.fixture
def platforms(tmp_path: Path) -> Iterator[Platforms]:
    running = Platforms()
    for name in ("topsort", "criteo"):
        running.servers[name] = EmulatorServer(make_emulator(name, tmp_path / "platform-data")).start()
    yield running
    for server in running.servers.values():
        server.stop()


@pytest.fixture
def secret_env(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    return SECRETS


def quickstart_providers(platforms: Platforms) -> str:
    return f"""\
providers:
  topsort:
    base_url: {platforms.url("topsort")}
    api_key: ${{env:TOPSORT_API_KEY}}
    vendor_id: acme-shoes
    currency: EUR
  criteo:
    base_url: {platforms.url("criteo")}
    client_id: ${{env:CRITEO_CLIENT_ID}}
    client_secret: ${{env:CRITEO_CLIENT_SECRET}}
    advertiser_id: "12345"
    currency: EUR
"""


@pytest.fixture
def workspace(tmp_path: Path, platforms: Platforms, secret_env: dict[str, str]) -> Path:
    """The quickstart campaigns, with providers pointed at the HTTP emulators."""
    campaigns = (REPO / "examples" / "quickstart" / "campaigns.yaml").read_text()  # YAML only, no state
    return make_workspace(tmp_path / "ws", quickstart_providers(platforms), campaigns)


def cli(*args: str, input: str | None = None) -> Result:
    """Run the CLI in-process; stdout and stderr are kept apart as a shell would."""
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


def make_workspace(root: Path, providers: str, campaigns: str) -> Path:
    """A workspace folder with one providers file and one campaigns file."""
    root.mkdir(parents=True)
    (root / "providers.yaml").write_text(providers)
    (root / "campaigns.yaml").write_text(campaigns)
    return root


def serving(platform: str, data: Path) -> Iterator[EmulatorServer]:
    """A fixture's body: `platform`'s emulator over loopback HTTP, its data in `data`, stopped after."""
    running = EmulatorServer(make_emulator(platform, data)).start()
    yield running
    running.stop()


def skala_providers(url: str) -> str:
    """A providers file for the Skala emulator at `url`, its credentials from SKALA_USERNAME and
    SKALA_PASSWORD (the caller sets them)."""
    return f"""\
providers:
  skala:
    base_url: {url}
    username: ${{env:SKALA_USERNAME}}
    password: ${{env:SKALA_PASSWORD}}
    brand_id: 1
    currency: NOK
"""


def state_of(root: Path) -> dict[str, dict[str, Any]]:
    result = cli("show", str(root), "--format", "json")
    return {r["key"]: r for r in json.loads(result.stdout)}


def all_text_under(root: Path) -> str:
    parts = []
    for path in root.rglob("*"):
        if path.is_file():
            parts.append(path.read_text("utf-8", errors="replace"))
    return "\n".join(parts)


def assert_no_secrets(*texts: str) -> None:
    for text in texts:
        for name, value in SECRETS.items():
            assert value not in text, f"secret {name} leaked"


os.environ.setdefault("PROVISIONER_TESTING", "1")
# A developer's shell may point at shared state (README: CI override); tests choose their own.
for _name in ("PROVISIONER_STATE_BACKEND", "PROVISIONER_STATE_DSN", "PROVISIONER_STATE_WORKSPACE"):
    os.environ.pop(_name, None)
