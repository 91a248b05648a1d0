"""SessionM campaign state and the platform's rules (unique name and external_id, enums, datetimes).

No HTTP here. Failures are raised as `PlatformError` carrying SessionM's envelope
`{"status": "error", "errors": {"code": ...}}`, which the platform sends with HTTP 200.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from provisioner.sandbox.core import PlatformError
from provisioner.sandbox.store import Store

CAMPAIGNS = "campaigns"
COUNTERS = "counters"
STATUSES = ("live", "paused", "draft", "inreview", "completed")
CAMPAIGN_TYPES = ("promotion", "messaging")
REQUIRED = ("name", "status", "starts_at", "ends_at")
DATETIMES = ("starts_at", "ends_at", "opt_in_starts_at", "opt_in_ends_at", "reporting_ends_at")
OPTIONAL = ("external_id", "campaign_type", "template", "metadata", "targeting", "qualify_tag",
            "disqualify_tag", "optin_required", "opt_in_starts_at", "opt_in_ends_at", "reporting_ends_at")
# Documented response-only attributes: a client echoing them back is not an "unknown attribute".
READ_ONLY = ("id", "total_budget", "weight", "division_id", "campaign_id", "campaign_permalink",
             "permalink", "qualified", "group_id", "creative_id", "version", "start_date", "end_date")
# The legacy integers every campaign carries; values taken from the documented examples.
LEGACY_DEFAULTS = {"total_budget": 0, "weight": 5}
FIRST_ID = 700


def sessionm_error(code: str, message: str | None = None, status: int = 200) -> PlatformError:
    """SessionM's error envelope; `errors` is an object, never an array."""
    errors: dict[str, Any] = {"code": code}
    if message:
        errors["message"] = message
    return PlatformError(status, {"status": "error", "errors": errors})


