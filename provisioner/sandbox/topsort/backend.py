"""Topsort campaign-service state and rules, without HTTP: what the platform accepts, stores and answers.

Follows api-docs/topsort-campaign-update.txt and api-contracts.md §5: integer minor-unit money,
a past startDate moved to now, create-only adFormat, campaignType updatable only to autobidding.
"""

from __future__ import annotations

import copy
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from provisioner.sandbox.core import PlatformError
from provisioner.sandbox.store import Store

DOC_URL = "https://docs.topsort.com/en/api-reference/errors"
# The sandbox is one marketplace; a fixed id keeps read-backs stable across runs.
MARKETPLACE_ID = "5b0c1f4e-7d1a-4a52-9a3e-0c7f5e2d9b10"
_WALLET_NAMESPACE = uuid.UUID("0e7b3f52-2f4c-4a8e-b1c9-6d1f8a9c4e21")
MAX_BUDGET = 2_000_000_000
MAX_PAGE = 500

CAMPAIGNS = "campaigns"
META = "meta"
EXTERNAL_IDS = "external-ids"  # "adFormat|externalCampaignId" → campaignId (uniqueness index)

BUDGET_TYPES = ("daily", "weekly", "monthly", "total")
CAMPAIGN_TYPES = ("manual", "autobidding", "exclusive")
AD_FORMATS = ("listing", "banner")
STATUSES = ("approved", "pending", "rejected")
OBJECTIVES = ("impressions", "clicks", "conversions", "revenue")
# Fields the read model requires: a null in an update means "leave it", never "clear it".
_REQUIRED_FLAGS = ("isActive", "isSmart", "isAutoTrigger")
_OBJECT_FIELDS = ("multiplierConfig", "targetingFilters", "exclusionFilters")


def error(status: int, code: str, message: str) -> PlatformError:
    """Topsort answers every error as a JSON array of {errCode, docUrl, message}."""
    return PlatformError(status, [{"errCode": code, "docUrl": DOC_URL, "message": message}])


def invalid(message: str) -> PlatformError:
    return error(422, "bad_request", message)


