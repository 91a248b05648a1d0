"""Criteo Marketing Solutions campaign state and rules, without HTTP: tokens, campaigns, batch patches.

Follows api-docs/criteo-campaigns.txt, the 2026-07 OpenAPI spec and api-contracts.md §3: string ids,
create-casing vs read-casing of `goal`, a wrapped `spendLimitAmount` on read, per-item PATCH results.
"""

from __future__ import annotations

import secrets
import time
import uuid
from collections.abc import Callable
from typing import Any

from provisioner.sandbox.core import PlatformError
from provisioner.sandbox.store import Store

CAMPAIGNS = "campaigns"
TOKENS = "tokens"
NO_CONSENT = "advertisers_without_consent"
META = "meta"
TOKEN_SECONDS = 900
FIRST_ID = 100001
GOALS = ("Unspecified", "Acquisition", "Retention")
OBJECTIVES = ("conversions", "revenue", "visits", "videoViews")
RENEWALS = ("undefined", "daily", "monthly", "lifetime")
CAPPED_RENEWALS = ("daily", "monthly", "lifetime")
CREATE_ONLY = ("name", "goal", "advertiserId")
CHECK = "campaign--campaign-update-check--"


def problem(type_: str, code: str, title: str, detail: str = "", instance: str | None = None) -> dict[str, Any]:
    """One CommonProblem, shaped as the documented PATCH example shows it."""
    entry = {"traceIdentifier": str(uuid.uuid4()), "type": type_, "code": code}
    if instance is not None:
        entry["instance"] = instance
    entry.update({"title": title, "detail": detail or title})
    return entry


def failure(status: int, *problems: dict[str, Any]) -> PlatformError:
    return PlatformError(status, {"errors": list(problems), "warnings": []})


def validation(detail: str, instance: str | None = None) -> dict[str, Any]:
    return problem("validation", "model-validation-error", "Model validation error", detail, instance)


def access_denied(instance: str | None = None) -> dict[str, Any]:
    # Criteo does not tell "missing" from "not yours": both are 403 (api-contracts §3 HTTP errors).
    return problem("authorization", "access-denied", "Access denied",
                   "The resource does not exist or you are not authorized to access it.", instance)


