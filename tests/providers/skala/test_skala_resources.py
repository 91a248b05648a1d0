"""Skala provider units: the campaign schema's rules, the PUT body built from the live order, exact
decimal budgets on the wire, name resolution and order lookup against the in-process emulator."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from provisioner.errors import ProviderError
from provisioner.providers.base import (
    CreateRequest,
    Finds,
    Lists,
    Prepares,
    Retires,
    Updates,
)
from provisioner.providers.http import HttpContext
from provisioner.providers.skala.resources import SkalaSession, to_live, update_body
from provisioner.providers.skala.schema import SkalaCampaign, SkalaSettings
from provisioner.providers.wire import json_request
from provisioner.sandbox.registry import make_emulator
from provisioner.sandbox.transport import EmulatorTransport

BASE: dict[str, Any] = {"company": {"id": 10}, "campaignType": {"id": 100}, "startDate": "2030-04-01",
                        "endDate": "2030-04-14", "budgetOptionId": 500,
                        "campaignFieldValues": {"headline": {"type": "FREETEXT", "text": "Hello"},
                                                "image": {"type": "PICTURE", "picture": {"id": 7}}}}


def declared(**changes: Any) -> dict[str, Any]:
    return SkalaCampaign.model_validate({**BASE, **changes}).declared()


def session(username: str = "ola") -> SkalaSession:
    settings = SkalaSettings(type="skala", base_url="sandbox", username=username, password="pw-1234",
                             brand_id=1)
    return SkalaSession(settings, HttpContext(transport=EmulatorTransport(make_emulator("skala"))))


def requests_of(s: SkalaSession) -> list[Any]:
    transport = s.client.api.context.transport
    assert isinstance(transport, EmulatorTransport)
    return transport.emulator.requests


def test_session_has_every_capability_the_platform_offers() -> None:
    s = session()
    assert all(isinstance(s, cap) for cap in (Prepares, Lists, Finds, Updates, Retires))


@pytest.mark.parametrize("changes, message", [
    ({"endDate": "2030-03-01"}, "endDate must not be before startDate"),
    ({"budgetOptionId": None}, "a budget is needed"),
    ({"budgetOptionId": None, "customBudget": "100"}, "needs customAdPlatformTypes"),
    ({"customAdPlatformTypes": ["FACEBOOK"]}, "only for a full custom budget"),
    ({"company": {"id": 10, "name": "Oslo"}}, "exactly one of id or name"),
    ({"campaignFieldValues": {"image": {"type": "PICTURE"}}}, "needs picture"),
])
def test_schema_rules(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        SkalaCampaign.model_validate({**BASE, **changes})


def test_model_positions_default_to_their_order() -> None:
    value = {"type": "MODEL", "model": {"selectedEntries": [{"campaignFieldModelEntry": {"id": 4}},
                                                             {"campaignFieldModelEntry": {"id": 9}}]}}
    entries = declared(campaignFieldValues={"employees": value})["campaignFieldValues"]["employees"]
    assert [e["position"] for e in entries["model"]["selectedEntries"]] == [0, 1]


def test_update_body_keeps_ids_and_what_the_yaml_does_not_declare() -> None:
    live = {"id": 5001, "startDate": "2030-04-01", "endDate": "2030-04-14", "landingPage": "https://x.no/a",
            "fbHeadline": "Set in the UI", "budgetOptionId": 501,
            "campaignFieldValues": [
                {"id": 71, "reference": "headline", "type": "FREETEXT", "text": "Old", "picture": None},
                {"id": 72, "reference": "description", "type": "FREETEXT", "text": "UI text"},
                {"id": 73, "reference": "image", "type": "PICTURE", "text": None, "picture": {"id": 7}}]}
    desired = declared(campaignFieldValues={"headline": {"type": "FREETEXT", "text": "New"},
                                            "image": {"type": "PICTURE", "picture": {"id": 7}},
                                            "cta": {"type": "SELECT", "text": "SIGN_UP"}})
    body = update_body(live, desired)
    assert body["object"] == {"startDate": "2030-04-01", "endDate": "2030-04-14", "landingPage": "https://x.no/a"}
    assert body["campaignFieldValues"] == [
        {"id": 71, "reference": "headline", "type": "FREETEXT", "text": "New"},
        {"id": 72, "reference": "description", "type": "FREETEXT", "text": "UI text"},
        {"id": 73, "reference": "image", "type": "PICTURE", "picture": {"id": 7}},
        {"reference": "cta", "type": "SELECT", "text": "SIGN_UP"}]  # new: no id
    assert body["budgetOptionId"] == 500 and body["fbHeadline"] == "Set in the UI"


def test_update_body_keeps_existing_model_selections() -> None:
    live = {"campaignFieldValues": [{"id": 80, "reference": "employees", "type": "MODEL", "model": {
        "selectedEntries": [{"id": 801, "campaignFieldModelEntry": {"id": 4}, "position": 0}]}}]}
    value = {"type": "MODEL", "model": {"selectedEntries": [{"campaignFieldModelEntry": {"id": 4}},
                                                             {"campaignFieldModelEntry": {"id": 9}}]}}
    body = update_body(live, declared(campaignFieldValues={"employees": value}))
    assert body["campaignFieldValues"][0]["model"]["selectedEntries"] == [
        {"id": 801, "campaignFieldModelEntry": {"id": 4}, "position": 0},
        {"campaignFieldModelEntry": {"id": 9}, "position": 1}]


def test_custom_budget_is_an_exact_decimal_on_the_wire() -> None:
    desired = declared(budgetOptionId=None, customBudget="12500.10", customAdPlatformTypes=["ADFORM"])
    content = json_request(update_body({}, desired))["content"]
    assert b'"customBudget":12500.10' in content


def test_to_live_speaks_the_config_vocabulary() -> None:
    live = to_live({"id": 5, "company": {"id": 10, "name": "Oslo"}, "campaignType": {"id": 100, "name": "P"},
                    "campaignFieldValues": [{"id": 1, "reference": "headline", "type": "FREETEXT",
                                             "text": "Hi", "picture": None}], "status": "PENDING"})
    assert live.id == "5" and live.key is None
    assert live.fields["campaignFieldValues"] == {"headline": {"type": "FREETEXT", "text": "Hi"}}
    assert live.fields["company"] == {"id": 10, "name": "Oslo"}


def test_find_never_guesses_between_twins_and_ignores_cancelled_orders() -> None:
    s = session()
    first = s.create_campaign(CreateRequest("a", declared()))
    assert s.find_campaign("a", declared()).id == first.live.id
    twin = s.create_campaign(CreateRequest("b", declared()))
    assert s.find_campaign("a", declared(landingPage="https://x.no")) is None
    with pytest.raises(ProviderError, match="2 campaign orders match") as error:
        s.find_campaign("a", declared())
    assert error.value.code == "ambiguous-match"
    s.retire_campaign(twin.live.id, "b")
    assert s.find_campaign("a", declared()).id == first.live.id
    s.close()


def test_company_names_resolve_through_the_brand() -> None:
    s = session()
    s.prepare({"a": declared(company={"name": "Sandbox Company Bergen"})})
    assert s.names.ids("a", declared(company={"name": "Sandbox Company Bergen"})) == (11, 100)
    with pytest.raises(ProviderError, match=r"company 'Nowhere' \(b\) is not one of .*give company.id"):
        s.prepare({"b": declared(company={"name": "Nowhere"})})


def test_logout_only_after_a_login() -> None:
    idle = session()
    idle.close()
    assert requests_of(idle) == []
    busy = session()
    busy.list_campaigns()
    busy.close()
    assert [(r.method, r.path) for r in requests_of(busy)] == [
        ("POST", "/api/login"), ("GET", "/api/campaign-order/by-brand/1"), ("POST", "/api/logout")]
