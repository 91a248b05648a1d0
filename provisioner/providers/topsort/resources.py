"""Topsort campaigns through the provider capabilities: Lists, Finds, Updates, Retires.

The workspace key is written to externalCampaignId, so identity survives a lost state file.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from provisioner.errors import ProviderError
from provisioner.providers.base import LaunchSwitch, LiveCampaign
from provisioner.providers.topsort.schema import TopsortSettings
from provisioner.providers.wire import expect_id, optional_text

if TYPE_CHECKING:  # the client (and httpx) load on connect: `validate` reads only the schema
    from provisioner.providers.http import HttpContext
    from provisioner.providers.records import (
        CreateRequest,
        CreateResult,
        Skip,
        UpdateRequest,
        UpdateResult,
    )

SERVER_MANAGED_BUDGET = ("amountRemaining", "amountCarryover", "amountUsed")


def to_live(campaign: dict[str, Any]) -> LiveCampaign:
    """A campaign of an answer (which is read once: its budget object is narrowed in place).

    Members that are null are left out: everything that reads live fields asks with `.get`, where a
    null member and an absent one both read None, and a listed campaign has 10 of its 31 members
    null: the dict of the others has half the table (18 MB of the plan's peak at 50,000 campaigns).
    tests/providers/test_lean_live_fields.py plans with both forms and compares."""
    campaign_id = expect_id(campaign, "campaignId", "Topsort campaign in the list answer")
    fields = {name: value for name, value in campaign.items() if value is not None}
    budget = fields.get("budget")
    if isinstance(budget, dict):
        for name in SERVER_MANAGED_BUDGET:
            budget.pop(name, None)
    return LiveCampaign(id=campaign_id, fields=fields,
                        key=optional_text(campaign.get("externalCampaignId")),
                        name=optional_text(campaign.get("name")))


# What `import` writes: the fields a user manages (adFormat only when not the default listing; the
# platform-set chargeType, walletId and status are left to the platform). bids are create-only
# input the list never returns, so an imported campaign declares none.
IMPORTED = ("name", "budget", "startDate", "endDate", "isActive", "campaignType")
IMPORTED_WHEN_SET = ("targetRoas", "autobiddingObjective", "multiplierConfig", "targetingFilters", "exclusionFilters")


def to_config(live: LiveCampaign) -> dict[str, Any] | Skip:
    """A listed campaign as workspace YAML fields (money stays integer minor units)."""
    fields = live.fields
    if not fields.get("startDate") or not fields.get("endDate"):
        from provisioner.providers.records import Skip  # records.py loads on first use: `validate` needs none

        return Skip("it has no startDate or endDate")
    config = {name: fields[name] for name in IMPORTED if fields.get(name) is not None}
    if fields.get("adFormat") not in (None, "listing"):
        config["adFormat"] = fields["adFormat"]
    config |= {name: fields[name] for name in IMPORTED_WHEN_SET if fields.get(name) is not None}
    config |= {flag: True for flag in ("isSmart", "isAutoTrigger") if fields.get(flag) is True}
    return config


def _wire(values: dict[str, Any]) -> dict[str, Any]:
    """Config values → request body: targetRoas is a JSON number (a ratio, not money)."""
    body = dict(values)
    if body.get("targetRoas") is not None:
        body["targetRoas"] = Decimal(str(body["targetRoas"]))
    return body


# Topsort creates a campaign inactive with `isActive: false` and switches it on with a PATCH.
LAUNCH_SWITCH = LaunchSwitch(paused={"isActive": False}, active={"isActive": True})


class TopsortSession:
    @staticmethod
    def launch_switch() -> LaunchSwitch:
        return LAUNCH_SWITCH

    def __init__(self, settings: TopsortSettings, context: HttpContext) -> None:
        from provisioner.providers.topsort.client import TopsortClient

        self.client = TopsortClient(settings, context)
        self.settings = settings

    def list_campaigns(self) -> list[LiveCampaign]:
        return [to_live(c) for c in self.client.list_campaigns()]

    def find_campaign(self, key: str, desired: dict[str, Any]) -> LiveCampaign | None:
        # No lookup-by-external-id endpoint exists: list the vendor's campaigns and match.
        return next((c for c in self.list_campaigns() if c.key == key), None)

    def create_campaign(self, request: CreateRequest) -> CreateResult:
        from provisioner.providers.records import CreateResult

        body = _wire(request.desired) | {"externalCampaignId": request.key}
        return CreateResult(to_live(self.client.create_campaign(body)))

    def update_campaign(self, request: UpdateRequest) -> UpdateResult:
        from provisioner.providers.records import UpdateResult

        try:
            self.client.update_campaign(request.id, _wire(request.changes))
        except ProviderError as error:
            return UpdateResult(request.key, request.id, error=error)
        return UpdateResult(request.key, request.id)

    def retire_campaign(self, campaign_id: str, key: str) -> None:
        if self.settings.retire_with_delete:
            self.client.delete_campaign(campaign_id)
        else:
            self.client.update_campaign(campaign_id, {"isActive": False})

    def close(self) -> None:
        self.client.close()