def parse_datetime(value: Any, field: str) -> datetime:
    """ISO 8601 (`…Z` or an offset) or SessionM's own `YYYY-MM-DD HH:MM:SS`; naive means UTC."""
    if not isinstance(value, str) or not value.strip():
        raise sessionm_error("validation", f"{field} is not a valid datetime")
    text = value.strip().replace("Z", "+00:00").replace("z", "+00:00")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise sessionm_error("validation", f"{field} is not a valid datetime") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def iso(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def info_datetime(value: str | None) -> str | None:
    """The info endpoints' format, `2017-05-09 17:36:48`: not ISO 8601, as documented."""
    if value is None:
        return None
    return parse_datetime(value, "datetime").strftime("%Y-%m-%d %H:%M:%S")


class SessionMBackend:
    """All campaigns of one sandbox organisation; every api_key sees them all."""

    def __init__(self, store: Store) -> None:
        self.store = store

    # -- operations -------------------------------------------------------------------
    def create_campaign(self, attributes: Any) -> dict[str, Any]:
        """Validate a create request's `campaign` object and store the new campaign."""
        if not isinstance(attributes, dict) or not attributes:
            raise sessionm_error("missing_data", "Missing campaign data.")
        unknown = sorted(set(attributes) - set(REQUIRED) - set(OPTIONAL) - set(READ_ONLY))
        if unknown:
            raise sessionm_error("argument_error", f"Unknown campaign attributes {', '.join(unknown)}.")
        missing = [name for name in REQUIRED if attributes.get(name) in (None, "")]
        if missing:
            raise sessionm_error("missing_data", f"Missing campaign data: {', '.join(missing)}.")
        campaign = self._validated({k: attributes[k] for k in REQUIRED + OPTIONAL if k in attributes})
        self._check_unique(campaign)
        campaign["id"] = self._next_id()
        campaign["external_id"] = campaign.get("external_id") or str(uuid.uuid1())
        self.store.put(CAMPAIGNS, str(campaign["id"]), campaign)
        return campaign

    def list_campaigns(self) -> list[dict[str, Any]]:
        return sorted(self.store.values(CAMPAIGNS), key=lambda c: c["id"])

    def get_campaign(self, campaign_id: str | int) -> dict[str, Any] | None:
        return self.store.record(CAMPAIGNS, str(campaign_id))

    def find_by_permalink(self, permalink: str) -> dict[str, Any] | None:
        return next((c for c in self.store.values(CAMPAIGNS) if c["external_id"] == permalink), None)

    def campaign_info(self, campaign: dict[str, Any]) -> dict[str, Any]:
        """The info endpoints' documented shape (campaign_id, permalink, non-ISO datetimes)."""
        return {
            "campaign_id": campaign["id"],
            "permalink": campaign["external_id"],
            "starts_at": info_datetime(campaign["starts_at"]),
            "ends_at": info_datetime(campaign["ends_at"]),
            "optin_required": bool(campaign.get("optin_required", False)),
            "opt_in_starts_at": info_datetime(campaign.get("opt_in_starts_at")),
            "opt_in_ends_at": info_datetime(campaign.get("opt_in_ends_at")),
        }

    def ui_edit(self, object_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        """A person editing the campaign in the SessionM UI: no API rules, but the object stays valid."""
        campaign = self.get_campaign(object_id) or self.find_by_permalink(str(object_id))
        if campaign is None:
            raise KeyError(f"sessionm: no campaign {object_id!r}")
        fixed: dict[str, Any] = {k: campaign[k] for k in ("id", "total_budget", "weight") if k in campaign}
        try:
            merged = self._validated({**campaign, **changes, **fixed})
        except PlatformError as error:
            raise ValueError(f"sessionm: the UI would refuse this edit: {error}") from None
        self.store.put(CAMPAIGNS, str(merged["id"]), merged)
        return merged

    # -- rules --------------------------------------------------------------------------
    def _validated(self, attributes: dict[str, Any]) -> dict[str, Any]:
        campaign = {**LEGACY_DEFAULTS, "metadata": {}, **attributes}
        if not isinstance(campaign["name"], str):
            raise sessionm_error("validation", "name must be a string")
        if campaign["status"] not in STATUSES:
            raise sessionm_error("validation", f"status must be one of {', '.join(STATUSES)}")
        for name in DATETIMES:
            if campaign.get(name) is not None:
                campaign[name] = iso(parse_datetime(campaign[name], name))
        if campaign["ends_at"] <= campaign["starts_at"]:
            raise sessionm_error("validation", "ends_at must be after starts_at")
        self._validate_type(campaign)
        for name in ("metadata", "targeting"):
            if name in campaign and not isinstance(campaign[name], dict):
                raise sessionm_error("validation", f"{name} must be an object")
        if "optin_required" in campaign and not isinstance(campaign["optin_required"], bool):
            raise sessionm_error("validation", "optin_required must be true or false")
        if "external_id" in campaign and not isinstance(campaign["external_id"], str):
            raise sessionm_error("validation", "external_id must be a string")
        return campaign

    @staticmethod
    def _validate_type(campaign: dict[str, Any]) -> None:
        # `template` takes "the same value as campaign_type": either one given sets both.
        kind = campaign.get("campaign_type") or campaign.get("template")
        if kind is None:
            return
        campaign.setdefault("campaign_type", kind)
        campaign.setdefault("template", kind)
        if kind not in CAMPAIGN_TYPES or campaign["campaign_type"] != campaign["template"]:
            raise sessionm_error("validation", "campaign_type and template must both be promotion or messaging")

    def _check_unique(self, campaign: dict[str, Any]) -> None:
        for other in self.store.values(CAMPAIGNS):
            if other["name"] == campaign["name"]:
                raise sessionm_error("validation", "Validation failed: Name has already been taken")
            if campaign.get("external_id") and other["external_id"] == campaign["external_id"]:
                raise sessionm_error("validation", "Validation failed: Permalink has already been taken")

    def _next_id(self) -> int:
        counter = self.store.get(COUNTERS, "campaign") or FIRST_ID
        self.store.put(COUNTERS, "campaign", counter + 1)
        return counter + 1
