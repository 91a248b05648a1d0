"""Skala's per-campaign fast paths give exactly what the straightforward code they replaced gives:
orders read into the config vocabulary (to_live) over well-formed and odd answers, the campaign-type
rules read once per type (TypeRules), the names collected in one unsorted pass (prepare), and the
spend commitments of budget options shared and custom budgets cached (commitments), and the declared
values dumped by pydantic-core in JSON mode (declared)."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from provisioner.providers.base import CampaignModel, LiveCampaign, RuleProblem
from provisioner.providers.skala.resources import BUDGET, MEDIA, TypeRules, _names, to_live
from provisioner.providers.skala.schema import SkalaCampaign
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


# -- the reference: order_problems as it was written before the rules were read once per type ----
def reference_order_problems(ctype: dict[str, Any], desired: dict[str, Any]) -> list[RuleProblem]:
    name = f"campaign type {ctype.get('name')!r}"
    fields = {str(f.get("reference")): f for f in ctype.get("campaignFields") or [] if isinstance(f, dict)}
    values: dict[str, Any] = desired.get("campaignFieldValues") or {}
    problems = [RuleProblem(f"campaignFieldValues.{reference}", f"required by {name}", create_only=True)
                for reference, f in fields.items() if f.get("required") and reference not in values]
    for reference, value in values.items():
        where = f"campaignFieldValues.{reference}"
        field = fields.get(reference)
        if field is None:
            problems.append(RuleProblem(where, f"not a field of {name} (its fields: {', '.join(fields) or 'none'})"))
            continue
        kind, text = value.get("type"), value.get("text")
        if kind != field.get("fieldType"):
            problems.append(RuleProblem(f"{where}.type", f"{name} makes it {field.get('fieldType')}, not {kind}"))
        elif kind == "FREETEXT" and isinstance(text, str) and field.get("maxLength") \
                and len(text) > field["maxLength"]:
            problems.append(RuleProblem(f"{where}.text", f"{len(text)} characters; {name} allows at most "
                                                         f"{field['maxLength']} (maxLength)"))
        elif kind == "SELECT":
            options = [str(o.get("value")) for o in field.get("options") or [] if isinstance(o, dict)]
            if text not in options:
                problems.append(RuleProblem(f"{where}.text", f"{text!r} is not an option of {name} "
                                                             f"({', '.join(options)})"))
    option = desired.get("budgetOptionId")
    options = [str(o.get("id")) for o in ctype.get("budgetOptions") or [] if isinstance(o, dict)]
    if option is not None and "budgetOptions" in ctype and str(option) not in options:
        problems.append(RuleProblem("budgetOptionId", f"{option} is not a budget option of {name} "
                                                      f"({', '.join(options) or 'none'})"))
    landing = desired.get("landingPage")
    if isinstance(landing, str) and ctype.get("landingPageType") == "ABSOLUTE_URL" \
            and not landing.startswith(("https://", "http://")):
        problems.append(RuleProblem("landingPage", f"{name} needs an absolute URL (landingPageType ABSOLUTE_URL)"))
    return problems


TYPE: dict[str, Any] = {
    "id": 100, "name": "Property listing", "landingPageType": "ABSOLUTE_URL",
    "campaignFields": [
        {"reference": "headline", "fieldType": "FREETEXT", "required": True, "maxLength": 40},
        {"reference": "description", "fieldType": "FREETEXT", "maxLength": 0},
        {"reference": "image", "fieldType": "PICTURE", "required": True},
        {"reference": "cta", "fieldType": "SELECT", "options": [{"value": "LEARN_MORE"}, {"value": 7}, "odd"]},
        {"reference": "size", "fieldType": "SELECT"},
        {"reference": 12, "fieldType": "FREETEXT"}, "not a field",
    ],
    "budgetOptions": [{"id": 500}, {"id": "501"}, None],
}
TYPES = [TYPE, {"id": 101}, {"id": 102, "name": None, "budgetOptions": [], "campaignFields": None},
         {**TYPE, "landingPageType": "RELATIVE", "budgetOptions": None}]
DESIRED: list[dict[str, Any]] = [
    {},
    {"campaignFieldValues": {"headline": {"type": "FREETEXT", "text": "ok"}, "image": {"type": "PICTURE"}},
     "budgetOptionId": 500, "landingPage": "https://x.no"},
    {"campaignFieldValues": {"headline": {"type": "FREETEXT", "text": "x" * 41},
                             "description": {"type": "FREETEXT", "text": "long enough"},
                             "cta": {"type": "SELECT", "text": "SIGN_UP"}, "size": {"type": "SELECT", "text": None},
                             "video": {"type": "VIDEO"}, "12": {"type": "SELECT", "text": "7"},
                             "image": {"type": "VIDEO"}},
     "budgetOptionId": 502, "landingPage": "/relative"},
    {"campaignFieldValues": {"cta": {"type": "SELECT", "text": "7"}}, "budgetOptionId": "501", "landingPage": 3},
    {"campaignFieldValues": None, "budgetOptionId": 0, "landingPage": "http://x.no"},
]


@pytest.mark.parametrize("ctype", TYPES)
def test_type_rules_find_what_the_reference_finds(ctype: dict[str, Any]) -> None:
    rules = TypeRules(ctype)
    for desired in DESIRED:
        assert rules.problems(desired) == reference_order_problems(ctype, desired)
        assert rules.problems(desired) == reference_order_problems(ctype, desired)  # reused: no state kept
    assert any(TypeRules(TYPE).problems(d) for d in DESIRED)  # the corpus does find problems


def reference_named(declared: dict[str, dict[str, Any]], field: str) -> dict[str, list[str]]:
    names: dict[str, list[str]] = {}
    for key, desired in sorted(declared.items()):
        name = (desired.get(field) or {}).get("name")
        if name is not None:
            names.setdefault(str(name), []).append(key)
    return names


def test_names_are_collected_as_the_sorted_pass_collected_them() -> None:
    declared: dict[str, dict[str, Any]] = {
        "z": {"company": {"name": "Oslo"}, "campaignType": {"id": 100}},
        "b": {"company": {"id": 10}, "campaignType": {"name": "Listing"}},
        "m": {"company": {"name": "Bergen"}, "campaignType": {"name": "Listing"}},
        "a": {"company": {"name": "Oslo"}, "campaignType": {"name": 7}},
        "c": {"company": None, "campaignType": {}},
        "k": {"company": {"name": "Bergen"}, "campaignType": {"name": "Video"}},
    }
    for mapping in (declared, dict(reversed(declared.items())), {}, {"x": declared["z"]}):
        types, companies = _names(mapping)
        for got, want in ((types, reference_named(mapping, "campaignType")),
                          (companies, reference_named(mapping, "company"))):
            assert got == want and list(got.items()) == list(want.items())


ORDER: dict[str, Any] = {"company": {"id": 10}, "campaignType": {"name": "Property listing"},
                         "startDate": "2030-04-01", "endDate": date(2030, 4, 20), "budgetOptionId": 500}


@pytest.mark.parametrize("changes", [
    {},
    {"landingPage": "https://example.com/ø", "company": {"name": "Oslo"}, "campaignType": {"id": 100}},
    {"campaignFieldValues": {
        "headline": {"type": "FREETEXT", "text": "Open house"}, "image": {"type": "PICTURE", "picture": {"id": 3301}},
        "cta": {"type": "SELECT", "text": "LEARN_MORE"},
        "clip": {"type": "VIDEO", "video": {"id": 9}, "audio": {"id": 8}, "text": None},
        "rooms": {"type": "MODEL", "model": {"selectedEntries": [
            {"campaignFieldModelEntry": {"id": 7}}, {"campaignFieldModelEntry": {"id": 8}, "position": 5}]}}}},
    *({"budgetOptionId": None, "customBudget": amount, "customAdPlatformTypes": ["ADFORM", "FACEBOOK"]}
      for amount in (12500.1, "12500.10", Decimal("12500.1"), 7, "1E+3", "0.01", "999999999999.99")),
    {"customBudget": "100.50", "customAdPlatformTypes": None},
])
def test_declared_is_the_walk_over_the_python_dump(changes: dict[str, Any]) -> None:
    model = SkalaCampaign.model_validate({**ORDER, **changes})
    fast, slow = model.declared(), CampaignModel.declared(model)
    assert fast == slow
    assert json.dumps(fast) == json.dumps(slow)  # the same types and order, too (str, not Decimal or date)


def test_skala_models_build_their_validators_on_first_use() -> None:
    # like the other providers' models: a warm load (and `validate` of a workspace without Skala)
    # validates no Skala model, so importing the plugin builds none of them
    code = ("import provisioner.providers.skala.schema as s; print(sorted(m.__name__ for m in (s.Ref, s.MediaRef, "
            "s.ModelEntryRef, s.SelectedEntry, s.ModelValue, s.FieldValue, s.SkalaCampaign, s.SkalaSettings) "
            "if m.__pydantic_complete__))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
    assert SkalaCampaign.model_validate({**ORDER, "campaignFieldValues": {"h": {"type": "FREETEXT", "text": "x"}}})


# -- a listed order's field values: the usual shapes built directly, the others through `part` -----
VALUES: list[dict[str, Any]] = [
    {"type": "FREETEXT", "text": "Open house", "picture": None, "video": None, "audio": None, "model": None},
    {"type": "FREETEXT", "text": "Open house"},  # the same value, spelt with fewer members
    {"type": "PICTURE", "text": None, "picture": {"id": 3301}},
    {"type": "PICTURE", "picture": {"id": 3301}, "text": "and a text"},
    {"type": "PICTURE", "picture": {"id": True}},  # an id equal to 1, not 1
    {"type": "PICTURE", "picture": {"id": 1}},
    {"type": "PICTURE", "picture": {"id": 1.0}},
    {"type": "PICTURE", "picture": {"id": "1"}},
    {"type": "PICTURE", "picture": {"id": 1, "url": "x"}},
    {"type": "PICTURE", "picture": {}},
    {"type": "PICTURE", "picture": "not an object"},
    {"type": "VIDEO", "video": {"id": 9}, "audio": {"id": 8}},
    {"type": "MODEL", "model": {"selectedEntries": [{"campaignFieldModelEntry": {"id": 7}, "position": 0}]}},
    {"type": None, "text": None},
    {},
    {"text": 1}, {"text": True}, {"text": 1.0}, {"type": 7, "text": "x"}, {"type": "SELECT", "text": ["a"]},
]


def test_listed_field_values_are_what_part_of_live_value_gives() -> None:
    """Each value alone and then all of them in one answer (so that later ones meet what earlier ones
    left in the sharing): equal to the slow path's, spelt alike (member order and number types), and
    one object for equal usual shapes."""
    from copy import deepcopy

    from provisioner.providers.skala.resources import _live_value, _Sharing

    def spelt(value: Any) -> str:
        return json.dumps(value, default=repr) + repr(value)

    together, slow_together = _Sharing(), _Sharing()
    for raw in VALUES * 2:
        slow = _Sharing().part(_live_value(deepcopy(raw)))[0]
        for fast in (_Sharing().value(deepcopy(raw)), together.value(deepcopy(raw))):
            assert fast == slow and spelt(fast) == spelt(slow)
        assert spelt(slow_together.part(_live_value(deepcopy(raw)))[0]) == spelt(slow)
    first, again = together.value(dict(VALUES[2])), together.value(deepcopy(VALUES[2]))
    assert first is again and first["picture"] is together.value({"type": "X", "picture": {"id": 3301}})["picture"]


@pytest.mark.parametrize("order_id", [None, "", " ", True, False, 0, 5001, -1, "5001", 1.0, [1], {"id": 1}])
def test_listed_orders_take_their_id_as_to_live_does(order_id: Any) -> None:
    """An integer id is taken as its text directly by the sharing conversion; anything else goes
    through the same check as to_live's (the same id, or the same error)."""
    from provisioner.providers.skala.resources import _Sharing

    def outcome(convert: Any) -> Any:
        try:
            return convert({**FULL, "id": order_id}).id
        except Exception as error:  # (the outcome compared, whatever it is)
            return type(error), str(error)

    assert outcome(lambda order: to_live(order, _Sharing())) == outcome(to_live)


def test_listed_orders_are_to_live_of_each() -> None:
    """The sharing conversion (Sharing.live) against to_live alone, over the odd orders above."""
    from copy import deepcopy

    from provisioner.providers.skala.resources import _Sharing

    sharing = _Sharing()
    odd_members = [{**FULL, "startDate": None, "endDate": 20300420, "landingPage": ["x"], "status": 3,
                    "budgetOptionId": "500", "customBudget": Decimal("12500.10"), "customAdPlatformTypes": []},
                   {**FULL, "budgetOptionId": True, "customBudget": "12500", "status": None, "endDate": ""},
                   {**FULL, "budgetOptionId": 1.5, "customBudget": [1, "a"], "customAdPlatformTypes": ["A", 1]}]
    for order in (ORDERS + odd_members) * 2:
        fast, slow = to_live(deepcopy(order), sharing), to_live(deepcopy(order))
        assert fast == slow
        assert json.dumps(fast.fields, default=repr) == json.dumps(slow.fields, default=repr)
