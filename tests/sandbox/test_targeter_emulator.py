"""The Targeter partner emulator against doc 000 and api-contracts §1/§8: tokens, 200 vs both 201 forms."""

from __future__ import annotations

import httpx
import pytest

from provisioner.sandbox.faults import FaultInjector, FaultKind
from provisioner.sandbox.server import EmulatorServer
from provisioner.sandbox.store import Store
from provisioner.sandbox.targeter.routes import TargeterEmulator
from provisioner.sandbox.transport import EmulatorTransport

# The documented example request, verbatim.
DOC_EXAMPLE = {"source": {"material": ["https://client-assets.com/property.jpg"],
                          "name": "Client Property - Majorstuenveien 14",
                          "reference_id": "CLIENT-PROP-123456",
                          "target_url": "https://client-website.no/property/123"}}
REAL_ESTATE = {"source": {"material": ["https://cdn.megler.no/bilde1.jpg", "https://cdn.megler.no/bilde2.jpg"],
                          "name": "Ivan Bjørndals Gate 9", "reference_id": "123-456-789",
                          "target_url": "https://megler.no/eiendom/123"}}
MARKETING = {"source": {"material": ["https://cdn.megler.no/video.mp4"], "name": "Sommerkampanje Torshov",
                        "reference_id": "TORSHOV-SUMMER-01012025-123",
                        "target_url": "https://megler.no/kontor/torshov"}}


def client_for(emulator: TargeterEmulator) -> httpx.Client:
    return httpx.Client(transport=EmulatorTransport(emulator), base_url="https://sandbox.targeter.tech")


def login(client: httpx.Client) -> dict[str, str]:
    token = client.post("/api/auth/token", json={"api_key": "partner-key", "api_secret": "partner-secret"})
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


@pytest.fixture
def emulator() -> TargeterEmulator:
    return TargeterEmulator()


@pytest.fixture
def client(emulator: TargeterEmulator) -> httpx.Client:
    return client_for(emulator)


def test_token_endpoint_answers_as_documented(client: httpx.Client) -> None:
    response = client.post("/api/auth/token", json={"api_key": "k", "api_secret": "s"})
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
    assert isinstance(body["access_token"], str) and body["access_token"].count(".") == 2
    bad = client.post("/api/auth/token", content=b"not json", headers={"content-type": "application/json"})
    assert (bad.status_code, bad.json()) == (400, {"error": "Invalid request body"})
    empty = client.post("/api/auth/token", json={"api_key": "", "api_secret": ""})
    assert (empty.status_code, empty.json()) == (401, {"error": "Invalid API credentials"})


def test_new_campaign_is_201_automatic_then_200_with_campaign_link(client: httpx.Client) -> None:
    headers = login(client)
    created = client.post("/api/campaign", json=DOC_EXAMPLE, headers=headers)
    assert created.status_code == 201
    assert set(created.json()) == {"ad_creation_link", "campaign_id"}
    campaign_id = created.json()["campaign_id"]
    assert campaign_id.isalnum() and created.json()["ad_creation_link"].startswith("https://sandbox.targeter.tech/")
    again = client.post("/api/campaign", json=DOC_EXAMPLE, headers=headers)
    assert again.status_code == 200
    assert again.json() == {"campaign_link": f"https://sandbox.targeter.tech/campaigns/{campaign_id}"}


def test_prefilled_mode_answers_201_with_the_creation_form_link() -> None:
    emulator = TargeterEmulator(creation_mode="prefilled")
    client = client_for(emulator)
    headers = login(client)
    created = client.post("/api/campaign", json=DOC_EXAMPLE, headers=headers)
    assert created.status_code == 201
    assert created.json() == {
        "campaign_link": "https://sandbox.targeter.tech/campaigns?create=true&source_id=CLIENT-PROP-123456"}
    again = client.post("/api/campaign", json=DOC_EXAMPLE, headers=headers)
    assert again.status_code == 200 and set(again.json()) == {"campaign_link"}


def test_creation_mode_can_be_set_per_reference_id(emulator: TargeterEmulator, client: httpx.Client) -> None:
    emulator.backend.set_creation_mode("prefilled", reference_id="123-456-789")
    headers = login(client)
    assert set(client.post("/api/campaign", json=REAL_ESTATE, headers=headers).json()) == {"campaign_link"}
    assert "campaign_id" in client.post("/api/campaign", json=MARKETING, headers=headers).json()


def test_repeat_post_ignores_changed_fields(emulator: TargeterEmulator, client: httpx.Client) -> None:
    headers = login(client)
    client.post("/api/campaign", json=DOC_EXAMPLE, headers=headers)
    changed = {"source": {**DOC_EXAMPLE["source"], "name": "Renamed", "material": ["https://x.no/new.jpg"]}}
    assert client.post("/api/campaign", json=changed, headers=headers).status_code == 200
    stored = emulator.backend.campaign("CLIENT-PROP-123456")
    assert stored["name"] == "Client Property - Majorstuenveien 14"
    assert stored["material"] == ["https://client-assets.com/property.jpg"]
    assert len(emulator.backend.campaigns()) == 1