class CriteoBackend:
    """Campaigns (collection "campaigns", stored with a plain amount and a sandbox-only `spent`),
    issued OAuth tokens ("tokens") and advertisers whose consent was withdrawn."""

    def __init__(self, store: Store, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.clock = clock

    # -- OAuth2 client credentials --------------------------------------------------------
    def issue_token(self, client_id: str, client_secret: str) -> dict[str, Any]:
        token = secrets.token_urlsafe(32)
        self.store.put(TOKENS, token, {"clientId": client_id, "expiresAt": self.clock() + TOKEN_SECONDS})
        return {"access_token": token, "token_type": "Bearer", "expires_in": TOKEN_SECONDS}

    def check_token(self, token: str) -> None:
        issued = self.store.get(TOKENS, token) if token else None
        if issued is None:
            raise failure(401, problem("authentication", "authorization-token-invalid",
                                       "Authorization token is invalid", "The access token is missing or unknown."))
        if self.clock() >= issued["expiresAt"]:
            raise failure(401, problem("authentication", "authorization-token-expired",
                                       "Authorization token has expired", "Generate another access token."))

    def withdraw_consent(self, advertiser_id: str) -> None:
        """Sandbox-only: the advertiser no longer grants this application access."""
        self.store.put(NO_CONSENT, advertiser_id, True)

    # -- campaigns ----------------------------------------------------------------------
    def create_campaign(self, attributes: Any, campaign_id: str | None = None) -> dict[str, Any]:
        """Create from a CreateCampaign model; `campaign_id` lets a test seed a documented id."""
        record = self._validated_create(attributes)
        if not self._accessible(record["advertiserId"]):
            raise failure(403, access_denied())
        record["id"] = campaign_id or self._next_id()
        self._save(record)
        return render(record)

    def get_campaign(self, campaign_id: str) -> dict[str, Any]:
        record = self._find(campaign_id)
        if record is None:
            raise failure(403, access_denied())
        return render(record)

    def search_campaigns(self, advertiser_ids: list[str] | None = None,
                         campaign_ids: list[str] | None = None) -> list[dict[str, Any]]:
        records = [r for r in self.store.values(CAMPAIGNS) if self._accessible(r["advertiserId"])]
        for key, wanted in (("advertiserId", advertiser_ids), ("id", campaign_ids)):
            if wanted:
                # Invalid values are ignored, as documented; a filter of only invalid values matches nothing.
                valid = {value for value in wanted if value.isdigit()}
                records = [r for r in records if r[key] in valid]
        return [render(r) for r in sorted(records, key=lambda r: int(r["id"]))]

    def patch_campaigns(self, items: list[Any]) -> dict[str, Any]:
        """Each item succeeds or fails on its own; the answer is 200 either way (doc 002)."""
        data, errors, warnings = [], [], []
        ids = [item.get("id") if isinstance(item, dict) else None for item in items]
        for index, item in enumerate(items):
            instance = f"@data/{index}"
            item_id = ids[index]
            if item_id is not None and ids.count(item_id) > 1:
                errors.append(problem("validation", CHECK + "cannot-update-same-campaign-multiple-times",
                                      "Cannot update same campaign multiple times",
                                      "The Campaign is included multiple times in the same update payload.",
                                      instance))
                continue
            try:
                record, warning = self._patched(item, instance)
            except _ItemError as item_error:
                errors.append(item_error.problem)
                continue
            self._save(record)
            data.append({"type": "Campaign", "id": record["id"]})
            warnings.extend(warning)
        return {"data": data, "errors": errors, "warnings": warnings}

    def ui_edit(self, campaign_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        """A person edits the campaign in Criteo's UI: no API rules, but the object stays well-formed."""
        record = self.store.get(CAMPAIGNS, campaign_id)
        if record is None:
            raise KeyError(campaign_id)
        record = dict(record)
        for key, value in changes.items():
            if key == "goal":
                record["goal"] = str(value).lower()
            elif key == "spendLimit":
                record["spendLimit"] = merged_loosely(record["spendLimit"], value)
            elif key == "budgetAutomation":
                record["budgetAutomation"] = automation_loosely(record["budgetAutomation"], value)
            elif key in ("name", "spent"):
                record[key] = value
            else:
                raise KeyError(f"Campaign has no editable field {key!r}")
        self._save(record)
        return render(record)

    # -- rules ----------------------------------------------------------------------------
    def _validated_create(self, attributes: Any) -> dict[str, Any]:
        if not isinstance(attributes, dict):
            raise failure(400, validation("data.attributes is required", "@data/attributes"))
        problems = []
        advertiser = attributes.get("advertiserId")
        if not isinstance(advertiser, str) or not advertiser.isdigit():
            problems.append(validation("advertiserId must be a string-encoded integer",
                                       "@data/attributes/advertiserId"))
        name = attributes.get("name")
        if not isinstance(name, str) or not name.strip():
            problems.append(validation("name is required", "@data/attributes/name"))
        if attributes.get("goal") not in GOALS:
            problems.append(validation(f"goal must be one of {', '.join(GOALS)}", "@data/attributes/goal"))
        try:
            limit = create_spend_limit(attributes.get("spendLimit"))
            budget_automation = parse_automation(attributes.get("budgetAutomation"), current=None)
        except Invalid as bad:
            problems.append(validation(str(bad), f"@data/attributes/{bad.field}"))
        if problems:
            raise failure(400, *problems)
        return {"advertiserId": advertiser, "name": name, "goal": attributes["goal"].lower(),
                "spendLimit": limit, "budgetAutomation": budget_automation, "spent": 0.0}

    def _patched(self, item: Any, instance: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        if not isinstance(item, dict) or not isinstance(item.get("id"), str) or not item["id"]:
            raise _ItemError(validation("The campaign id is required.", instance))
        if item.get("type", "Campaign") != "Campaign":
            raise _ItemError(validation("type must be Campaign", instance))
        record = self._find(item["id"])
        if record is None:
            raise _ItemError(access_denied(instance))
        attributes = item.get("attributes") or {}
        if not isinstance(attributes, dict):
            raise _ItemError(validation("attributes must be an object", instance))
        for field in CREATE_ONLY:
            if field in attributes:
                raise _ItemError(validation(f"{field} cannot be updated; it is set at creation only", instance))
        record = dict(record)
        warnings: list[dict[str, Any]] = []
        if attributes.get("spendLimit") is not None:
            try:
                record["spendLimit"], warn = patch_spend_limit(record["spendLimit"], attributes["spendLimit"],
                                                                record.get("spent", 0.0))
            except Rejected as rejected:
                raise _ItemError(problem("validation", CHECK + rejected.code, rejected.title,
                                         rejected.detail, instance)) from None
            if warn:
                warnings.append(problem("validation", CHECK + warn.code, warn.title, warn.detail, instance))
        if attributes.get("budgetAutomation") is not None:
            try:
                record["budgetAutomation"] = parse_automation(attributes["budgetAutomation"],
                                                                   current=record["budgetAutomation"])
            except Invalid as bad:
                raise _ItemError(validation(str(bad), instance)) from None
        return record, warnings

    def _find(self, campaign_id: str) -> dict[str, Any] | None:
        record = self.store.record(CAMPAIGNS, campaign_id)
        if record is None or not self._accessible(record["advertiserId"]):
            return None
        return record

    def _accessible(self, advertiser_id: str) -> bool:
        return self.store.get(NO_CONSENT, advertiser_id) is None

    def _save(self, record: dict[str, Any]) -> None:
        self.store.put(CAMPAIGNS, record["id"], record)

    def _next_id(self) -> str:
        next_id = self.store.get(META, "next_id") or FIRST_ID
        while self.store.get(CAMPAIGNS, str(next_id)) is not None:  # a seeded id may sit in the way
            next_id += 1
        self.store.put(META, "next_id", next_id + 1)
        return str(next_id)


class _ItemError(Exception):
    def __init__(self, entry: dict[str, Any]) -> None:
        super().__init__(entry["code"])
        self.problem = entry


def render(record: dict[str, Any]) -> dict[str, Any]:
    """The read model CampaignV23Q1Resource: lower-case goal, wrapped amount, read-side automation names."""
    limit = record["spendLimit"]
    automation = record["budgetAutomation"]
    objective = automation.get("objective")
    attributes = {
        "id": record["id"], "advertiserId": record["advertiserId"], "name": record["name"],
        "goal": record["goal"],
        "spendLimit": {"spendLimitType": limit["spendLimitType"], "spendLimitRenewal": limit["spendLimitRenewal"],
                       "spendLimitAmount": {"value": limit["spendLimitAmount"]}},
        "budgetAutomation": {"enabled": automation["enabled"],
                             "automatedBudgetConfiguration": (
                                 {"adSetOptimizationObjective": objective} if automation["enabled"] else None)},
    }
    return {"id": record["id"], "type": "Campaign", "attributes": attributes}


# -- spend limit and budget automation rules -------------------------------------------------
class Invalid(ValueError):
    """A value the model refuses; `field` names where, for the error's instance pointer."""

    def __init__(self, message: str, field: str = "spendLimit") -> None:
        super().__init__(message)
        self.field = field


class Rejected(Exception):
    """A documented campaign-update-check outcome (error or warning), without the code prefix."""

    def __init__(self, code: str, title: str, detail: str) -> None:
        super().__init__(code)
        self.code, self.title, self.detail = code, title, detail


def _spend_limit_failed(detail: str) -> Rejected:
    return Rejected("validation-failed-on-spend-limit", "Validation failed on spend limit", detail)


def parse_amount(value: Any) -> float | None:
    """The amount in either wire form: plain (create, docs guide) or wrapped NillableDecimal (spec)."""
    if isinstance(value, dict) and set(value) <= {"value"}:
        value = value.get("value")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise Invalid("spendLimitAmount must be a number, null or {\"value\": number}", "spendLimit/spendLimitAmount")
    return value


def create_spend_limit(spec: Any) -> dict[str, Any]:
    if not isinstance(spec, dict):
        raise Invalid("spendLimit is required")
    kind, renewal = spec.get("spendLimitType"), spec.get("spendLimitRenewal")
    value = parse_amount(spec.get("spendLimitAmount"))
    if kind == "capped":
        if value is None or value < 0:
            raise Invalid("a capped spend limit needs a non-negative spendLimitAmount", "spendLimit/spendLimitAmount")
        if renewal not in CAPPED_RENEWALS:
            raise Invalid("a capped spend limit needs spendLimitRenewal daily, monthly or lifetime",
                          "spendLimit/spendLimitRenewal")
    elif kind == "uncapped":
        if value is not None or renewal not in (None, "undefined"):
            raise Invalid("an uncapped spend limit takes no amount and renewal undefined")
    else:
        raise Invalid("spendLimitType must be capped or uncapped", "spendLimit/spendLimitType")
    return {"spendLimitType": kind, "spendLimitRenewal": renewal if kind == "capped" else "undefined",
            "spendLimitAmount": value}


def patch_spend_limit(current: dict[str, Any], spec: Any, spent: float) -> tuple[dict[str, Any], Rejected | None]:
    """Apply a PatchCampaignSpendLimit: only the fields sent change. Returns the new limit and a warning."""
    if not isinstance(spec, dict):
        raise _spend_limit_failed("spendLimit must be an object")
    kind, renewal = spec.get("spendLimitType"), spec.get("spendLimitRenewal")
    if kind not in (None, "capped", "uncapped") or renewal not in (None, *RENEWALS):
        raise _spend_limit_failed("Unknown spendLimitType or spendLimitRenewal.")
    try:
        value = parse_amount(spec.get("spendLimitAmount"))
    except Invalid as bad:
        raise _spend_limit_failed(str(bad)) from None
    sets_limit = value is not None or renewal not in (None, "undefined")
    if (kind or current["spendLimitType"]) == "uncapped":
        if sets_limit and kind is None:
            raise Rejected("spend-limit-does-not-exist", "Spend limit does not exist",
                           "The Campaign has no spend limit (it is uncapped).")
        if sets_limit:
            raise _spend_limit_failed("An uncapped spend limit takes no amount and renewal undefined.")
        return {"spendLimitType": "uncapped", "spendLimitRenewal": "undefined", "spendLimitAmount": None}, None
    new_amount = value if "spendLimitAmount" in spec else current["spendLimitAmount"]
    new_renewal = renewal or current["spendLimitRenewal"]
    if new_amount is None or new_amount < 0 or new_renewal not in CAPPED_RENEWALS:
        raise _spend_limit_failed("There was an issue with the spend limit value specified.")
    changed = (new_amount, new_renewal) != (current["spendLimitAmount"], current["spendLimitRenewal"])
    new = {"spendLimitType": "capped", "spendLimitRenewal": new_renewal, "spendLimitAmount": new_amount}
    if changed and new_amount < spent and new_renewal == "lifetime":
        raise Rejected("cannot-decrease-lifetime-spend-limit-below-what-is-already-spent",
                       "Cannot decrease lifetime spend limit below what is already spent",
                       f"{spent} has already been spent.")
    if changed and new_amount < spent:
        return new, Rejected("new-spend-limit-amount-will-take-place-at-the-next-period-start",
                             "New spend limit amount will take place at the next period start",
                             "The amount already spent in this period is above the new spend limit.")
    return new, None


def parse_automation(spec: Any, current: dict[str, Any] | None) -> dict[str, Any]:
    """Stored as {enabled, objective}; the write model says `budgetConfiguration.adSetObjectives`."""
    if spec is None:
        return {"enabled": False, "objective": None}
    if not isinstance(spec, dict):
        raise Invalid("budgetAutomation must be an object", "budgetAutomation")
    # Documented: "If enabled is omitted and only budgetConfiguration is provided, enabled defaults to false".
    enabled = spec.get("enabled", False)
    config = spec.get("budgetConfiguration")
    objective = (current or {}).get("objective")
    if not isinstance(enabled, bool) or (config is not None and not isinstance(config, dict)):
        raise Invalid("budgetAutomation.enabled must be a boolean", "budgetAutomation")
    if config is not None:
        objective = config.get("adSetObjectives")
    if objective not in (None, *OBJECTIVES) or (enabled and objective is None):
        raise Invalid(f"budgetConfiguration.adSetObjectives must be one of {', '.join(OBJECTIVES)}",
                      "budgetAutomation/budgetConfiguration")
    return {"enabled": enabled, "objective": objective}


def merged_loosely(current: dict[str, Any], change: dict[str, Any]) -> dict[str, Any]:
    """A UI edit of the spend limit: any field, either amount form, normalised to a well-formed limit."""
    merged = {**current, **change}
    merged["spendLimitAmount"] = parse_amount(merged.get("spendLimitAmount"))
    if merged["spendLimitType"] == "uncapped":
        merged.update(spendLimitRenewal="undefined", spendLimitAmount=None)
    elif merged["spendLimitAmount"] is None or merged["spendLimitRenewal"] not in CAPPED_RENEWALS:
        raise ValueError("a capped spend limit needs an amount and a daily/monthly/lifetime renewal")
    return merged


def automation_loosely(current: dict[str, Any], change: dict[str, Any]) -> dict[str, Any]:
    """A UI edit of budget automation, in the read or the write names."""
    objective = ((change.get("automatedBudgetConfiguration") or {}).get("adSetOptimizationObjective")
                 or (change.get("budgetConfiguration") or {}).get("adSetObjectives") or current.get("objective"))
    return {"enabled": bool(change.get("enabled", current["enabled"])), "objective": objective}
