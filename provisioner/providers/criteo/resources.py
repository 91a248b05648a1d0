"""Criteo campaigns through the capabilities Lists, Finds and BatchUpdates.

Config vocabulary ↔ wire: the create request takes a plain spendLimitAmount and capitalised goal;
reads wrap the amount as {"value": n} and lower-case the goal; PATCH takes only spendLimit and
budgetAutomation, and we send the wrapped amount (the spec's form, api-contracts.md §8).
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from provisioner.errors import ProviderError
from provisioner.providers.base import LiveCampaign
from provisioner.providers.criteo.errors import item_index, problem_text
from provisioner.providers.criteo.schema import CriteoSettings
from provisioner.providers.wire import expect_id, expect_object, optional_text

if TYPE_CHECKING:  # the client (and httpx) load on connect: `validate` reads only the schema
    from provisioner.providers.http import HttpContext
    from provisioner.providers.records import (
        CreateRequest,
        CreateResult,
        Skip,
        UpdateRequest,
        UpdateResult,
    )

GOALS = {"unspecified": "Unspecified", "acquisition": "Acquisition", "retention": "Retention"}


def _unwrap(amount: Any) -> Any:
    return amount.get("value") if isinstance(amount, dict) else amount


def to_live(resource: dict[str, Any]) -> LiveCampaign:
    what = "Criteo campaign"
    campaign_id = expect_id(resource, "id", what)
    what = f"Criteo campaign {campaign_id}"
    attributes = expect_object(resource.get("attributes") or {}, what, "'attributes' to be an object")
    fields: dict[str, Any] = {"name": attributes.get("name")}
    goal = attributes.get("goal")
    fields["goal"] = GOALS.get(str(goal).lower(), goal)
    spend = dict(expect_object(attributes.get("spendLimit") or {}, what, "'spendLimit' to be an object"))
    if "spendLimitAmount" in spend:
        spend["spendLimitAmount"] = _unwrap(spend["spendLimitAmount"])
    fields["spendLimit"] = spend
    automation = attributes.get("budgetAutomation")
    if isinstance(automation, dict):
        config = automation.get("automatedBudgetConfiguration") or {}
        objective = config.get("adSetOptimizationObjective") if isinstance(config, dict) else None
        fields["budgetAutomation"] = {"enabled": automation.get("enabled", False),
                                      "budgetConfiguration": {"adSetObjectives": objective} if objective else None}
    return LiveCampaign(id=campaign_id, fields=fields, name=optional_text(attributes.get("name")))


def to_config(live: LiveCampaign) -> dict[str, Any] | Skip:
    """A listed campaign as workspace YAML fields; the amount stays the exact decimal Criteo gave."""
    fields = live.fields
    if fields.get("goal") not in ("Acquisition", "Retention"):
        from provisioner.providers.records import Skip  # records.py loads on first use: `validate` needs none

        return Skip(f"its goal {fields.get('goal')!r} cannot be declared (Acquisition or Retention)")
    spend = {k: v for k, v in (fields.get("spendLimit") or {}).items() if v is not None}
    if spend.get("spendLimitType") == "uncapped":
        spend = {"spendLimitType": "uncapped"}  # renewal "undefined" and no amount: nothing to declare
    config: dict[str, Any] = {"name": fields.get("name"), "goal": fields["goal"], "spendLimit": spend}
    automation = fields.get("budgetAutomation") or {}
    if automation.get("enabled"):
        config["budgetAutomation"] = {k: v for k, v in automation.items() if v is not None}
    return config


def _spend_limit(spend: dict[str, Any], wrapped: bool) -> dict[str, Any]:
    amount = spend.get("spendLimitAmount")
    value = Decimal(str(amount)) if amount is not None else None
    return {"spendLimitType": spend["spendLimitType"],
            "spendLimitRenewal": spend.get("spendLimitRenewal") or "undefined",
            "spendLimitAmount": {"value": value} if wrapped else value}


class CriteoSession:
    def __init__(self, settings: CriteoSettings, context: HttpContext) -> None:
        from provisioner.providers.criteo.client import CriteoClient

        self.client = CriteoClient(settings, context)
        self.settings = settings

    def list_campaigns(self) -> list[LiveCampaign]:
        return [to_live(r) for r in self.client.search_campaigns()]

    def find_campaign(self, key: str, desired: dict[str, Any]) -> LiveCampaign | None:
        matches = [c for c in self.list_campaigns() if c.name == desired.get("name")]
        return matches[0] if len(matches) == 1 else None

    def create_campaign(self, request: CreateRequest) -> CreateResult:
        from provisioner.providers.records import CreateResult

        desired = request.desired
        attributes: dict[str, Any] = {"advertiserId": self.settings.advertiser_id, "name": desired["name"],
                                      "goal": desired["goal"],
                                      "spendLimit": _spend_limit(desired["spendLimit"], wrapped=False)}
        if desired.get("budgetAutomation") is not None:
            attributes["budgetAutomation"] = desired["budgetAutomation"]
        body = self.client.create_campaign(attributes)
        warnings = [problem_text(w) for w in body.get("warnings") or []]
        return CreateResult(to_live(body["data"]), warnings=warnings)

    @property
    def batch_size(self) -> int:
        """Campaigns per PATCH: the applier sends batches of this size concurrently."""
        return self.settings.batch_size

    def update_campaigns(self, requests: list[UpdateRequest]) -> list[UpdateResult]:
        results: list[UpdateResult] = []
        size = self.settings.batch_size
        for start in range(0, len(requests), size):
            results.extend(self._patch_batch(requests[start:start + size]))
        return results

    def _patch_batch(self, batch: list[UpdateRequest]) -> list[UpdateResult]:
        from provisioner.providers.records import UpdateResult

        items = [{"type": "Campaign", "id": r.id, "attributes": self._patch_attributes(r.changes)} for r in batch]
        try:
            _, envelope = self.client.patch_campaigns(items)
        except ProviderError as failure:
            return [UpdateResult(r.key, r.id, error=failure) for r in batch]
        errors: dict[int, ProviderError] = {}
        warnings: dict[int, list[str]] = {}
        for problem in envelope.get("errors") or []:
            index = item_index(problem)
            if index is not None and 0 <= index < len(batch):
                errors[index] = ProviderError(problem_text(problem), code=problem.get("code"), status=200)
        for problem in envelope.get("warnings") or []:
            index = item_index(problem)
            if index is not None and 0 <= index < len(batch):
                warnings.setdefault(index, []).append(problem_text(problem))
        confirmed = {str(d.get("id")) for d in envelope.get("data") or []}
        results = []
        for index, request in enumerate(batch):
            error = errors.get(index)
            if error is None and request.id not in confirmed:
                error = ProviderError("Criteo neither confirmed nor rejected this update", code="unconfirmed")
            results.append(UpdateResult(request.key, request.id, error=error, warnings=warnings.get(index, [])))
        return results

    @staticmethod
    def _patch_attributes(changes: dict[str, Any]) -> dict[str, Any]:
        attributes: dict[str, Any] = {}
        if "spendLimit" in changes:
            attributes["spendLimit"] = _spend_limit(changes["spendLimit"], wrapped=True)
        if "budgetAutomation" in changes:
            attributes["budgetAutomation"] = changes["budgetAutomation"]
        return attributes

    def close(self) -> None:
        self.client.close()
