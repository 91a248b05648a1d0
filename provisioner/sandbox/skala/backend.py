"""Skala gateway state and rules: seeded brands/companies/campaign types, users, tokens and campaign orders.

No HTTP here; failures raise `PlatformError` with api-contracts §8's `{"error": message}` body.
Order status is derived from the dates (PENDING, RUNNING, FINISHED) unless the order was CANCELLED.
"""

from __future__ import annotations

import copy
import re
import secrets
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from provisioner.sandbox.core import PlatformError
from provisioner.sandbox.store import Store

BRANDS, COMPANIES, TYPES = "brands", "companies", "campaign_types"
ORDERS, USERS, TOKENS, META = "campaign_orders", "users", "tokens", "meta"
ADMIN, COMPANY_USER = "Admin", "CompanyUser"
FIELD_TYPES = ("FREETEXT", "SELECT", "PICTURE", "VIDEO", "MODEL")
AD_PLATFORMS = ("FACEBOOK", "ADFORM", "LINKEDIN", "SNAPCHAT")
LI_CTA_BUTTONS = ("APPLY", "DOWNLOAD", "VIEW_QUOTE", "LEARN_MORE", "SIGN_UP", "SUBSCRIBE", "REGISTER",
                  "JOIN", "ATTEND", "REQUEST_DEMO")
AD_TEXTS = ("fbCtaButton", "fbHeadline", "fbDescription", "fbPrimaryText", "scBrandName", "scHeadline",
            "scCtaButton", "liTitle", "liDescription", "liCommentary", "liCtaButton")
STATUSES = ("PENDING", "RUNNING", "FINISHED", "CANCELLED")
FIRST_IDS = {"order": 5000, "field_value": 70000, "user": 0, "model_entry": 80000}
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def skala_error(status: int, message: str) -> PlatformError:
    return PlatformError(status, {"error": message})


def _ref_id(value: Any) -> Any:
    return value.get("id") if isinstance(value, dict) else None