@pytest.mark.parametrize("authorization", [None, "Bearer not-a-token", "Basic abc"])
def test_missing_or_unknown_token_is_401(client: httpx.Client, authorization: str | None) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    response = client.post("/api/campaign", json=DOC_EXAMPLE, headers=headers)
    assert (response.status_code, response.json()) == (401, {"error": "Unauthorized - Invalid or expired token"})


def test_token_expires_after_expires_in(emulator: TargeterEmulator, client: httpx.Client) -> None:
    now = [1_800_000_000.0]
    emulator.clock = lambda: now[0]
    headers = login(client)
    now[0] += 3599
    assert client.post("/api/campaign", json=DOC_EXAMPLE, headers=headers).status_code == 201
    now[0] += 1
    assert client.post("/api/campaign", json=DOC_EXAMPLE, headers=headers).status_code == 401


def test_missing_field_is_400_with_details(client: httpx.Client) -> None:
    source = {k: v for k, v in DOC_EXAMPLE["source"].items() if k != "reference_id"}
    response = client.post("/api/campaign", json={"source": source}, headers=login(client))
    assert response.status_code == 400
    assert response.json() == {"error": "Missing required field: source.reference_id",
                               "details": [{"path": ["source", "reference_id"], "message": "Reference ID is required"}]}


def test_material_entries_and_target_url_must_be_uris(client: httpx.Client) -> None:
    source = {**DOC_EXAMPLE["source"], "material": ["https://ok.no/a.jpg", "not a url"], "target_url": "megler.no"}
    response = client.post("/api/campaign", json={"source": source}, headers=login(client))
    assert response.status_code == 400
    assert [d["path"] for d in response.json()["details"]] == [["source", "material", 1], ["source", "target_url"]]


def test_there_is_no_read_list_update_or_delete(client: httpx.Client) -> None:
    headers = login(client)
    created = client.post("/api/campaign", json=DOC_EXAMPLE, headers=headers).json()
    for method, path in [("GET", "/api/campaign"), ("GET", f"/api/campaign/{created['campaign_id']}"),
                         ("PUT", "/api/campaign"), ("DELETE", "/api/campaign")]:
        assert client.request(method, path, headers=headers).status_code == 404


def test_campaigns_and_creation_mode_persist(tmp_path) -> None:
    path = tmp_path / "targeter.jsonl"
    first = client_for(TargeterEmulator(store=Store(path), creation_mode="prefilled"))
    first.post("/api/campaign", json=REAL_ESTATE, headers=login(first))
    second_emulator = TargeterEmulator(store=Store(path))
    second = client_for(second_emulator)
    headers = login(second)
    assert second.post("/api/campaign", json=REAL_ESTATE, headers=headers).status_code == 200
    assert set(second.post("/api/campaign", json=MARKETING, headers=headers).json()) == {"campaign_link"}
    assert [c["reference_id"] for c in second_emulator.backend.campaigns()] == ["123-456-789",
                                                                                "TORSHOV-SUMMER-01012025-123"]


def test_ui_edit_changes_the_stored_campaign_only(emulator: TargeterEmulator, client: httpx.Client) -> None:
    headers = login(client)
    created = client.post("/api/campaign", json=DOC_EXAMPLE, headers=headers).json()
    edited = emulator.ui_edit(created["campaign_id"], {"name": "Edited in the app", "campaign_id": "ignored"})
    assert edited["name"] == "Edited in the app" and edited["campaign_id"] == created["campaign_id"]
    again = client.post("/api/campaign", json=DOC_EXAMPLE, headers=headers)
    assert again.json()["campaign_link"].endswith(created["campaign_id"])


def test_injected_500_has_the_documented_body() -> None:
    emulator = TargeterEmulator(faults=FaultInjector(rate=1.0, kinds=(FaultKind.HTTP_500,), seed=1))
    response = client_for(emulator).post("/api/auth/token", json={"api_key": "k", "api_secret": "s"})
    assert (response.status_code, response.json()) == (500, {
        "error": "Unexpected server error. Please try again later."})


def test_partner_examples_over_real_http() -> None:
    with EmulatorServer(TargeterEmulator()) as server, httpx.Client(base_url=server.url, timeout=5) as client:
        headers = login(client)
        statuses = [client.post("/api/campaign", json=body, headers=headers).status_code
                    for body in (REAL_ESTATE, MARKETING, REAL_ESTATE)]
    assert statuses == [201, 201, 200]
