"""A sixth platform needs only its own provider and emulator code plus one entry-point line each:
here one is installed as a separate distribution (a dist-info on PYTHONPATH), no file of
provisioner is edited, and validate → plan → apply → plan → drift run through the real command."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

PROVIDER = '''
"""Acme Ads: a made-up platform with a list and a create, and nothing else."""
from __future__ import annotations

from typing import Any

from pydantic import Field

from provisioner.providers.base import (CampaignModel, CreateRequest, CreateResult, LiveCampaign,
                                        ProviderPlugin, ProviderSettings, RateLimit)
from provisioner.providers.http import ApiClient, HttpContext
from provisioner.providers.wire import expect_object, json_request, loads


class AcmeSettings(ProviderSettings):
    pass


class AcmeCampaign(CampaignModel):
    name: str = Field(min_length=1)
    daily_cap: int = Field(ge=0)


class AcmeSession:
    def __init__(self, settings: AcmeSettings, context: HttpContext) -> None:
        self.api = ApiClient(settings, "acme", context, RateLimit(requests=10, per_seconds=1))

    def list_campaigns(self) -> list[LiveCampaign]:
        body = expect_object(loads(self.api.request("GET", "/campaigns")), "Acme list")
        return [LiveCampaign(id=c["id"], fields=c, key=c["ref"], name=c["name"]) for c in body["items"]]

    def create_campaign(self, request: CreateRequest) -> CreateResult:
        response = self.api.request("POST", "/campaigns", **json_request({**request.desired, "ref": request.key}))
        made = expect_object(loads(response), "Acme create")
        return CreateResult(LiveCampaign(id=made["id"], fields=made, key=made["ref"], name=made["name"]))

    def close(self) -> None:
        self.api.close()


PROVIDER = ProviderPlugin(name="acme", settings_model=AcmeSettings, campaign_model=AcmeCampaign,
                          session=AcmeSession, adopt_by="key",
                          cannot={"find": "Acme has no lookup", "update": "Acme campaigns are immutable",
                                  "retire": "Acme campaigns run until their cap is spent"})
'''

EMULATOR = '''
"""The Acme Ads emulator: campaigns in the store, a list and a create."""
from __future__ import annotations

from typing import Any

from provisioner.sandbox.core import Emulator, PlatformRequest, PlatformResponse


class AcmeBackend:
    def __init__(self, store: Any, clock: Any) -> None:
        self.store = store

    def ui_edit(self, object_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        campaign = dict(self.store.record("campaigns", object_id), **changes)
        self.store.put("campaigns", object_id, campaign)
        return campaign


class AcmeEmulator(Emulator[AcmeBackend]):
    name = "acme"
    backend_factory = AcmeBackend

    def register_routes(self) -> None:
        self.router.add("GET", "/campaigns", self.list_campaigns)
        self.router.add("POST", "/campaigns", self.create_campaign, creates=True)

    def list_campaigns(self, request: PlatformRequest) -> PlatformResponse:
        return PlatformResponse(200, {"items": list(self.store.values("campaigns"))})

    def create_campaign(self, request: PlatformRequest) -> PlatformResponse:
        body = request.json()
        campaign = {"id": f"acme-{self.store.count('campaigns') + 1}", **body}
        self.store.put("campaigns", campaign["id"], campaign)
        return PlatformResponse(201, campaign)
'''

WORKSPACE = """\
providers:
  acme: {base_url: sandbox}
campaigns:
  spring:
    provider: acme
    name: Spring
    daily_cap: 100
"""


def _install_plugin(site: Path) -> None:
    package = site / "acme_ads"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(textwrap.dedent(PROVIDER))
    (package / "emulator.py").write_text(textwrap.dedent(EMULATOR))
    dist = site / "acme_ads-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-ads\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text(
        "[provisioner.providers]\nacme = acme_ads:PROVIDER\n\n"
        "[provisioner.emulators]\nacme = acme_ads.emulator:AcmeEmulator\n")


def test_a_sixth_platform_is_its_own_packages_plus_entry_points(tmp_path: Path) -> None:
    site = tmp_path / "site"
    _install_plugin(site)
    workspace = tmp_path / "ws"
    workspace.mkdir()
    (workspace / "campaigns.yaml").write_text(WORKSPACE)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")])}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "provisioner", *args], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=60)

    assert run("validate", "ws").returncode == 0
    first = run("plan", "ws", "--out", "plan.json", "--detailed-exitcode")
    assert first.returncode == 2, first.stderr
    assert "+ acme.spring" in first.stdout
    applied = run("apply", "plan.json")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    again = run("plan", "ws", "--no-save", "--detailed-exitcode")
    assert again.returncode == 0 and "No changes" in again.stdout
    (workspace / "campaigns.yaml").write_text(WORKSPACE.replace("daily_cap: 100", "daily_cap: 150"))
    blocked = run("plan", "ws", "--no-save")
    assert "Acme campaigns are immutable" in blocked.stdout  # the plugin's own reason, shown to users
    assert run("drift", "ws").returncode == 0
