"""The Topsort emulator answers as the documented campaign service does, quirks included."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import httpx
import pytest

from provisioner.sandbox.faults import FaultInjector, FaultKind, RateLimiter
from provisioner.sandbox.server import EmulatorServer
from provisioner.sandbox.store import Store
from provisioner.sandbox.topsort.backend import MARKETPLACE_ID
from provisioner.sandbox.topsort.routes import TopsortEmulator
from provisioner.sandbox.transport import EmulatorTransport

BASE = "/public/v1/campaign-service"
NOW = datetime(2026, 11, 23, 12, 0, 0, tzinfo=UTC).timestamp()
AUTH = {"Authorization": "Bearer sandbox-key"}
# The read model of doc 004, field for field.
CAMPAIGN_FIELDS = {
    "campaignId", "marketplaceId", "name", "startDate", "endDate", "isActive", "isSmart", "campaignType",
    "status", "createdAt", "chargeType", "externalVendorId", "adFormat", "isAutoTrigger", "vendorId",
    "walletId", "bidCount", "budget", "statusUpdatedBy", "campaignBehaviorData", "campaignBehaviorDataByDay",
    "exclusivityPrice", "targetRoas", "externalCampaignId", "autobiddingObjective", "multiplierConfig",
    "targetingFilters", "exclusionFilters", "promotionType",
}
# The PATCH body example of doc 004, verbatim.
DOC_PATCH_EXAMPLE = {
    "name": "Bola-Bola Ad campaign", "budget": {"amount": "<unknown>", "type": "daily"},
    "startDate": "2023-11-07T05:31:56Z", "endDate": "2023-11-07T05:31:56Z", "isActive": True,
    "isSmart": True, "campaignType": "autobidding", "status": "approved",
    "statusUpdatedBy": "3c90c3cc-0d44-4b50-8888-8dd25736052a", "isAutoTrigger": True, "targetRoas": 10.25,
    "externalCampaignId": "<string>",
    "multiplierConfig": {"isActive": True, "multipliers": [{"type": "<string>", "segmentId": 123, "multiplier": 2}]},
    "targetingFilters": {"isActive": True, "targetingFilters": [{"type": "<string>", "segmentId": 123}]},
    "exclusionFilters": {"isActive": True, "exclusionFilters": [{"type": "<string>", "segmentId": 123}]},
    "chargeType": "CPM", "autobiddingObjective": "impressions", "productIds": ["<string>"],
    "bannerAdRejectionReason": {"declineReason": "<string>", "reasonDetails": "<string>"},
}


def campaign_body(**overrides):
    body = {"name": "Spring sale", "bids": [{"amount": 150, "target": {"id": "p_8983", "type": "product"}}],
            "budget": {"amount": 500000, "type": "daily"}, "campaignType": "manual", "adFormat": "listing",
            "startDate": "2026-12-01T00:00:00Z", "endDate": "2030-01-31T23:59:59Z", "isActive": True}
    body.update(overrides)
    return body


@pytest.fixture
def emulator():
    return TopsortEmulator(clock=lambda: NOW)


@pytest.fixture
def client(emulator):
    with httpx.Client(transport=EmulatorTransport(emulator), base_url="https://api.topsort.com",
                      headers=AUTH) as client:
        yield client


def create(client, vendor="v-1", **overrides):
    response = client.post(f"{BASE}/campaigns", params={"vendor_id": vendor}, json=campaign_body(**overrides))
    assert response.status_code == 200, response.text
    return response.json()


def assert_error(response, status, code):
    assert response.status_code == status, response.text
    body = response.json()
    assert isinstance(body, list) and body[0]["errCode"] == code and body[0]["docUrl"].startswith("https://")


def test_create_returns_the_documented_read_model(client):
    campaign = create(client, externalCampaignId="ext-1")
    assert set(campaign) == CAMPAIGN_FIELDS
    assert campaign["marketplaceId"] == MARKETPLACE_ID
    assert campaign["vendorId"] == campaign["externalVendorId"] == "v-1"
    assert (campaign["status"], campaign["chargeType"], campaign["bidCount"]) == ("approved", "CPC", 1)
    assert campaign["budget"] == {"amount": 500000, "amountRemaining": 500000, "amountCarryover": 0,
                                  "amountUsed": 0, "type": "daily"}
    assert campaign["campaignBehaviorData"] is None and campaign["createdAt"] == "2026-11-23T12:00:00Z"
    assert client.get(f"{BASE}/campaigns/{campaign['campaignId']}").json() == campaign


def test_banner_defaults_to_pending_and_cpm(client):
    campaign = create(client, adFormat="banner", productIds=["sku-1"])
    assert (campaign["status"], campaign["chargeType"]) == ("pending", "CPM")
    assert "productIds" not in campaign  # accepted, but not part of the read model


def test_a_past_start_date_is_set_to_now(client):
    campaign = create(client, startDate="2020-01-01T00:00:00+02:00")
    assert campaign["startDate"] == "2026-11-23T12:00:00Z"


@pytest.mark.parametrize("overrides", [
    {"budget": {"amount": 12.5, "type": "daily"}},
    {"budget": {"amount": "12.5", "type": "daily"}},
    {"budget": {"amount": 2_000_000_000, "type": "daily"}},
    {"bids": []},
    {"bids": [{"amount": 1.5, "target": {"id": "p", "type": "product"}}]},
    {"name": ""},
    {"endDate": "2026-11-30T00:00:00Z", "startDate": "2026-12-01T00:00:00Z"},
    {"endDate": "2026-01-01T00:00:00Z"},
    {"startDate": "2026-12-01T00:00:00"},  # no timezone
    {"targetRoas": 25},
    {"productIds": ["sku-1"]},  # banner only
])
def test_create_rejects_bodies_off_the_model_with_422(client, overrides):
    response = client.post(f"{BASE}/campaigns", params={"vendor_id": "v-1"}, json=campaign_body(**overrides))
    assert_error(response, 422, "bad_request")


def test_create_needs_a_vendor_id(client):
    assert_error(client.post(f"{BASE}/campaigns", json=campaign_body()), 422, "bad_request")


def test_external_campaign_id_is_unique_per_ad_format(client):
    create(client, externalCampaignId="ext-1")
    create(client, externalCampaignId="ext-1", adFormat="banner")
    response = client.post(f"{BASE}/campaigns", params={"vendor_id": "v-2"},
                           json=campaign_body(externalCampaignId="ext-1"))
    assert_error(response, 400, "invalid_operation")


def test_the_documented_patch_example_is_refused_for_its_placeholder_amount(client):
    campaign = create(client, adFormat="banner")
    response = client.patch(f"{BASE}/campaigns/{campaign['campaignId']}", json=DOC_PATCH_EXAMPLE)
    assert_error(response, 422, "bad_request")
    assert client.get(f"{BASE}/campaigns/{campaign['campaignId']}").json() == campaign


def test_the_documented_patch_example_with_real_values_updates_the_campaign(client):
    campaign = create(client, adFormat="banner")
    body = dict(DOC_PATCH_EXAMPLE, budget={"amount": 90000, "type": "daily"},
                startDate="2023-11-07T05:31:56Z", endDate="2030-11-07T05:31:56Z")
    updated = client.patch(f"{BASE}/campaigns/{campaign['campaignId']}", json=body).json()
    assert updated["name"] == "Bola-Bola Ad campaign"
    assert updated["startDate"] == "2026-11-23T12:00:00Z"  # in the past: moved to now
    assert (updated["campaignType"], updated["chargeType"], updated["targetRoas"]) == ("autobidding", "CPM", 10.25)
    assert updated["budget"]["amount"] == 90000 and updated["multiplierConfig"] == body["multiplierConfig"]
    assert set(updated) == CAMPAIGN_FIELDS


def test_patch_changes_only_the_fields_sent(client):
    campaign = create(client)
    updated = client.patch(f"{BASE}/campaigns/{campaign['campaignId']}", json={"isActive": False}).json()
    assert updated == dict(campaign, isActive=False)


@pytest.mark.parametrize("body", [{"campaignType": "manual"}, {"adFormat": "banner"},
                                  {"budget": {"amount": 10.0}}, {"endDate": "2026-11-30T00:00:00Z"}])
def test_patch_refuses_what_the_api_refuses(client, body):
    campaign = create(client)
    assert_error(client.patch(f"{BASE}/campaigns/{campaign['campaignId']}", json=body), 422, "bad_request")


def test_request_format_errors_are_arrays(client):
    campaign = create(client)
    url = f"{BASE}/campaigns/{campaign['campaignId']}"
    assert_error(client.patch(url, content=b"{not json", headers={"content-type": "application/json"}),
                 400, "invalid_json")
    assert_error(client.patch(url, content=b""), 400, "empty_request")


def test_missing_campaign_and_unknown_routes_are_404(client):
    campaign = create(client)
    assert_error(client.get(f"{BASE}/campaigns/3c90c3cc-0d44-4b50-8888-8dd25736052a"), 404, "not_found")
    assert client.get(f"{BASE}/campaigns/").status_code == 404  # trailing slash: no redirect
    assert client.get(f"{BASE}/campaigns/{campaign['campaignId']}/").status_code == 404
    assert client.get(f"{BASE}/nothing-here").status_code == 404


def test_delete_removes_the_campaign(client):
    campaign = create(client)
    assert client.delete(f"{BASE}/campaigns/{campaign['campaignId']}").status_code == 204
    assert client.get(f"{BASE}/campaigns/{campaign['campaignId']}").status_code == 404


def test_list_pages_by_offset_with_has_more_and_next(client):
    ids = [create(client, vendor="v-1" if i % 2 == 0 else "v-2", name=f"c{i}")["campaignId"] for i in range(5)]
    first = client.get(f"{BASE}/campaigns", params={"limit": 2}).json()
    assert [c["campaignId"] for c in first["campaigns"]] == ids[:2]
    assert first["hasMore"] is True and first["next"] == {"offset": 2, "limit": 2}
    last = client.get(f"{BASE}/campaigns", params=first["next"] | {"offset": 4}).json()
    assert [c["campaignId"] for c in last["campaigns"]] == ids[4:] and last["hasMore"] is False
    by_vendor = client.get(f"{BASE}/campaigns", params={"vendor_id": "v-2"}).json()
    assert [c["campaignId"] for c in by_vendor["campaigns"]] == [ids[1], ids[3]]


def test_missing_api_key_is_401():
    with httpx.Client(transport=EmulatorTransport(TopsortEmulator()), base_url="https://api.topsort.com") as bare:
        response = bare.get(f"{BASE}/campaigns")
        assert response.status_code == 401
        assert response.json() == {"error": "Unauthorized", "message": "Invalid or missing API key"}
        assert bare.get(f"{BASE}/campaigns", headers={"Authorization": "Bearer "}).status_code == 401


def test_injected_429_carries_topsort_rate_limit_headers():
    emulator = TopsortEmulator(faults=FaultInjector(rate=1.0, kinds=(FaultKind.HTTP_429,)))
    with httpx.Client(transport=EmulatorTransport(emulator), base_url="https://api.topsort.com") as client:
        response = client.get(f"{BASE}/campaigns", headers=AUTH)
    assert_error(response, 429, "rate_limit_exceeded")
    assert {"x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"} <= set(response.headers)
    assert "retry-after" not in response.headers


def test_rate_limiter_answers_429_beyond_the_limit():
    clock = [1000.0]
    emulator = TopsortEmulator(rate_limiter=RateLimiter(limit=2, window_seconds=2, clock=lambda: clock[0]))
    with httpx.Client(transport=EmulatorTransport(emulator), base_url="https://api.topsort.com",
                      headers=AUTH) as client:
        assert [client.get(f"{BASE}/campaigns").status_code for _ in range(3)] == [200, 200, 429]
        limited = client.get(f"{BASE}/campaigns")
        assert (limited.headers["X-RateLimit-Limit"], limited.headers["X-RateLimit-Reset"]) == ("2", "1002")
        clock[0] += 2
        assert client.get(f"{BASE}/campaigns").status_code == 200
    assert TopsortEmulator.default_rate_limiter().limit == 45


def test_state_persists_in_the_store_file(tmp_path):
    path = tmp_path / "topsort.jsonl"
    first = TopsortEmulator(store=Store(path), clock=lambda: NOW)
    with httpx.Client(transport=EmulatorTransport(first), base_url="https://api.topsort.com", headers=AUTH) as c:
        campaign = create(c)
    second = TopsortEmulator(store=Store(path), clock=lambda: NOW)
    with httpx.Client(transport=EmulatorTransport(second), base_url="https://api.topsort.com", headers=AUTH) as c:
        assert c.get(f"{BASE}/campaigns/{campaign['campaignId']}").json() == campaign
        assert create(c)["campaignId"] != campaign["campaignId"]
        assert next(x["campaignId"] for x in c.get(f"{BASE}/campaigns").json()["campaigns"]) == campaign["campaignId"]


def test_ui_edit_changes_the_stored_campaign(emulator, client):
    campaign = create(client)
    edited = emulator.ui_edit(campaign["campaignId"], {"name": "Renamed in UI", "budget": {"amount": 1000}})
    read = client.get(f"{BASE}/campaigns/{campaign['campaignId']}").json()
    assert read == edited and read["name"] == "Renamed in UI"
    assert read["budget"] == dict(campaign["budget"], amount=1000, amountRemaining=1000)
    with pytest.raises(KeyError):
        emulator.ui_edit(campaign["campaignId"], {"notAField": 1})


def test_served_over_real_http(emulator):
    with EmulatorServer(emulator) as server, httpx.Client(base_url=server.url, headers=AUTH) as client:
        campaign = create(client)
        assert client.get(f"{BASE}/campaigns/{campaign['campaignId']}").json() == campaign
        response = client.get(f"{BASE}/campaigns/")
        assert response.status_code == 404 and isinstance(json.loads(response.content), list)
