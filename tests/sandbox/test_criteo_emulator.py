"""The Criteo emulator answers as the documented Campaigns API does: wrapped amounts, 403s, partial success."""

from __future__ import annotations

import contextlib

import httpx
import pytest

from provisioner.sandbox.criteo.routes import CriteoEmulator
from provisioner.sandbox.faults import FaultInjector, FaultKind
from provisioner.sandbox.server import EmulatorServer
from provisioner.sandbox.store import Store
from provisioner.sandbox.transport import EmulatorTransport

V = "/2026-07/marketing-solutions"
CHECK = "campaign--campaign-update-check--"
CREDENTIALS = {"client_id": "sandbox-app", "client_secret": "s3cret", "grant_type": "client_credentials"}
# The two-item PATCH of doc 002 ("Partial Success / Partial Failure"), verbatim.
DOC_PARTIAL_PATCH = {"data": [
    {"type": "Campaign", "id": "99999", "attributes": {"spendLimit": {
        "spendLimitRenewal": "daily", "spendLimitType": "capped", "spendLimitAmount": 123.5}}},
    {"type": "Campaign", "id": "88888", "attributes": {"spendLimit": {
        "spendLimitRenewal": "daily", "spendLimitType": "capped", "spendLimitAmount": -9000}}},
]}


def attributes(**overrides):
    body = {"name": "My Campaign", "advertiserId": "12345", "goal": "Retention",
            "spendLimit": {"spendLimitRenewal": "daily", "spendLimitType": "capped", "spendLimitAmount": 123.45}}
    body.update(overrides)
    return body


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def emulator(clock):
    return CriteoEmulator(clock=clock)


@contextlib.contextmanager
def connect(emulator, server=None):
    """A client holding a fresh access token; in-process, or over loopback HTTP when given a server."""
    transport = None if server else EmulatorTransport(emulator)
    with httpx.Client(transport=transport, base_url=server.url if server else "https://api.criteo.com") as client:
        token = client.post("/oauth2/token", data=CREDENTIALS).json()["access_token"]
        client.headers["Authorization"] = f"Bearer {token}"
        yield client


@pytest.fixture
def client(emulator):
    with connect(emulator) as client:
        yield client


def create(client, **overrides):
    response = client.post(f"{V}/campaigns", json={"data": {"type": "Campaign", "attributes": attributes(**overrides)}})
    assert response.status_code == 201, response.text
    return response.json()["data"]


def patch(client, *items):
    response = client.patch(f"{V}/campaigns", json={"data": list(items)})
    assert response.status_code == 200, response.text
    return response.json()


def spend_item(campaign_id, **spend_limit):
    return {"type": "Campaign", "id": campaign_id, "attributes": {"spendLimit": spend_limit}}


def codes(problems):
    return [(p["instance"], p["code"]) for p in problems]


def test_token_is_client_credentials_and_expires_after_900_seconds(emulator, clock):
    with httpx.Client(transport=EmulatorTransport(emulator), base_url="https://api.criteo.com") as bare:
        grant = bare.post("/oauth2/token", data=CREDENTIALS).json()
        assert (grant["token_type"], grant["expires_in"]) == ("Bearer", 900)
        assert bare.post("/oauth2/token", data=dict(CREDENTIALS, grant_type="password")).status_code == 400
        assert bare.post("/oauth2/token", data=dict(CREDENTIALS, client_secret="")).status_code == 400
        unauthenticated = bare.get(f"{V}/campaigns/1")
        assert unauthenticated.status_code == 401
        assert unauthenticated.json()["errors"][0]["type"] == "authentication"
        headers = {"Authorization": f"Bearer {grant['access_token']}"}
        assert bare.post(f"{V}/campaigns/search", headers=headers, json={}).status_code == 200
        clock.now += 900
        expired = bare.post(f"{V}/campaigns/search", headers=headers, json={})
        assert expired.status_code == 401 and expired.json()["warnings"] == []


def test_create_answers_201_with_the_read_model(client):
    response = client.post(f"{V}/campaigns", json={"data": {"type": "Campaign", "attributes": attributes()}})
    assert response.status_code == 201
    body = response.json()
    assert body["errors"] == [] and body["warnings"] == []
    assert body["data"]["type"] == "Campaign" and body["data"]["id"].isdigit()
    assert body["data"]["attributes"] == {
        "id": body["data"]["id"], "advertiserId": "12345", "name": "My Campaign", "goal": "retention",
        "spendLimit": {"spendLimitType": "capped", "spendLimitRenewal": "daily",
                       "spendLimitAmount": {"value": 123.45}},
        "budgetAutomation": {"enabled": False, "automatedBudgetConfiguration": None},
    }


def test_the_guide_create_example_is_refused_for_its_integer_advertiser_id(client):
    guide_example = {"data": {"type": "Campaign", "id": "99999", "attributes": attributes(advertiserId=12345)}}
    response = client.post(f"{V}/campaigns", json=guide_example)
    assert response.status_code == 400
    assert codes(response.json()["errors"]) == [("@data/attributes/advertiserId", "model-validation-error")]


