"""Topsort settings and campaign as users write them: money in integer minor units, the
platform's own field names, and the documented ranges and cross-field rules."""

# Annotations are evaluated as the classes are made (no `from __future__ import annotations`): pydantic
# would otherwise compile each field's annotation from its text, ~2.5 M instructions of a cold `validate`.

from collections.abc import Mapping
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, SecretStr, StrictInt, model_validator

from provisioner.providers.base import CampaignModel, MoneySettings, parse_moment
from provisioner.providers.money import from_minor

if TYPE_CHECKING:  # records.py loads on first use: `validate` needs none
    from provisioner.providers.records import Commitment, Flight, Observed

# Topsort's money is int64 minor units, documented below 2e9 for budgets (api-contracts §6); bids get
# the same bound: a bid above the largest budget is a typo.
MinorUnits = Annotated[StrictInt, Field(ge=0, lt=2_000_000_000, description="integer minor currency units")]


# how far from the creation time a rewritten start date may be (the platform's "now" is the create call's)
REWRITE_SLACK = timedelta(minutes=10)


class TopsortSettings(MoneySettings):
    credentials: ClassVar[tuple[str, ...]] = ("api_key",)
    api_key: SecretStr = Field(description="Advanced API key, as ${env:NAME}")
    vendor_id: str = Field(min_length=1, description="the vendor campaigns are created for")
    page_size: int = Field(default=100, ge=1, le=500)
    retire_with_delete: bool = Field(default=False, description="--prune DELETEs instead of isActive: false")


class _Strict(BaseModel):
    # built on first validation, like the campaign models: a warm load validates none of them
    model_config = ConfigDict(extra="forbid", defer_build=True)


class Budget(_Strict):
    amount: MinorUnits
    type: Literal["daily", "weekly", "monthly", "total"]


class BidTarget(_Strict):
    type: Literal["product", "vendor"]
    id: str = Field(min_length=1)


class Bid(_Strict):
    amount: Annotated[StrictInt, Field(ge=1, lt=2_000_000_000, description="integer minor currency units")]
    target: BidTarget
    trigger: dict[str, Any] | None = None
    location: dict[str, Any] | None = None
    formatProperties: dict[str, Any] | None = None


class TopsortCampaign(CampaignModel):
    """One Topsort campaign; its workspace key becomes externalCampaignId."""

    create_only: ClassVar[dict[str, str]] = {
        "adFormat": "Topsort cannot change a campaign's adFormat after creation",
        "walletId": "the update endpoint does not accept walletId",
    }
    not_compared: ClassVar[frozenset[str]] = frozenset({"bids"})
    required_on_create: ClassVar[frozenset[str]] = frozenset({"bids"})  # the list never returns bids

    name: str = Field(min_length=1)
    budget: Budget | None = None
    startDate: AwareDatetime
    endDate: AwareDatetime
    bids: list[Bid] | None = Field(default=None, min_length=1, description=(
        "sent on create only (required there); managed later via bids endpoints; an imported campaign has none"))
    isActive: bool | None = None
    isSmart: bool | None = None
    isAutoTrigger: bool | None = None
    campaignType: Literal["manual", "autobidding", "exclusive"] | None = None
    adFormat: Literal["listing", "banner"] | None = None
    chargeType: Literal["CPM", "CPC"] | None = None
    targetRoas: Annotated[Decimal, Field(ge=Decimal("0.5"), le=Decimal("20"))] | None = None
    productIds: Annotated[list[str], Field(min_length=1, max_length=200)] | None = None
    autobiddingObjective: Literal["impressions", "clicks", "conversions", "revenue"] | None = None
    walletId: str | None = None
    multiplierConfig: dict[str, Any] | None = None
    targetingFilters: dict[str, Any] | None = None
    exclusionFilters: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _cross_field_rules(self) -> "TopsortCampaign":
        if self.endDate <= self.startDate:
            raise ValueError("endDate must be after startDate")
        if self.productIds is not None and self.adFormat != "banner":
            raise ValueError("productIds is only allowed for banner campaigns (adFormat: banner)")
        return self

    @classmethod
    def update_blocker(cls, field_name: str, live: Any, desired: Any) -> str | None:
        if field_name == "campaignType" and desired != "autobidding":
            return "Topsort can only change campaignType to autobidding"
        return super().update_blocker(field_name, live, desired)

    past_start_note: ClassVar[str] = "Topsort sets a start date in the past to the creation time"
    budget_paths: ClassVar[tuple[str, ...]] = ("budget.amount",)
    money_fields: ClassVar[tuple[str, ...] | None] = ("budget", "isActive")

    @classmethod
    def commitments(cls, fields: Mapping[str, Any], currency: str | None) -> "list[Commitment]":
        # budget.amount is integer minor units: the currency's exponent makes it major units, and
        # an inactive campaign (isActive: false) spends nothing. Topsort creates active by default.
        from provisioner.providers.records import Commitment

        budget = fields.get("budget")
        if not isinstance(budget, Mapping) or budget.get("type") is None:
            return []
        amount = budget.get("amount")
        major = from_minor(int(amount), currency) if currency and isinstance(amount, int) else None
        return [Commitment(str(budget["type"]), major, active=fields.get("isActive") is not False)]

    @classmethod
    def flight(cls, fields: Mapping[str, Any]) -> "Flight | None":
        from provisioner.providers.records import Flight

        return Flight(parse_moment(fields.get("startDate")), parse_moment(fields.get("endDate")),
                      "startDate", "endDate")

    @classmethod
    def platform_rewrite(cls, field_name: str, declared: Any, live: Any, observed: "Observed") -> str | None:
        # Documented: "If the start date is in the past, it will be set to the current date." Only
        # that rewrite is the platform's: a past declared start, live now at about the creation time.
        # Any other move of the start date (a person moving a running campaign's start) is a change.
        if field_name != "startDate":
            return None
        wanted, actual = parse_moment(declared), parse_moment(live)
        created = parse_moment(observed.live.get("createdAt")) or observed.created_at
        if wanted is None or actual is None or created is None:
            return None
        if wanted < created - REWRITE_SLACK and abs(actual - created) <= REWRITE_SLACK:
            return "Topsort set the start date, which was in the past at creation, to the creation time"
        return None