def parse_date(value: Any, field: str) -> date:
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        raise skala_error(400, f"{field} must be a date YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise skala_error(400, f"{field} must be a date YYYY-MM-DD") from None


class SkalaBackend:
    """One gateway; the seed (see `SEED`) is written to the store the first time it is empty."""

    def __init__(self, store: Store, clock: Callable[[], float]) -> None:
        self.store = store
        self.clock = clock
        if self.store.get(META, "seeded") is None:
            from provisioner.sandbox.skala.seed import SEED  # it names this module's collections

            for collection, objects in SEED.items():
                for obj in objects:
                    self.store.put(collection, str(obj["id"]), copy.deepcopy(obj))
            self.store.put(META, "seeded", True)

    # -- users and tokens -----------------------------------------------------------------
    def login(self, username: str) -> str:
        """Any username logs in: "admin…" is an Admin, anyone else a CompanyUser of every brand-1 company."""
        user = next((u for u in self.store.values(USERS) if u["username"] == username), None)
        if user is None:
            admin = username.lower().startswith("admin")
            brand_companies = [c["id"] for c in self.store.values(COMPANIES) if c["brand"]["id"] == 1]
            user = {"id": self._next_id("user"), "username": username, "name": username,
                    "level": ADMIN if admin else COMPANY_USER, "companyIds": [] if admin else brand_companies}
            self.store.put(USERS, str(user["id"]), user)
        token = secrets.token_hex(24)
        self.store.put(TOKENS, token, {"userId": user["id"]})
        return token

    def logout(self, token: str) -> None:
        self.store.delete(TOKENS, token)

    def user_for_token(self, token: str | None) -> dict[str, Any]:
        record = self.store.get(TOKENS, token) if token else None
        if record is None:
            raise skala_error(401, "Missing or invalid token")
        user = self.store.record(USERS, str(record["userId"]))
        if user is None:
            raise skala_error(401, "Missing or invalid token")
        return user

    # -- access rules ---------------------------------------------------------------------
    @staticmethod
    def require_admin(user: dict[str, Any]) -> None:
        if user["level"] != ADMIN:
            raise skala_error(403, "Access denied: requires user level Admin")

    def can_access_company(self, user: dict[str, Any], company_id: int) -> bool:
        return user["level"] == ADMIN or company_id in user["companyIds"]

    def can_access_brand(self, user: dict[str, Any], brand_id: int) -> bool:
        return user["level"] == ADMIN or any(self.store.get(COMPANIES, str(c))["brand"]["id"] == brand_id
                                             for c in user["companyIds"])

    # -- brands, companies, campaign types ------------------------------------------------
    def get_brand(self, user: dict[str, Any], brand_id: int) -> dict[str, Any]:
        brand = self._found(BRANDS, brand_id, "Brand")
        if not self.can_access_brand(user, brand_id):
            raise skala_error(403, "Access denied to brand")
        companies = [{"id": c["id"], "name": c["name"]} for c in self.store.values(COMPANIES)
                     if c["brand"]["id"] == brand_id]
        return {**brand, "companies": companies}

    def list_brands(self, user: dict[str, Any]) -> list[dict[str, Any]]:
        return [b for b in self._sorted(BRANDS) if self.can_access_brand(user, b["id"])]

    def get_company(self, user: dict[str, Any], company_id: int) -> dict[str, Any]:
        company = self._found(COMPANIES, company_id, "Company")
        if not self.can_access_company(user, company_id):
            raise skala_error(403, "Access denied to company")
        return company

    def list_campaign_types(self) -> list[dict[str, Any]]:
        return self._sorted(TYPES)

    def get_campaign_type(self, type_id: int) -> dict[str, Any]:
        return self._found(TYPES, type_id, "CampaignType")

    # -- campaign orders ---------------------------------------------------------------------
    def create_order(self, user: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        obj = body.get("object")
        if not isinstance(obj, dict):
            raise skala_error(400, "object is required")
        company = self._referenced(COMPANIES, _ref_id(obj.get("company")), "object.company.id")
        if not self.can_access_company(user, company["id"]):
            raise skala_error(403, "Access denied: not a CompanyUser for the given company")
        ctype = self._referenced(TYPES, _ref_id(obj.get("campaignType")), "object.campaignType.id")
        if ctype["brand"]["id"] != company["brand"]["id"] or not ctype.get("orderable", True):
            raise skala_error(400, "The campaign type cannot be ordered for this company")
        order = {"id": self._next_id("order"), "company": {"id": company["id"], "name": company["name"]},
                 "brand": company["brand"], "campaignType": {"id": ctype["id"], "name": ctype["name"]},
                 "status": "PENDING", "campaignFieldValues": [], "createdBy": user["username"],
                 "created": datetime.fromtimestamp(self.clock(), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}
        self._apply(order, ctype, body, obj)
        self.store.put(ORDERS, str(order["id"]), order)
        return self.view(order)

    def update_order(self, user: dict[str, Any], order_id: int, body: dict[str, Any]) -> dict[str, Any]:
        order = self._accessible_order(user, order_id)
        if self.status(order) not in ("PENDING", "RUNNING"):
            raise skala_error(400, f"A {self.status(order)} campaign order cannot be updated")
        obj = body.get("object")
        if not isinstance(obj, dict):
            raise skala_error(400, "object is required")
        # company and campaignType are not part of the update: whatever the body says about them is ignored.
        updated = copy.deepcopy(order)
        self._apply(updated, self.get_campaign_type(order["campaignType"]["id"]), body, obj)
        self.store.put(ORDERS, str(order_id), updated)
        return self.view(updated)

    def cancel_order(self, user: dict[str, Any], order_id: int) -> dict[str, Any]:
        order = self._accessible_order(user, order_id)
        if self.status(order) not in ("PENDING", "RUNNING"):
            raise skala_error(400, "Only a running or pending campaign order can be cancelled")
        order = {**order, "status": "CANCELLED"}
        self.store.put(ORDERS, str(order_id), order)
        return self.view(order)

    def get_order(self, user: dict[str, Any], order_id: int) -> dict[str, Any]:
        order = self.view(self._accessible_order(user, order_id))
        # "including report data from ad platforms": nothing ever runs in the sandbox, so zeros.
        return {**order, "report": {"impressions": 0, "clicks": 0, "reach": 0, "spent": 0}}

    def orders_by_brand(self, user: dict[str, Any], brand_id: int) -> list[dict[str, Any]]:
        self._found(BRANDS, brand_id, "Brand")
        if not self.can_access_brand(user, brand_id):
            raise skala_error(403, "Access denied: not a CompanyUser under this brand")
        return [self.view(o) for o in self._sorted(ORDERS)
                if o["brand"]["id"] == brand_id and self.can_access_company(user, o["company"]["id"])]

    def ad_view(self, order_id: int) -> dict[str, Any]:
        order = self._found(ORDERS, order_id, "CampaignOrder")
        values = [{k: v[k] for k in ("reference", "type", "text", "picture", "video", "audio")}
                  for v in order["campaignFieldValues"]]
        return {"id": order["id"], "campaignType": order["campaignType"], "company": order["company"],
                "landingPage": order["landingPage"], "campaignFieldValues": values}

    def orders(self) -> list[dict[str, Any]]:
        """Every stored order as the API shows it (tests and sandbox tooling)."""
        return [self.view(o) for o in self._sorted(ORDERS)]

    def view(self, order: dict[str, Any]) -> dict[str, Any]:
        return {**copy.deepcopy(order), "status": self.status(order)}

    def status(self, order: dict[str, Any]) -> str:
        if order["status"] == "CANCELLED":
            return "CANCELLED"
        today = datetime.fromtimestamp(self.clock(), UTC).date()
        if today > date.fromisoformat(order["endDate"]):
            return "FINISHED"
        return "RUNNING" if today >= date.fromisoformat(order["startDate"]) else "PENDING"

    def ui_edit(self, order_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        """A person editing an order in the Skala UI. `campaignFieldValues` may be given as
        {reference: text} to retext (or add) values while keeping their ids."""
        order = copy.deepcopy(self._found(ORDERS, order_id, "CampaignOrder"))
        texts = changes.get("campaignFieldValues")
        if isinstance(texts, dict):
            changes = {k: v for k, v in changes.items() if k != "campaignFieldValues"}
            by_ref = {v["reference"]: v for v in order["campaignFieldValues"]}
            for reference, text in texts.items():
                if reference not in by_ref:
                    by_ref[reference] = {"id": self._next_id("field_value"), "reference": reference,
                                         "type": "FREETEXT", "text": None, "picture": None, "video": None,
                                         "audio": None, "model": None}
                    order["campaignFieldValues"].append(by_ref[reference])
                by_ref[reference]["text"] = text
        order.update({k: v for k, v in changes.items() if k not in ("id", "company", "brand", "campaignType")})
        for field in ("startDate", "endDate"):
            if not isinstance(order[field], str) or not _DATE.fullmatch(order[field]):
                raise ValueError(f"skala: {field} must be YYYY-MM-DD, not {order[field]!r}")
        if order["status"] not in STATUSES:
            raise ValueError(f"skala: status must be one of {STATUSES}")
        self.store.put(ORDERS, str(order["id"]), order)
        return self.view(order)

    # -- order rules -------------------------------------------------------------------------
    def _apply(self, order: dict[str, Any], ctype: dict[str, Any], body: dict[str, Any], obj: dict[str, Any]) -> None:
        start = parse_date(obj.get("startDate"), "object.startDate")
        end = parse_date(obj.get("endDate"), "object.endDate")
        if end < start:
            raise skala_error(400, "object.endDate must not be before object.startDate")
        landing = obj.get("landingPage")
        if landing is not None and not isinstance(landing, str):
            raise skala_error(400, "object.landingPage must be a string")
        if landing and ctype["landingPageType"] == "ABSOLUTE_URL" and not re.match(r"https?://", landing):
            raise skala_error(400, "object.landingPage must be an absolute URL for this campaign type")
        order.update(startDate=start.isoformat(), endDate=end.isoformat(), landingPage=landing)
        order.update(self._budget(ctype, body))
        order.update(self._ad_texts(body))
        order["campaignFieldValues"] = self._field_values(ctype, body.get("campaignFieldValues"),
                                                          order["campaignFieldValues"])

    def _budget(self, ctype: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        option_id, custom = body.get("budgetOptionId"), body.get("customBudget")
        platforms = body.get("customAdPlatformTypes") or []
        if option_id is not None and option_id not in [o["id"] for o in ctype["budgetOptions"]]:
            raise skala_error(400, f"budgetOptionId {option_id} is not a budget option of this campaign type")
        if custom is not None and (isinstance(custom, bool) or not isinstance(custom, (int, float)) or custom <= 0):
            raise skala_error(400, "customBudget must be a positive decimal amount")
        if not isinstance(platforms, list) or any(p not in AD_PLATFORMS for p in platforms):
            raise skala_error(400, f"customAdPlatformTypes must be a list of {', '.join(AD_PLATFORMS)}")
        brand = self.store.get(BRANDS, str(ctype["brand"]["id"]))
        if custom is not None and brand["budgetAllocationOptionString"] == "BUDGET_OPTION_ONLY":
            raise skala_error(400, "This brand only allows budget options (BUDGET_OPTION_ONLY)")
        if option_id is None and custom is None:
            raise skala_error(400, "budgetOptionId or customBudget is required")
        if option_id is not None and platforms:
            raise skala_error(400, "customAdPlatformTypes is only allowed for a full custom budget")
        if option_id is None and not platforms:
            raise skala_error(400, "customAdPlatformTypes is required for a full custom budget")
        kind = "fullCustom" if option_id is None else "budgetOptionCustom" if custom is not None else "budgetOption"
        return {"budgetType": kind, "budgetOptionId": option_id, "customBudget": custom,
                "customAdPlatformTypes": list(platforms)}

    @staticmethod
    def _ad_texts(body: dict[str, Any]) -> dict[str, Any]:
        texts = {name: body[name] for name in AD_TEXTS if name in body}
        if texts.get("liCtaButton") not in (None, *LI_CTA_BUTTONS):
            raise skala_error(400, f"liCtaButton must be one of {', '.join(LI_CTA_BUTTONS)}")
        return texts

    def _field_values(self, ctype: dict[str, Any], values: Any, existing: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The order's new field values: ids kept for values that carry one, new ids for the rest;
        existing values left out of the list are removed (the list is the whole set)."""
        if values is None:
            values = []
        if not isinstance(values, list):
            raise skala_error(400, "campaignFieldValues must be a list")
        fields = {f["reference"]: f for f in ctype["campaignFields"]}
        by_id = {v["id"]: v for v in existing}
        result, seen = [], set()
        for index, value in enumerate(values):
            where = f"campaignFieldValues[{index}]"
            if not isinstance(value, dict):
                raise skala_error(400, f"{where} must be an object")
            field = fields.get(value.get("reference"))
            if field is None:
                raise skala_error(400, f"{where}.reference is not a field of campaign type {ctype['id']}")
            if field["reference"] in seen:
                raise skala_error(400, f"{where}.reference {field['reference']!r} is given twice")
            seen.add(field["reference"])
            value_id = value.get("id")
            if value_id is not None and (value_id not in by_id or by_id[value_id]["reference"] != field["reference"]):
                raise skala_error(400, f"{where}.id {value_id} is not a field value of this campaign order")
            stored = self._field_value(field, value, where)
            result.append({"id": value_id if value_id is not None else self._next_id("field_value"), **stored})
        missing = [ref for ref, f in fields.items() if f.get("required") and ref not in seen]
        if missing:
            raise skala_error(400, f"Required campaign fields missing: {', '.join(missing)}")
        return result

    def _field_value(self, field: dict[str, Any], value: dict[str, Any], where: str) -> dict[str, Any]:
        kind = value.get("type")
        if kind not in FIELD_TYPES or kind != field["fieldType"]:
            raise skala_error(400, f"{where}.type must be {field['fieldType']}")
        stored: dict[str, Any] = {"reference": field["reference"], "type": kind, "text": None,
                                  "picture": None, "video": None, "audio": None, "model": None}
        if kind in ("FREETEXT", "SELECT"):
            text = value.get("text")
            if not isinstance(text, str):
                raise skala_error(400, f"{where}.text is required")
            if kind == "FREETEXT" and field.get("maxLength") and len(text) > field["maxLength"]:
                raise skala_error(400, f"{where}.text is longer than {field['maxLength']} characters")
            if kind == "SELECT" and text not in [o["value"] for o in field["options"]]:
                raise skala_error(400, f"{where}.text is not an option of {field['reference']}")
            stored["text"] = text
        elif kind in ("PICTURE", "VIDEO"):
            media = kind.lower()
            media_id = _ref_id(value.get(media))
            if not isinstance(media_id, int) or isinstance(media_id, bool):
                raise skala_error(400, f"{where}.{media}.id is required")
            stored[media] = {"id": media_id}
        else:
            stored["model"] = self._model(value.get("model"), where)
        return stored

    def _model(self, model: Any, where: str) -> dict[str, Any]:
        entries = model.get("selectedEntries") if isinstance(model, dict) else None
        if not isinstance(entries, list):
            raise skala_error(400, f"{where}.model.selectedEntries is required")
        selected = []
        for position, entry in enumerate(entries):
            entry_id = _ref_id(entry.get("campaignFieldModelEntry")) if isinstance(entry, dict) else None
            if entry_id is None:
                raise skala_error(400, f"{where}.model.selectedEntries[{position}]"
                                       ".campaignFieldModelEntry.id is required")
            selected.append({"id": entry.get("id") or self._next_id("model_entry"),
                             "campaignFieldModelEntry": {"id": entry_id},
                             "position": entry.get("position", position)})
        return {"selectedEntries": selected}

    # -- helpers -----------------------------------------------------------------------------
    def _accessible_order(self, user: dict[str, Any], order_id: int) -> dict[str, Any]:
        order = self._found(ORDERS, order_id, "CampaignOrder")
        if not self.can_access_company(user, order["company"]["id"]):
            raise skala_error(403, "Access denied: not a CompanyUser for the order's company")
        return order

    def _found(self, collection: str, object_id: Any, label: str) -> dict[str, Any]:
        found = self.store.record(collection, str(object_id))
        if found is None:
            raise skala_error(404, f"{label} {object_id} not found")
        return found

    def _referenced(self, collection: str, object_id: Any, field: str) -> dict[str, Any]:
        # Like the gateway's JSON binding, a numeric string is read as the number it spells.
        is_id = isinstance(object_id, int) or (isinstance(object_id, str) and object_id.isdigit())
        found = self.store.record(collection, str(int(object_id))) if is_id else None
        if found is None:
            raise skala_error(400, f"{field} is missing or unknown")
        return found

    def _sorted(self, collection: str) -> list[dict[str, Any]]:
        return sorted(self.store.values(collection), key=lambda o: o["id"])

    def _next_id(self, kind: str) -> int:
        value = (self.store.get(META, f"next_{kind}") or FIRST_IDS[kind]) + 1
        self.store.put(META, f"next_{kind}", value)
        return value
