"""The SessionM emulator against doc 003 and api-contracts §4/§8: Basic auth, 200-with-error, info datetimes."""

from __future__ import annotations

import httpx
import pytest

from provisioner.sandbox.faults import RateLimiter
from provisioner.sandbox.server import EmulatorServer
from provisioner.sandbox.sessionm.routes import SessionMEmulator
from provisioner.sandbox.store import Store
from provisioner.sandbox.transport import EmulatorTransport

KEY, SECRET = "64f15f67f03de170fb01dd41c0a4321e5d5dfc01", "s2s-secret"
APP = f"/priv/v1/apps/{KEY}"
# The documented request example, with its unterminated ends_at string closed.
DOC_EXAMPLE = {"campaign": {"name": "Campaign Example", "status": "live", "starts_at": "2021-12-31T05:00:00Z",
                            "ends_at": "2022-01-04T05:00:00Z", "campaign_type": "promotion", "template": "promotion"}}


def client_for(emulator: SessionMEmulator, auth: tuple[str, str] | None = (KEY, SECRET)) -> httpx.Client:
    return httpx.Client(transport=EmulatorTransport(emulator), auth=auth,
                        base_url="https://api-tenant1.ent-sessionm.com")


@pytest.fixture
def emulator() -> SessionMEmulator:
    return SessionMEmulator()


@pytest.fixture
def client(emulator: SessionMEmulator) -> httpx.Client:
    return client_for(emulator)


def campaign(**overrides: object) -> dict[str, object]:
    return {"campaign": {**DOC_EXAMPLE["campaign"], **overrides}}


def test_create_returns_server_fields_as_documented(client: httpx.Client) -> None:
    response = client.post(f"{APP}/campaigns", json=DOC_EXAMPLE)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    created = body["campaign"]
    assert isinstance(created["id"], int)
    assert len(created["external_id"]) == 36 and created["external_id"].count("-") == 4  # a server GUID
    assert (created["total_budget"], created["weight"], created["metadata"]) == (0, 5, {})
    assert created["starts_at"] == "2021-12-31T05:00:00Z" and created["ends_at"] == "2022-01-04T05:00:00Z"
    assert (created["campaign_type"], created["template"], created["status"]) == ("promotion", "promotion", "live")


def test_client_external_id_and_metadata_are_kept(client: httpx.Client) -> None:
    body = campaign(external_id="spring-2026", metadata={"campaign_version": 2}, targeting={"$and": []})
    created = client.post(f"{APP}/campaigns", json=body).json()["campaign"]
    assert created["external_id"] == "spring-2026"
    assert created["metadata"] == {"campaign_version": 2} and created["targeting"] == {"$and": []}


@pytest.mark.parametrize(("body", "code"), [
    ({"campaign": {"status": "live", "starts_at": "2021-12-31T05:00:00Z", "ends_at": "2022-01-04T05:00:00Z"}},
     "missing_data"),
    ({"name": "no wrapper"}, "missing_data"),
    (campaign(status="running"), "validation"),
    (campaign(starts_at="next tuesday"), "validation"),
    (campaign(ends_at="2021-01-01T00:00:00Z"), "validation"),
    (campaign(campaign_type="display"), "validation"),
    (campaign(test=1), "argument_error"),
])
def test_errors_are_http_200_with_an_errors_object(client: httpx.Client, body: dict, code: str) -> None:
    response = client.post(f"{APP}/campaigns", json=body)
    assert response.status_code == 200
    assert response.json()["status"] == "error"
    assert isinstance(response.json()["errors"], dict)
    assert response.json()["errors"]["code"] == code


def test_duplicate_name_and_duplicate_external_id_are_validation_errors(client: httpx.Client) -> None:
    assert client.post(f"{APP}/campaigns", json=campaign(external_id="x-1")).json()["status"] == "ok"
    same_name = client.post(f"{APP}/campaigns", json=campaign(external_id="x-2")).json()
    same_permalink = client.post(f"{APP}/campaigns", json=campaign(name="Other", external_id="x-1")).json()
    assert same_name["errors"]["code"] == same_permalink["errors"]["code"] == "validation"
    assert len(client.get(f"{APP}/campaigns").json()["campaigns"]) == 1


@pytest.mark.parametrize("auth", [None, ("other-key", SECRET), (KEY, "")])
def test_bad_or_missing_basic_auth_is_401(emulator: SessionMEmulator, auth: tuple[str, str] | None) -> None:
    response = client_for(emulator, auth).get(f"{APP}/campaigns")
    assert response.status_code == 401
    assert response.json()["status"] == "error"


