"""Shared by the accounts tests: the five platforms' emulators over real HTTP, filled out of band
with campaigns people made before provisioner ran, and a workspace pointed at them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from provisioner.sandbox.registry import make_emulator
from provisioner.sandbox.server import EmulatorServer
from tests.conftest import SECRETS

READS_ONLY = ("/oauth2/token", "/api/login", "/api/logout", "/campaigns/search")  # reads sent as POST


@pytest.fixture
def servers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, EmulatorServer]]:
    for name, value in {**SECRETS, "SESSIONM_API_KEY": "smk-1", "SESSIONM_API_SECRET": "sms-2",
                        "SKALA_USERNAME": "ola", "SKALA_PASSWORD": "pw-3", "TARGETER_KEY": "k",
                        "TARGETER_SECRET": "s"}.items():
        monkeypatch.setenv(name, value)
    running = {name: EmulatorServer(make_emulator(name, tmp_path / "platform-data")).start()
               for name in ("topsort", "criteo", "sessionm", "skala", "targeter")}
    yield running
    for server in running.values():
        server.stop()


def providers_yaml(servers: dict[str, EmulatorServer]) -> str:
    return f"""\
providers:
  topsort:
    base_url: {servers["topsort"].url}
    api_key: ${{env:TOPSORT_API_KEY}}
    vendor_id: acme-shoes
    currency: EUR
  criteo:
    base_url: {servers["criteo"].url}
    client_id: ${{env:CRITEO_CLIENT_ID}}
    client_secret: ${{env:CRITEO_CLIENT_SECRET}}
    advertiser_id: "12345"
    currency: EUR
  sessionm:
    base_url: {servers["sessionm"].url}
    api_key: ${{env:SESSIONM_API_KEY}}
    api_secret: ${{env:SESSIONM_API_SECRET}}
  skala:
    base_url: {servers["skala"].url}
    username: ${{env:SKALA_USERNAME}}
    password: ${{env:SKALA_PASSWORD}}
    brand_id: 1
    currency: NOK
  targeter:
    base_url: {servers["targeter"].url}
    api_key: ${{env:TARGETER_KEY}}
    api_secret: ${{env:TARGETER_SECRET}}
"""


def writes(servers: dict[str, EmulatorServer]) -> list[tuple[str, str, str]]:
    return [(name, r.method, r.path) for name, server in servers.items() for r in server.emulator.requests
            if r.method != "GET" and not r.path.endswith(READS_ONLY)]


def clear(servers: dict[str, EmulatorServer]) -> None:
    for server in servers.values():
        server.emulator.requests.clear()


def topsort_campaign(name: str, external_id: str | None, **extra: Any) -> dict[str, Any]:
    return {"name": name, "externalCampaignId": external_id, "startDate": "2030-03-01T00:00:00Z",
            "endDate": "2030-03-31T00:00:00Z", "budget": {"amount": 123456, "type": "daily"},
            "bids": [{"amount": 25, "target": {"type": "product", "id": "p1"}}], **extra}


def fill(servers: dict[str, EmulatorServer]) -> None:
    """Campaigns made by people in each platform, before provisioner ever ran."""
    topsort = servers["topsort"].emulator.backend
    topsort.create_campaign("acme-shoes", topsort_campaign("Spring sale", "spring-sale"))
    topsort.create_campaign("acme-shoes", topsort_campaign("Autumn", "autumn", campaignType="autobidding",
                                                           targetRoas=4.25))
    topsort.create_campaign("acme-shoes", topsort_campaign("No external id", None))
    topsort.create_campaign("acme-shoes", topsort_campaign("Bad external id", "has spaces!"))
    topsort.create_campaign("acme-shoes", topsort_campaign("Twin listing", "twin"))
    topsort.create_campaign("acme-shoes", topsort_campaign("Twin banner", "twin", adFormat="banner"))
    criteo = servers["criteo"].emulator.backend
    spend = {"spendLimitType": "capped", "spendLimitRenewal": "daily", "spendLimitAmount": 150.5}
    criteo.create_campaign({"advertiserId": "12345", "name": "Retargeting EU", "goal": "Retention",
                            "spendLimit": spend})
    criteo.create_campaign({"advertiserId": "12345", "name": "Prospecting", "goal": "Acquisition",
                            "spendLimit": {"spendLimitType": "uncapped"}})
    for _ in range(2):
        criteo.create_campaign({"advertiserId": "12345", "name": "Same name", "goal": "Acquisition",
                                "spendLimit": {"spendLimitType": "uncapped"}})
    sessionm = servers["sessionm"].emulator.backend
    sessionm.create_campaign({"name": "Double points", "status": "live", "external_id": "double-points",
                              "starts_at": "2030-05-01T00:00:00Z", "ends_at": "2030-05-31T00:00:00Z",
                              "campaign_type": "promotion"})
    skala = servers["skala"].emulator.backend
    user = skala.user_for_token(skala.login("ola"))
    skala.create_order(user, {"object": {"company": {"id": 10}, "campaignType": {"id": 100},
                                         "startDate": "2030-04-01", "endDate": "2030-04-14",
                                         "landingPage": "https://oslo.example.no/listings/14"},
                              "campaignFieldValues": [
                                  {"reference": "headline", "type": "FREETEXT", "text": "Bright flat"},
                                  {"reference": "image", "type": "PICTURE", "picture": {"id": 3301}}],
                              "budgetOptionId": 500})
    skala.create_order(user, {"object": {"company": {"id": 11}, "campaignType": {"id": 101},
                                         "startDate": "2030-05-01", "endDate": "2030-05-31"},
                              "campaignFieldValues": [{"reference": "title", "type": "FREETEXT",
                                                       "text": "Electricians wanted"}],
                              "customBudget": 12500.5, "customAdPlatformTypes": ["FACEBOOK"]})


@pytest.fixture
def root(tmp_path: Path, servers: dict[str, EmulatorServer]) -> Path:
    fill(servers)
    root = tmp_path / "ws"
    root.mkdir()
    (root / "providers.yaml").write_text(providers_yaml(servers))
    return root
