"""`provisioner import` through the CLI, on each readable platform's emulator (over real HTTP) filled
out of band: import → validate (exit 0) → plan --detailed-exitcode (exit 0) and no write sent; what
cannot be given a key is listed with the reason; importing twice imports nothing; files are not
overwritten without --force; Targeter says it cannot be read; a create without bids names file:line."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from provisioner.sandbox.registry import make_emulator
from provisioner.sandbox.server import EmulatorServer
from tests.conftest import SECRETS, cli, make_workspace, state_of

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
  criteo:
    base_url: {servers["criteo"].url}
    client_id: ${{env:CRITEO_CLIENT_ID}}
    client_secret: ${{env:CRITEO_CLIENT_SECRET}}
    advertiser_id: "12345"
  sessionm:
    base_url: {servers["sessionm"].url}
    api_key: ${{env:SESSIONM_API_KEY}}
    api_secret: ${{env:SESSIONM_API_SECRET}}
  skala:
    base_url: {servers["skala"].url}
    username: ${{env:SKALA_USERNAME}}
    password: ${{env:SKALA_PASSWORD}}
    brand_id: 1
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


@pytest.mark.parametrize("instance", ["topsort", "criteo", "sessionm", "skala"])
def test_import_then_validate_then_an_empty_plan_with_no_write(
        root: Path, servers: dict[str, EmulatorServer], instance: str, tmp_path: Path) -> None:
    imported = cli("import", str(root), "--provider", instance)
    assert imported.exit_code == 0, imported.output
    written = root / f"imported-{instance}.yaml"
    campaigns = yaml.safe_load(written.read_text())["campaigns"]
    assert campaigns and all(c["provider"] == instance for c in campaigns.values())
    assert set(state_of(root)) == set(campaigns)

    assert cli("validate", str(root)).exit_code == 0
    clear(servers)
    planned = cli("plan", str(root), "--detailed-exitcode", "--target", f"{instance}.*",
                  "--out", str(tmp_path / "plan.json"))
    assert planned.exit_code == 0, planned.output
    assert "No changes" in planned.stdout
    assert writes(servers) == []

    again = cli("import", str(root), "--provider", instance)
    assert again.exit_code == 0 and "Nothing to import" in again.stdout
    assert yaml.safe_load(written.read_text())["campaigns"] == campaigns


def test_keys_money_and_skipped_campaigns(root: Path) -> None:
    topsort = cli("import", str(root), "--provider", "topsort")
    assert topsort.exit_code == 0, topsort.output
    text = (root / "imported-topsort.yaml").read_text()
    campaigns = yaml.safe_load(text)["campaigns"]
    assert set(campaigns) == {"spring-sale", "autumn"}  # keys are the externalCampaignId
    assert campaigns["spring-sale"]["budget"] == {"amount": 123456, "type": "daily"}  # integer minor units
    assert "bids" not in campaigns["spring-sale"]  # create-only input, never listed
    assert "targetRoas: 4.25" in text
    assert "'No external id'" in topsort.stderr and "has no externalCampaignId" in topsort.stderr
    assert "'has spaces!' is not a valid key" in topsort.stderr
    assert "'twin' is shared by 2 campaigns" in topsort.stderr

    criteo = cli("import", str(root), "--provider", "criteo")
    assert criteo.exit_code == 0, criteo.output
    text = (root / "imported-criteo.yaml").read_text()
    assert set(yaml.safe_load(text)["campaigns"]) == {"retargeting-eu", "prospecting"}  # slugs of the names
    assert "spendLimitAmount: 150.5\n" in text  # the exact decimal Criteo answered
    assert criteo.stderr.count("the name 'Same name' is used by 2 campaigns") == 2

    skala = cli("import", str(root), "--provider", "skala")
    text = (root / "imported-skala.yaml").read_text()
    keys = set(yaml.safe_load(text)["campaigns"])
    assert keys == {"sandbox-company-oslo-2030-04-01", "sandbox-company-bergen-2030-05-01"}, skala.output
    assert "customBudget: 12500.5\n" in text


def test_declared_campaigns_get_state_only_and_files_are_kept(root: Path) -> None:
    (root / "campaigns.yaml").write_text("""\
campaigns:
  spring-sale:
    provider: topsort
    name: Spring sale
    budget: {amount: 123456, type: daily}
    startDate: 2030-03-01T00:00:00Z
    endDate: 2030-03-31T00:00:00Z
""")
    (root / "imported-topsort.yaml").write_text("# mine\n")
    refused = cli("import", str(root), "--provider", "topsort")
    assert refused.exit_code == 1 and "--force" in refused.stderr
    assert (root / "imported-topsort.yaml").read_text() == "# mine\n" and state_of(root) == {}

    done = cli("import", str(root), "--provider", "topsort", "--out", str(root / "more.yaml"))
    assert done.exit_code == 0, done.output
    assert "Recorded topsort.spring-sale" in done.stdout and "already declared" in done.stdout
    assert set(yaml.safe_load((root / "more.yaml").read_text())["campaigns"]) == {"autumn"}
    assert set(state_of(root)) == {"spring-sale", "autumn"}
    planned = cli("plan", str(root), "--detailed-exitcode", "--no-save", "--target", "topsort.*")
    assert planned.exit_code == 0, planned.output

    forced = cli("import", str(root), "--provider", "criteo", "--match", "retarget*", "--out",
                 str(root / "imported-topsort.yaml"), "--force")
    assert forced.exit_code == 0, forced.output
    assert set(yaml.safe_load((root / "imported-topsort.yaml").read_text())["campaigns"]) == {"retargeting-eu"}


def test_targeter_cannot_be_imported_and_says_why(root: Path) -> None:
    result = cli("import", str(root), "--provider", "targeter")
    assert result.exit_code == 1
    assert "cannot import from targeter" in result.stderr and "cannot read campaigns back" in result.stderr


def test_a_create_without_bids_names_file_and_line(root: Path, servers: dict[str, EmulatorServer]) -> None:
    campaigns = root / "campaigns.yaml"
    campaigns.write_text("campaigns:\n  brand-new:\n    provider: topsort\n    name: New\n"
                         "    startDate: 2030-03-01T00:00:00Z\n    endDate: 2030-03-31T00:00:00Z\n")
    assert cli("validate", str(root)).exit_code == 0  # it may exist already: only a create needs bids
    clear(servers)
    planned = cli("plan", str(root), "--no-save", "--target", "brand-new")
    assert planned.exit_code == 1
    assert f"{campaigns}:2: error: campaigns.brand-new.bids: required to create this campaign" in planned.stderr
    assert writes(servers) == []
