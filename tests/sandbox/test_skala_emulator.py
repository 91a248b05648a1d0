"""The Skala gateway emulator against doc 001 and api-contracts §2/§8: token header, levels, orders."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

import httpx
import pytest

from provisioner.sandbox.server import EmulatorServer
from provisioner.sandbox.skala.routes import SkalaEmulator
from provisioner.sandbox.store import Store
from provisioner.sandbox.transport import EmulatorTransport

DEC_1_2029 = datetime(2029, 12, 1, tzinfo=UTC).timestamp()
# Parameter names exactly as in the CampaignOrder "Create" row of the document.
ORDER = {
    "object": {"company": {"id": 10}, "campaignType": {"id": 100}, "startDate": "2030-01-01",
               "endDate": "2030-01-31", "landingPage": "https://oslo.example.no/bolig/1"},
    "campaignFieldValues": [
        {"reference": "headline", "type": "FREETEXT", "text": "Ny bolig på Majorstuen"},
        {"reference": "image", "type": "PICTURE", "picture": {"id": 4711}},
        {"reference": "cta", "type": "SELECT", "text": "LEARN_MORE"},
    ],
    "budgetOptionId": 500,
}


def client_for(emulator: SkalaEmulator) -> httpx.Client:
    return httpx.Client(transport=EmulatorTransport(emulator), base_url="https://gateway.skalaads.com")


def login(client: httpx.Client, username: str = "kari@example.no") -> dict[str, str]:
    response = client.post("/api/login", json={"username": username, "password": "secret"})
    assert response.status_code == 200
    return {"token": response.json()["token"]}


@pytest.fixture
def emulator() -> SkalaEmulator:
    return SkalaEmulator(clock=lambda: DEC_1_2029)


@pytest.fixture
def client(emulator: SkalaEmulator) -> httpx.Client:
    return client_for(emulator)


@pytest.fixture
def user(client: httpx.Client) -> dict[str, str]:
    return login(client)


def create(client: httpx.Client, headers: dict[str, str], body: dict | None = None) -> dict:
    response = client.post("/api/campaign-order", json=body or ORDER, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def get_json(client: httpx.Client, path: str, headers: dict[str, str]) -> dict:
    response = client.get(path, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def test_token_header_is_required_and_logout_deletes_it(client: httpx.Client, user: dict[str, str]) -> None:
    assert client.get("/api/brand/all").status_code == 401
    assert client.get("/api/brand/all", headers={"token": "made-up"}).status_code == 401
    assert client.get("/api/brand/all", headers={"Authorization": user["token"]}).status_code == 401
    assert client.get("/api/brand/all", headers=user).status_code == 200
    assert client.post("/api/logout", headers=user).status_code == 200
    response = client.get("/api/brand/all", headers=user)
    assert response.status_code == 401 and "error" in response.json()


def test_login_needs_username_and_password(client: httpx.Client) -> None:
    assert client.post("/api/login", json={"username": "kari"}).status_code == 400
    assert client.post("/api/login", json={"username": "", "password": ""}).status_code == 401


def test_company_user_gets_403_on_campaign_types_admin_reads_them(client: httpx.Client, user: dict) -> None:
    for path in ("/api/campaign-type/all", "/api/campaign-type/100"):
        response = client.get(path, headers=user)
        assert response.status_code == 403 and "error" in response.json()
    types = client.get("/api/campaign-type/all", headers=login(client, "admin")).json()
    assert [t["id"] for t in types] == [100, 101, 200]
    fields = types[0]["campaignFields"]
    assert {f["reference"]: f["fieldType"] for f in fields} == {
        "headline": "FREETEXT", "description": "FREETEXT", "image": "PICTURE", "cta": "SELECT"}


def test_brand_and_company_access(client: httpx.Client, user: dict) -> None:
    assert [b["id"] for b in client.get("/api/brand/all", headers=user).json()] == [1]
    brand = client.get("/api/brand/1", headers=user).json()
    assert [c["id"] for c in brand["companies"]] == [10, 11]
    assert client.get("/api/brand/2", headers=user).status_code == 403
    assert client.get("/api/company/10", headers=user).json()["brand"]["id"] == 1
    assert client.get("/api/company/20", headers=user).status_code == 403
    assert client.get("/api/company/99", headers=user).status_code == 404


def test_create_returns_the_order_with_ids_on_field_values(client: httpx.Client, user: dict) -> None:
    order = create(client, user)
    assert isinstance(order["id"], int)
    assert (order["company"]["id"], order["campaignType"]["id"]) == (10, 100)
    assert (order["startDate"], order["endDate"], order["status"]) == ("2030-01-01", "2030-01-31", "PENDING")
    values = order["campaignFieldValues"]
    assert all(isinstance(v["id"], int) for v in values) and len({v["id"] for v in values}) == 3
    assert [(v["reference"], v["text"], v["picture"]) for v in values] == [
        ("headline", "Ny bolig på Majorstuen", None), ("image", None, {"id": 4711}), ("cta", "LEARN_MORE", None)]
    assert client.get(f"/api/campaign-order/{order['id']}", headers=user).json()["campaignFieldValues"] == values


def test_full_custom_budget_in_major_units(client: httpx.Client, user: dict) -> None:
    body = {**copy.deepcopy(ORDER), "customBudget": 12500.50, "customAdPlatformTypes": ["FACEBOOK", "SNAPCHAT"]}
    del body["budgetOptionId"]
    order = create(client, user, body)
    assert (order["customBudget"], order["customAdPlatformTypes"]) == (12500.50, ["FACEBOOK", "SNAPCHAT"])
    body["customAdPlatformTypes"] = ["TIKTOK"]
    assert client.post("/api/campaign-order", json=body, headers=user).status_code == 400


@pytest.mark.parametrize("breakage", [
    lambda b: b["object"].update(startDate="01.01.2030"),
    lambda b: b["object"].update(endDate="2029-12-31"),
    lambda b: b["campaignFieldValues"].pop(0),  # a required field left out
    lambda b: b["campaignFieldValues"][0].update(type="SELECT"),
    lambda b: b["campaignFieldValues"][2].update(text="BUY_NOW"),
    lambda b: b["campaignFieldValues"].append({"reference": "unknown", "type": "FREETEXT", "text": "x"}),
    lambda b: b.update(budgetOptionId=502),  # an option of another campaign type
    lambda b: b["object"].update(campaignType={"id": 200}),  # another brand's type
])
def test_invalid_orders_are_400(client: httpx.Client, user: dict, breakage) -> None:
    body = copy.deepcopy(ORDER)
    breakage(body)
    response = client.post("/api/campaign-order", json=body, headers=user)
    assert response.status_code == 400 and isinstance(response.json()["error"], str)


def test_ordering_for_a_company_without_access_is_403(client: httpx.Client, user: dict) -> None:
    body = copy.deepcopy(ORDER)
    body["object"].update(company={"id": 20}, campaignType={"id": 200})
    assert client.post("/api/campaign-order", json=body, headers=user).status_code == 403


def test_put_keeps_field_value_ids_adds_new_ones_and_ignores_company(client: httpx.Client, user: dict) -> None:
    order = create(client, user)
    headline, image, _cta = order["campaignFieldValues"]
    update = copy.deepcopy(ORDER)
    update["object"].update(company={"id": 11}, campaignType={"id": 101}, endDate="2030-02-28")
    update["campaignFieldValues"] = [
        {"id": headline["id"], "reference": "headline", "type": "FREETEXT", "text": "Solgt!"},
        {"id": image["id"], "reference": "image", "type": "PICTURE", "picture": {"id": 4712}},
        {"reference": "description", "type": "FREETEXT", "text": "Ny tekst"},
    ]
    response = client.put(f"/api/campaign-order/{order['id']}", json=update, headers=user)
    assert response.status_code == 200
    updated = response.json()
    assert (updated["company"]["id"], updated["campaignType"]["id"], updated["endDate"]) == (10, 100, "2030-02-28")
    values = {v["reference"]: v for v in updated["campaignFieldValues"]}
    assert (values["headline"]["id"], values["headline"]["text"]) == (headline["id"], "Solgt!")
    assert values["image"]["id"] == image["id"] and values["image"]["picture"] == {"id": 4712}
    assert values["description"]["id"] not in {v["id"] for v in order["campaignFieldValues"]}
    assert "cta" not in values  # the sent list is the whole set


def test_put_with_a_foreign_field_value_id_is_400(client: httpx.Client, user: dict) -> None:
    first, second = create(client, user), create(client, user)
    update = copy.deepcopy(ORDER)
    update["campaignFieldValues"][0]["id"] = second["campaignFieldValues"][0]["id"]
    response = client.put(f"/api/campaign-order/{first['id']}", json=update, headers=user)
    assert response.status_code == 400


def test_cancel_pending_or_running_only(emulator: SkalaEmulator, client: httpx.Client, user: dict) -> None:
    pending, running = create(client, user), create(client, user)
    emulator.clock = lambda: datetime(2030, 1, 10, tzinfo=UTC).timestamp()
    assert client.get(f"/api/campaign-order/{running['id']}", headers=user).json()["status"] == "RUNNING"
    for order in (pending, running):
        response = client.put(f"/api/campaign-order/{order['id']}/cancel", headers=user)
        assert (response.status_code, response.json()["status"]) == (200, "CANCELLED")
    assert client.put(f"/api/campaign-order/{pending['id']}/cancel", headers=user).status_code == 400
    assert client.put(f"/api/campaign-order/{pending['id']}", json=ORDER, headers=user).status_code == 400
    finished = create(client, user)
    emulator.clock = lambda: datetime(2030, 3, 1, tzinfo=UTC).timestamp()
    assert client.put(f"/api/campaign-order/{finished['id']}/cancel", headers=user).status_code == 400


def test_by_brand_lists_every_order_without_pagination(client: httpx.Client, user: dict) -> None:
    ids = [create(client, user)["id"] for _ in range(3)]
    listed = client.get("/api/campaign-order/by-brand/1", headers=user).json()
    assert [o["id"] for o in listed] == ids
    assert client.get("/api/campaign-order/by-brand/2", headers=user).status_code == 403
    assert client.get("/api/campaign-order/999999", headers=user).status_code == 404


def test_ad_view_needs_no_token(client: httpx.Client, user: dict) -> None:
    order = create(client, user)
    ad = client.get(f"/api/campaign-order/{order['id']}/ad")
    assert ad.status_code == 200 and ad.json()["campaignFieldValues"][0]["text"] == "Ny bolig på Majorstuen"


def test_state_and_seed_persist(tmp_path) -> None:
    path = tmp_path / "skala.jsonl"
    first = client_for(SkalaEmulator(store=Store(path), clock=lambda: DEC_1_2029))
    created = create(first, login(first))
    second = client_for(SkalaEmulator(store=Store(path), clock=lambda: DEC_1_2029))
    headers = login(second)
    read = get_json(second, f"/api/campaign-order/{created['id']}", headers)
    assert read["landingPage"] == ORDER["object"]["landingPage"]
    assert create(second, headers)["id"] == created["id"] + 1


def test_ui_edit_keeps_field_value_ids(emulator: SkalaEmulator, client: httpx.Client, user: dict) -> None:
    order = create(client, user)
    edited = emulator.ui_edit(str(order["id"]), {"endDate": "2030-03-31",
                                                 "campaignFieldValues": {"headline": "Endret i UI"}})
    read = get_json(client, f"/api/campaign-order/{order['id']}", user)
    assert read["endDate"] == edited["endDate"] == "2030-03-31"
    assert read["campaignFieldValues"][0] == {**order["campaignFieldValues"][0], "text": "Endret i UI"}
    with pytest.raises(ValueError):
        emulator.ui_edit(str(order["id"]), {"startDate": "tomorrow"})


def test_over_real_http() -> None:
    with EmulatorServer(SkalaEmulator(clock=lambda: DEC_1_2029)) as server, \
            httpx.Client(base_url=server.url, timeout=5) as client:
            headers = login(client)
            order = create(client, headers)
            cancelled = client.put(f"/api/campaign-order/{order['id']}/cancel", headers=headers).json()
    assert cancelled["status"] == "CANCELLED"