def format_time(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def parse_time(value: Any, field: str) -> datetime:
    if not isinstance(value, str):
        raise invalid(f"{field}: expected an RFC 3339 date-time string")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise invalid(f"{field}: {value!r} is not an RFC 3339 date-time") from None
    if moment.tzinfo is None:
        raise invalid(f"{field}: a timezone is required")
    return moment


def _money(value: Any, field: str, upper: int | None = None) -> int:
    # Money is integer minor units: 12.5, "12.5" and even "12" are refused, never rounded.
    if isinstance(value, bool) or not isinstance(value, int):
        raise invalid(f"{field}: expected an integer amount in minor currency units")
    if value < 0 or (upper is not None and value >= upper):
        raise invalid(f"{field}: {value} is out of range")
    return value


def _enum(value: Any, field: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise invalid(f"{field}: expected one of {', '.join(allowed)}")
    return str(value)


def _flag(value: Any, field: str) -> bool:
    if not isinstance(value, bool):
        raise invalid(f"{field}: expected a boolean")
    return value


def _name(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise invalid("name: expected a string of at least 1 character")
    return value


def _roas(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.5 <= value <= 20:
        raise invalid("targetRoas: expected a number between 0.5 and 20")
    return value


def _object(value: Any, field: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise invalid(f"{field}: expected an object")
    return value


def _product_ids(value: Any) -> list[str]:
    if (not isinstance(value, list) or not 1 <= len(value) <= 200
            or not all(isinstance(item, str) for item in value)):
        raise invalid("productIds: expected 1 to 200 strings")
    return value


def _bids(value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not value:
        raise invalid("bids: at least one bid is required")
    bids = []
    for index, bid in enumerate(value):
        bid = _object(bid, f"bids[{index}]")
        _money(bid.get("amount"), f"bids[{index}].amount")
        target = _object(bid.get("target"), f"bids[{index}].target")
        if not isinstance(target.get("id"), str) or not isinstance(target.get("type"), str):
            raise invalid(f"bids[{index}].target: id and type are required strings")
        bids.append({"bidId": str(uuid.uuid4()), **bid})
    return bids


class TopsortBackend:
    """All campaigns of the sandbox marketplace, kept in `store` (collection "campaigns").

    A stored record is `{"campaign": <read model>, "seq": n, "bids": [...], "productIds": ...}`:
    only `campaign` is ever answered; the rest is what the platform keeps out of the read model.
    """

    def __init__(self, store: Store, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.clock = clock
        # (vendor, status) → matching campaigns in creation order, kept until the next write: a
        # listing of N campaigns reads N/100 pages, and sorting all N for every page made it O(N²)
        self._listings: dict[tuple[str | None, str | None], list[dict[str, Any]]] = {}

    # -- operations ---------------------------------------------------------------------
    def create_campaign(self, vendor_id: str, body: dict[str, Any]) -> dict[str, Any]:
        if not vendor_id:
            raise invalid("vendor_id: query parameter is required")
        bids = _bids(body.get("bids"))
        ad_format = _enum(body.get("adFormat", "listing"), "adFormat", AD_FORMATS)
        campaign = {
            "campaignId": str(uuid.uuid4()), "marketplaceId": MARKETPLACE_ID,
            "name": _name(body.get("name")), "startDate": None, "endDate": None,
            "isActive": True, "isSmart": False,
            "campaignType": _enum(body.get("campaignType", "manual"), "campaignType", CAMPAIGN_TYPES),
            "status": "pending" if ad_format == "banner" else "approved",
            "createdAt": format_time(self._now()),
            "chargeType": "CPM" if ad_format == "banner" else "CPC",
            "externalVendorId": vendor_id, "adFormat": ad_format, "isAutoTrigger": False,
            "vendorId": vendor_id,
            "walletId": str(uuid.uuid5(_WALLET_NAMESPACE, vendor_id)),
            "bidCount": len(bids), "budget": None, "statusUpdatedBy": None,
            "campaignBehaviorData": None, "campaignBehaviorDataByDay": None,
            "exclusivityPrice": None, "targetRoas": None, "externalCampaignId": None,
            "autobiddingObjective": None, "multiplierConfig": None, "targetingFilters": None,
            "exclusionFilters": None, "promotionType": None,
        }
        if body.get("startDate") is None or body.get("endDate") is None:
            raise invalid("startDate and endDate are required")
        if body.get("walletId") is not None:
            campaign["walletId"] = self._uuid(body["walletId"], "walletId")
        if "chargeType" in body:
            campaign["chargeType"] = _enum(body["chargeType"], "chargeType", ("CPM", "CPC"))
        if "promotionType" in body:
            campaign["promotionType"] = body["promotionType"]
        record = {"campaign": campaign, "seq": self._next_seq(), "bids": bids, "productIds": None}
        self._apply(record, {k: v for k, v in body.items() if k not in ("chargeType", "campaignType")})
        self._save(record)
        return campaign

    def list_campaigns(self, vendor_id: str | None = None, status: str | None = None,
                       offset: int = 0, limit: int = 100) -> dict[str, Any]:
        if offset < 0 or limit < 1:
            raise invalid("offset must be >= 0 and limit >= 1")
        limit = min(limit, MAX_PAGE)
        matching = self._listings.get((vendor_id, status))
        if matching is None:
            records = sorted(self.store.values(CAMPAIGNS), key=lambda r: r["seq"])
            matching = self._listings[(vendor_id, status)] = [
                r["campaign"] for r in records
                if (vendor_id is None or r["campaign"]["vendorId"] == vendor_id)
                and (status is None or r["campaign"]["status"] == status)]
        page = copy.deepcopy(matching[offset:offset + limit])
        return {"campaigns": page, "hasMore": offset + limit < len(matching),
                "next": {"offset": offset + limit, "limit": limit}}

    def get_campaign(self, campaign_id: str) -> dict[str, Any]:
        campaign: dict[str, Any] = self._record(campaign_id)["campaign"]
        return campaign

    def update_campaign(self, campaign_id: str, body: dict[str, Any]) -> dict[str, Any]:
        record = self._record(campaign_id)
        if "adFormat" in body:
            raise invalid("adFormat cannot be updated")
        if body.get("campaignType") is not None:
            record["campaign"]["campaignType"] = _enum(body["campaignType"], "campaignType", ("autobidding",))
        if body.get("chargeType") is not None:
            record["campaign"]["chargeType"] = _enum(body["chargeType"], "chargeType", ("CPM", "CPC", "CPA"))
        self._apply(record, {k: v for k, v in body.items() if k not in ("chargeType", "campaignType")})
        self._save(record)
        campaign: dict[str, Any] = record["campaign"]
        return campaign

    def delete_campaign(self, campaign_id: str) -> None:
        self._record(campaign_id)
        self._listings.clear()
        self.store.delete(CAMPAIGNS, campaign_id)

    def list_bids(self, campaign_id: str) -> list[dict[str, Any]]:
        return list(self._record(campaign_id)["bids"])

    def ui_edit(self, campaign_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        """A person edits the campaign in Topsort's UI: no API rules, but the object stays well-formed."""
        record = self._record(campaign_id)
        campaign: dict[str, Any] = record["campaign"]
        for key, value in changes.items():
            if key not in campaign:
                raise KeyError(f"Campaign has no field {key!r}")
            if key == "budget" and value is not None:
                value = self._budget_object(value, campaign.get("budget"), checked=False)
            campaign[key] = value
        self._save(record)
        return campaign

    # -- rules shared by create and update ------------------------------------------------
    def _apply(self, record: dict[str, Any], body: dict[str, Any]) -> None:
        campaign = record["campaign"]
        for key in _REQUIRED_FLAGS:
            if body.get(key) is not None:
                campaign[key] = _flag(body[key], key)
        if body.get("name") is not None:
            campaign["name"] = _name(body["name"])
        if body.get("budget") is not None:
            campaign["budget"] = self._budget_object(body["budget"], campaign["budget"], checked=True)
        if body.get("status") is not None:
            campaign["status"] = _enum(body["status"], "status", STATUSES)
        if "statusUpdatedBy" in body:
            campaign["statusUpdatedBy"] = self._uuid(body["statusUpdatedBy"], "statusUpdatedBy")
        if "targetRoas" in body:
            campaign["targetRoas"] = None if body["targetRoas"] is None else _roas(body["targetRoas"])
        if "autobiddingObjective" in body:
            value = body["autobiddingObjective"]
            campaign["autobiddingObjective"] = (None if value is None
                                                else _enum(value, "autobiddingObjective", OBJECTIVES))
        for key in _OBJECT_FIELDS:
            if key in body:
                campaign[key] = None if body[key] is None else _object(body[key], key)
        if body.get("productIds") is not None:
            if campaign["adFormat"] != "banner":
                raise invalid("productIds: only allowed for banner campaigns")
            record["productIds"] = _product_ids(body["productIds"])
        if body.get("bannerAdRejectionReason") is not None:
            record["bannerAdRejectionReason"] = _object(body["bannerAdRejectionReason"], "bannerAdRejectionReason")
        if "externalCampaignId" in body:
            self._set_external_id(campaign, body["externalCampaignId"])
        self._set_dates(campaign, body.get("startDate"), body.get("endDate"))

    def _set_dates(self, campaign: dict[str, Any], start: Any, end: Any) -> None:
        now = self._now()
        if start is not None:
            start_at = parse_time(start, "startDate")
            # Documented: "If the start date is in the past, it will be set to the current date."
            campaign["startDate"] = format_time(max(start_at, now))
        if end is not None:
            end_at = parse_time(end, "endDate")
            if end_at <= now:
                raise invalid("endDate: must be in the future")
            campaign["endDate"] = format_time(end_at)
        if (start is not None or end is not None) and \
                parse_time(campaign["endDate"], "endDate") <= parse_time(campaign["startDate"], "startDate"):
            raise invalid("endDate: must be greater than startDate")

    def _set_external_id(self, campaign: dict[str, Any], value: Any) -> None:
        if value is not None and not isinstance(value, str):
            raise invalid("externalCampaignId: expected a string")
        if value is not None:
            # An index keeps creates O(1) on accounts with tens of thousands of campaigns.
            owner = self.store.get(EXTERNAL_IDS, f"{campaign['adFormat']}|{value}")
            if owner is not None and owner != campaign["campaignId"]:
                owner_record = self.store.get(CAMPAIGNS, owner)
                if owner_record and owner_record["campaign"]["externalCampaignId"] == value:
                    raise error(400, "invalid_operation",
                                "externalCampaignId: must be unique per marketplace and ad format")
        campaign["externalCampaignId"] = value

    @staticmethod
    def _budget_object(value: Any, current: dict[str, Any] | None, checked: bool) -> dict[str, Any]:
        value = _object(value, "budget")
        used = (current or {}).get("amountUsed", 0)
        if checked:
            amount = _money(value.get("amount"), "budget.amount", MAX_BUDGET)
            kind = value.get("type", (current or {}).get("type"))
            kind = _enum(kind, "budget.type", BUDGET_TYPES)
        else:
            amount = value.get("amount", (current or {}).get("amount", 0))
            kind = value.get("type", (current or {}).get("type", "daily"))
            used = value.get("amountUsed", used)
        return {"amount": amount, "amountRemaining": max(0, amount - used),
                "amountCarryover": (current or {}).get("amountCarryover", 0),
                "amountUsed": used, "type": kind}

    # -- storage ------------------------------------------------------------------------
    def _record(self, campaign_id: str) -> dict[str, Any]:
        record = self.store.get(CAMPAIGNS, campaign_id)
        if record is None:
            raise error(404, "not_found", "the requested campaign does not exist")
        # A copy: a rule that fails half-way must leave the stored campaign untouched.
        return copy.deepcopy(record)

    def _save(self, record: dict[str, Any]) -> None:
        campaign = record["campaign"]
        self._listings.clear()
        self.store.put(CAMPAIGNS, campaign["campaignId"], record)
        if campaign["externalCampaignId"] is not None:
            self.store.put(EXTERNAL_IDS, f"{campaign['adFormat']}|{campaign['externalCampaignId']}",
                           campaign["campaignId"])

    def _next_seq(self) -> int:
        seq = (self.store.get(META, "seq") or 0) + 1
        self.store.put(META, "seq", seq)
        return seq

    def _now(self) -> datetime:
        return datetime.fromtimestamp(int(self.clock()), tz=UTC)

    @staticmethod
    def _uuid(value: Any, field: str) -> str | None:
        if value is None:
            return None
        try:
            return str(uuid.UUID(str(value)))
        except ValueError:
            raise invalid(f"{field}: expected a uuid") from None
