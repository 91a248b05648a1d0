"""Skala's per-campaign fast paths give exactly what the straightforward code they replaced gives:
orders read into the config vocabulary (to_live) over well-formed and odd answers."""

from __future__ import annotations

from typing import Any

import pytest

from provisioner.providers.base import LiveCampaign
from provisioner.providers.skala.resources import BUDGET, MEDIA, to_live
from provisioner.providers.wire import expect_id


# -- the reference: to_live as it was written before it was unrolled for speed -------------------
def _ref(value: Any) -> dict[str, Any] | None:
    return {"id": value.get("id"), "name": value.get("name")} if isinstance(value, dict) else None


def _entries(model: Any) -> list[dict[str, Any]]:
    entries = model.get("selectedEntries") if isinstance(model, dict) else None
    return [e for e in entries or [] if isinstance(e, dict)]


def _live_value(value: dict[str, Any]) -> dict[str, Any]:
    out = {k: value[k] for k in ("type", "text", *MEDIA) if value.get(k) is not None}
    if value.get("model") is not None:
        out["model"] = {"selectedEntries": [
            {"campaignFieldModelEntry": e.get("campaignFieldModelEntry"), "position": e.get("position")}
            for e in _entries(value["model"])]}
    return out


def reference_to_live(order: dict[str, Any]) -> LiveCampaign:
    order_id = expect_id(order, "id", "Skala campaign order")
    raw = order.get("campaignFieldValues")
    values = [v for v in raw if isinstance(v, dict)] if isinstance(raw, list) else []
    fields: dict[str, Any] = {
        "company": _ref(order.get("company")), "campaignType": _ref(order.get("campaignType")),
        "startDate": order.get("startDate"), "endDate": order.get("endDate"),
        "landingPage": order.get("landingPage"),
        "campaignFieldValues": {str(v.get("reference")): _live_value(v) for v in values},
        **{name: order.get(name) for name in BUDGET},
        "status": order.get("status"),
    }
    return LiveCampaign(id=order_id, fields=fields)


FULL: dict[str, Any] = {
    "id": 5001, "company": {"id": 10, "name": "Oslo"}, "brand": {"id": 1, "name": "B"},
    "campaignType": {"id": 100, "name": "Property listing"}, "status": "PENDING",
    "campaignFieldValues": [
        {"id": 1, "reference": "headline", "type": "FREETEXT", "text": "Open house", "picture": None,
         "video": None, "audio": None, "model": None},
        {"id": 2, "reference": "image", "type": "PICTURE", "text": None, "picture": {"id": 3301}},
        {"id": 3, "reference": "clip", "type": "VIDEO", "video": {"id": 9}, "audio": {"id": 8}},
        {"id": 4, "reference": "rooms", "type": "MODEL", "model": {"selectedEntries": [
            {"id": 41, "campaignFieldModelEntry": {"id": 7}, "position": 0},
            {"campaignFieldModelEntry": {"id": 8}}, "not an entry", None]}},
        {"id": 5, "reference": "empty-model", "type": "MODEL", "model": {"selectedEntries": None}},
        {"id": 6, "reference": "odd-model", "type": "MODEL", "model": "not an object"},
        {"id": 7, "reference": 42, "type": "FREETEXT", "text": ""},
        {"id": 8, "type": "FREETEXT", "text": "no reference"},
        {"id": 9, "reference": "headline", "type": "FREETEXT", "text": "a second headline"},
        "not a value", None, 3,
    ],
    "startDate": "2030-04-01", "endDate": "2030-04-20", "landingPage": "https://example.com/x",
    "budgetType": "custom", "budgetOptionId": None, "customBudget": 12500.1, "customAdPlatformTypes": ["ADFORM"],
}

ORDERS = [
    FULL,
    {"id": "5002"},  # nothing but an id
    {**FULL, "company": None, "campaignType": "Property listing", "campaignFieldValues": None},
    {**FULL, "company": {"name": "only a name"}, "campaignType": {}, "campaignFieldValues": {"a": 1}},
    {**FULL, "campaignFieldValues": [], "status": "CANCELLED", "budgetOptionId": 500, "customBudget": None},
    {key: value for key, value in FULL.items() if key not in ("startDate", "landingPage", "status")},
]


@pytest.mark.parametrize("order", ORDERS)
def test_to_live_is_the_reference_conversion(order: dict[str, Any]) -> None:
    fast, slow = to_live(order), reference_to_live(order)
    assert fast == slow
    assert list(fast.fields) == list(slow.fields)  # the same order of fields, too
    assert list(fast.fields["campaignFieldValues"]) == list(slow.fields["campaignFieldValues"])
    for name, value in slow.fields["campaignFieldValues"].items():
        assert list(fast.fields["campaignFieldValues"][name]) == list(value)


@pytest.mark.parametrize("order", [{}, {"id": None}, {"id": ""}, {"id": True}])
def test_to_live_refuses_what_the_reference_refuses(order: dict[str, Any]) -> None:
    with pytest.raises(Exception) as slow:
        reference_to_live(order)
    with pytest.raises(type(slow.value), match="Skala campaign order"):
        to_live(order)