def test_list_returns_every_campaign_whatever_its_status(client: httpx.Client) -> None:
    client.post(f"{APP}/campaigns", json=DOC_EXAMPLE)
    client.post(f"{APP}/campaigns", json=campaign(name="Draft one", status="draft"))
    body = client.get(f"{APP}/campaigns").json()
    assert body["status"] == "ok"
    assert [(c["name"], c["status"]) for c in body["campaigns"]] == [("Campaign Example", "live"),
                                                                      ("Draft one", "draft")]


def test_info_by_id_and_permalink_uses_non_iso_datetimes(client: httpx.Client) -> None:
    created = client.post(f"{APP}/campaigns", json=campaign(external_id="my_flock_to_unlock_campaign")).json()
    by_id = client.get(f"{APP}/campaigns/{created['campaign']['id']}/info").json()
    by_permalink = client.get(f"{APP}/external/campaigns/my_flock_to_unlock_campaign/info").json()
    assert by_id == by_permalink
    assert by_id["status"] == "ok"
    assert by_id["campaign"] == {"campaign_id": created["campaign"]["id"], "permalink": "my_flock_to_unlock_campaign",
                                 "starts_at": "2021-12-31 05:00:00", "ends_at": "2022-01-04 05:00:00",
                                 "optin_required": False, "opt_in_starts_at": None, "opt_in_ends_at": None}


@pytest.mark.parametrize("path", ["/campaigns/999/info", "/campaigns/abc/info", "/external/campaigns/nope/info"])
def test_unknown_campaign_info_is_200_with_no_active_campaign_found(client: httpx.Client, path: str) -> None:
    response = client.get(APP + path)
    assert response.status_code == 200
    assert response.json()["errors"]["code"] == "No_active_campaign_found"


def test_there_is_no_update_or_delete_endpoint(client: httpx.Client) -> None:
    created = client.post(f"{APP}/campaigns", json=DOC_EXAMPLE).json()["campaign"]
    for method in ("PUT", "PATCH", "DELETE"):
        assert client.request(method, f"{APP}/campaigns/{created['id']}", json=DOC_EXAMPLE).status_code == 404


def test_state_persists_in_the_store_file(tmp_path) -> None:
    path = tmp_path / "sessionm.jsonl"
    first = client_for(SessionMEmulator(store=Store(path))).post(f"{APP}/campaigns", json=DOC_EXAMPLE).json()
    second = client_for(SessionMEmulator(store=Store(path)))
    assert second.get(f"{APP}/campaigns").json()["campaigns"] == [first["campaign"]]
    other = second.post(f"{APP}/campaigns", json=campaign(name="Second")).json()["campaign"]
    assert other["id"] == first["campaign"]["id"] + 1  # the id counter lives in the store too


def test_ui_edit_changes_the_stored_campaign(emulator: SessionMEmulator, client: httpx.Client) -> None:
    created = client.post(f"{APP}/campaigns", json=DOC_EXAMPLE).json()["campaign"]
    edited = emulator.ui_edit(str(created["id"]), {"status": "paused", "ends_at": "2022-02-01 00:00:00",
                                                   "metadata": {"owner": "ui"}})
    assert edited["ends_at"] == "2022-02-01T00:00:00Z"  # kept well-formed
    listed = client.get(f"{APP}/campaigns").json()["campaigns"][0]
    assert (listed["status"], listed["metadata"], listed["id"]) == ("paused", {"owner": "ui"}, created["id"])
    with pytest.raises(ValueError):
        emulator.ui_edit(str(created["id"]), {"status": "bogus"})


def test_rate_limit_answers_429_with_retry_after() -> None:
    emulator = SessionMEmulator(rate_limiter=RateLimiter(limit=1, window_seconds=60))
    client = client_for(emulator)
    assert client.get(f"{APP}/campaigns").status_code == 200
    limited = client.get(f"{APP}/campaigns")
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
    assert limited.json()["status"] == "error"
    assert SessionMEmulator.default_rate_limiter().limit == 10


def test_over_real_http() -> None:
    with EmulatorServer(SessionMEmulator()) as server, \
            httpx.Client(base_url=server.url, auth=(KEY, SECRET), timeout=5) as client:
            created = client.post(f"{APP}/campaigns", json=DOC_EXAMPLE).json()["campaign"]
            info = client.get(f"{APP}/external/campaigns/{created['external_id']}/info").json()
    assert info["campaign"]["campaign_id"] == created["id"]