def test_create_accepts_the_wrapped_amount_of_the_reference_example(client):
    created = create(client, spendLimit={"spendLimitType": "capped", "spendLimitRenewal": "lifetime",
                                         "spendLimitAmount": {"value": 123}})
    assert created["attributes"]["spendLimit"]["spendLimitAmount"] == {"value": 123}


@pytest.mark.parametrize("overrides", [
    {"goal": "retention"}, {"goal": "Awareness"}, {"name": ""},
    {"spendLimit": {"spendLimitType": "capped", "spendLimitRenewal": "undefined", "spendLimitAmount": 5}},
    {"spendLimit": {"spendLimitType": "capped", "spendLimitRenewal": "daily", "spendLimitAmount": None}},
    {"spendLimit": {"spendLimitType": "uncapped", "spendLimitRenewal": "undefined", "spendLimitAmount": 5}},
    {"budgetAutomation": {"enabled": True}},
])
def test_create_validates_the_create_model(client, overrides):
    response = client.post(f"{V}/campaigns", json={"data": {"type": "Campaign", "attributes": attributes(**overrides)}})
    assert response.status_code == 400
    assert response.json()["errors"][0]["type"] == "validation"


def test_budget_automation_is_written_and_read_under_different_names(client):
    created = create(client, budgetAutomation={"enabled": True, "budgetConfiguration": {"adSetObjectives": "revenue"}})
    assert created["attributes"]["budgetAutomation"] == {
        "enabled": True, "automatedBudgetConfiguration": {"adSetOptimizationObjective": "revenue"}}
    patch(client, {"type": "Campaign", "id": created["id"], "attributes": {"budgetAutomation": {"enabled": False}}})
    read = client.get(f"{V}/campaigns/{created['id']}").json()["data"]["attributes"]
    assert read["budgetAutomation"] == {"enabled": False, "automatedBudgetConfiguration": None}


def test_a_missing_campaign_is_403_not_404(emulator, client):
    assert client.get(f"{V}/campaigns/424242").status_code == 403
    other = create(client, advertiserId="777")
    assert client.get(f"{V}/campaigns/{other['id']}").status_code == 200
    emulator.backend.withdraw_consent("777")
    response = client.get(f"{V}/campaigns/{other['id']}")
    assert response.status_code == 403 and response.json()["errors"][0]["type"] == "authorization"


def test_search_filters_are_anded_and_invalid_values_ignored(client):
    a = create(client, advertiserId="12345")["id"]
    b = create(client, advertiserId="12345", name="Second")["id"]
    c = create(client, advertiserId="555")["id"]

    def search(filters):
        response = client.post(f"{V}/campaigns/search", json={"filters": filters})
        assert response.status_code == 200 and response.json()["errors"] == []
        return [item["id"] for item in response.json()["data"]]

    assert search({"advertiserIds": ["12345"]}) == [a, b]  # the guide's example
    assert search({}) == [a, b, c]
    assert search({"advertiserIds": ["12345", "not-a-number"], "campaignIds": [b, c]}) == [b]
    assert client.post(f"{V}/campaigns/search").json()["data"][0]["attributes"]["goal"] == "retention"


def test_the_documented_partial_failure_example(emulator, client):
    for campaign_id in ("99999", "88888"):
        emulator.backend.create_campaign(attributes(), campaign_id=campaign_id)
    response = client.patch(f"{V}/campaigns", json=DOC_PARTIAL_PATCH)
    assert response.status_code == 200
    body = response.json()
    assert body["data"] == [{"type": "Campaign", "id": "99999"}] and body["warnings"] == []
    [error] = body["errors"]
    assert (error["instance"], error["code"], error["type"]) == (
        "@data/1", CHECK + "validation-failed-on-spend-limit", "validation")
    assert {"traceIdentifier", "title", "detail"} <= set(error)
    read = client.get(f"{V}/campaigns/88888").json()["data"]["attributes"]["spendLimit"]
    assert read["spendLimitAmount"] == {"value": 123.45}  # the failed item changed nothing


def test_patch_accepts_wrapped_and_plain_amounts_and_only_changes_what_is_sent(client):
    first, second = create(client)["id"], create(client)["id"]
    result = patch(client, spend_item(first, spendLimitAmount={"value": 50}), spend_item(second, spendLimitAmount=60.5))
    assert result["errors"] == [] and [d["id"] for d in result["data"]] == [first, second]
    limits = [client.get(f"{V}/campaigns/{i}").json()["data"]["attributes"]["spendLimit"] for i in (first, second)]
    assert [limit["spendLimitAmount"] for limit in limits] == [{"value": 50}, {"value": 60.5}]
    assert {limit["spendLimitRenewal"] for limit in limits} == {"daily"}


def test_patch_item_errors(client):
    uncapped = create(client, spendLimit={"spendLimitType": "uncapped", "spendLimitRenewal": "undefined",
                                          "spendLimitAmount": None})["id"]
    capped = create(client)["id"]
    twice = create(client)["id"]
    result = patch(
        client,
        spend_item(uncapped, spendLimitAmount={"value": 10}),
        {"type": "Campaign", "attributes": {"spendLimit": {"spendLimitAmount": {"value": 1}}}},
        {"type": "Campaign", "id": capped, "attributes": {"name": "Renamed"}},
        spend_item(twice, spendLimitAmount=1), spend_item(twice, spendLimitAmount=2),
        spend_item("31337", spendLimitAmount=1),
    )
    assert result["data"] == []
    assert codes(result["errors"]) == [
        ("@data/0", CHECK + "spend-limit-does-not-exist"), ("@data/1", "model-validation-error"),
        ("@data/2", "model-validation-error"), ("@data/3", CHECK + "cannot-update-same-campaign-multiple-times"),
        ("@data/4", CHECK + "cannot-update-same-campaign-multiple-times"), ("@data/5", "access-denied"),
    ]


def test_uncapped_campaign_becomes_capped_when_the_type_is_sent(client):
    campaign = create(client, spendLimit={"spendLimitType": "uncapped"})["id"]
    assert patch(client, spend_item(campaign, spendLimitType="capped", spendLimitRenewal="monthly",
                                    spendLimitAmount={"value": 900}))["errors"] == []
    read = client.get(f"{V}/campaigns/{campaign}").json()["data"]["attributes"]["spendLimit"]
    assert read == {"spendLimitType": "capped", "spendLimitRenewal": "monthly", "spendLimitAmount": {"value": 900}}


def test_spend_already_spent_limits_decreases(emulator, client):
    lifetime = create(client, spendLimit={"spendLimitType": "capped", "spendLimitRenewal": "lifetime",
                                          "spendLimitAmount": 1000})["id"]
    daily = create(client)["id"]
    emulator.ui_edit(lifetime, {"spent": 400.0})
    emulator.ui_edit(daily, {"spent": 100.0})
    result = patch(client, spend_item(lifetime, spendLimitAmount={"value": 300}),
                   spend_item(daily, spendLimitAmount={"value": 50}))
    code = CHECK + "cannot-decrease-lifetime-spend-limit-below-what-is-already-spent"
    assert codes(result["errors"]) == [("@data/0", code)]
    assert result["data"] == [{"type": "Campaign", "id": daily}]
    assert codes(result["warnings"]) == [
        ("@data/1", CHECK + "new-spend-limit-amount-will-take-place-at-the-next-period-start")]


def test_ui_edit_changes_name_goal_and_spend_limit(emulator, client):
    campaign = create(client)["id"]
    edited = emulator.ui_edit(campaign, {"name": "Edited in UI", "goal": "Acquisition",
                                         "spendLimit": {"spendLimitType": "uncapped"}})
    read = client.get(f"{V}/campaigns/{campaign}").json()["data"]
    assert read == edited
    assert (read["attributes"]["name"], read["attributes"]["goal"]) == ("Edited in UI", "acquisition")
    assert read["attributes"]["spendLimit"] == {"spendLimitType": "uncapped", "spendLimitRenewal": "undefined",
                                                "spendLimitAmount": {"value": None}}


@pytest.mark.parametrize(("version", "status"), [("2026-01", 200), ("2027-01", 200), ("preview", 200),
                                                 ("2025-07", 410), ("v1", 404)])
def test_versions(client, version, status):
    assert client.post(f"/{version}/marketing-solutions/campaigns/search", json={}).status_code == status


def test_injected_429_carries_criteo_rate_limit_headers(emulator):
    emulator.faults = FaultInjector(rate=1.0, kinds=(FaultKind.HTTP_429,))
    with httpx.Client(transport=EmulatorTransport(emulator), base_url="https://api.criteo.com") as client:
        response = client.post(f"{V}/campaigns/search", json={})
    assert response.status_code == 429
    assert response.json()["errors"][0]["type"] == "quota"
    assert int(response.headers["x-ratelimit-reset"]) > 0 and response.headers["x-ratelimit-remaining"] == "0"
    assert CriteoEmulator.default_rate_limiter().limit == 250


def test_campaigns_and_tokens_persist_in_the_store_file(tmp_path, clock):
    path = tmp_path / "criteo.jsonl"
    with connect(CriteoEmulator(store=Store(path), clock=clock)) as client:
        campaign = create(client)
        token = client.headers["Authorization"]
    with httpx.Client(transport=EmulatorTransport(CriteoEmulator(store=Store(path), clock=clock)),
                      base_url="https://api.criteo.com", headers={"Authorization": token}) as client:
        assert client.get(f"{V}/campaigns/{campaign['id']}").json()["data"] == campaign
        assert create(client)["id"] != campaign["id"]


def test_served_over_real_http(emulator):
    with EmulatorServer(emulator) as server, connect(emulator, server) as client:
        campaign = create(client)
        assert client.get(f"{V}/campaigns/{campaign['id']}").json()["data"] == campaign
        assert client.get(f"{V}/campaigns/1").status_code == 403
