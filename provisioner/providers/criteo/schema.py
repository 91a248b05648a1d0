"""Criteo settings and campaign as users write them: spend limits in decimal advertiser currency,
create-time casing for goal, and the capped/uncapped rules of CreateCampaignSpendLimit."""

# Annotations are evaluated as the classes are made (no `from __future__ import annotations`): pydantic
# would otherwise compile each field's annotation from its text, ~2.5 M instructions of a cold `validate`.

from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, SecretStr, model_validator

from provisioner.providers.base import CampaignModel, MoneySettings
from provisioner.providers.money import money_check, scaled

if TYPE_CHECKING:  # records.py loads on first use: `validate` needs none
    from provisioner.providers.records import Commitment


class CriteoSettings(MoneySettings):
    credentials: ClassVar[tuple[str, ...]] = ("client_id", "client_secret")
    client_id: str = Field(min_length=1, description="OAuth client id (may be ${env:NAME})")
    client_secret: SecretStr = Field(description="OAuth client secret, as ${env:NAME}")
    advertiser_id: str = Field(pattern=r"^[0-9]+$", description="string-encoded integer")
    api_version: str = Field(default="2026-07", pattern=r"^(\d{4}-\d{2}|preview)$")
    batch_size: int = Field(default=50, ge=1, le=50, description="campaigns per PATCH request")


# Criteo holds the amount as a double (exact to ~15 significant digits) and bills in cents: two
# decimal places, and less than a trillion of any currency, which no spend limit approaches.
SpendAmount = Annotated[Decimal, AfterValidator(money_check(places=2, below=Decimal("1e12")))]


class _Strict(BaseModel):
    # built on first validation, like the campaign models: a warm load validates none of them
    model_config = ConfigDict(extra="forbid", defer_build=True)


class SpendLimit(_Strict):
    spendLimitType: Literal["capped", "uncapped"]
    spendLimitRenewal: Literal["undefined", "daily", "monthly", "lifetime"] | None = None
    spendLimitAmount: Annotated[SpendAmount, Field(description="decimal, advertiser currency")] | None = None

    @model_validator(mode="after")
    def _capped_rules(self) -> "SpendLimit":
        if self.spendLimitType == "capped":
            if self.spendLimitAmount is None:
                raise ValueError("a capped spend limit needs spendLimitAmount")
            if self.spendLimitRenewal in (None, "undefined"):
                raise ValueError("a capped spend limit needs spendLimitRenewal daily, monthly or lifetime")
        else:
            if self.spendLimitAmount is not None:
                raise ValueError("spendLimitAmount is only allowed when spendLimitType is capped")
            if self.spendLimitRenewal not in (None, "undefined"):
                raise ValueError("an uncapped spend limit has spendLimitRenewal undefined")
        return self


class BudgetConfiguration(_Strict):
    adSetObjectives: Literal["conversions", "revenue", "visits", "videoViews"]


class BudgetAutomation(_Strict):
    enabled: bool = False
    budgetConfiguration: BudgetConfiguration | None = None


class CriteoCampaign(CampaignModel):
    """One Criteo campaign of the instance's advertiser."""

    create_only: ClassVar[dict[str, str]] = {
        "name": "Criteo's PatchCampaign has no name: it is fixed at creation",
        "goal": "Criteo's PatchCampaign has no goal: it is fixed at creation",
    }

    name: str = Field(min_length=1, max_length=255)
    goal: Literal["Acquisition", "Retention"]
    spendLimit: SpendLimit
    budgetAutomation: BudgetAutomation | None = None
    money_fields: ClassVar[tuple[str, ...] | None] = ("spendLimit",)

    @classmethod
    def commitments(cls, fields: Mapping[str, Any], currency: str | None) -> "list[Commitment]":
        # A capped spend limit commits its amount (decimal, advertiser currency) per renewal; an
        # uncapped one has no limit. Criteo campaigns have no status, so they are always active.
        from provisioner.providers.records import Commitment

        limit = fields.get("spendLimit")
        if not isinstance(limit, Mapping) or limit.get("spendLimitType") is None:
            return []
        if limit["spendLimitType"] == "uncapped":
            return [Commitment("lifetime", None, capped=False)]
        amount = limit.get("spendLimitAmount")
        major = scaled(Decimal(str(amount)), currency) if currency and amount is not None else None
        return [Commitment(str(limit.get("spendLimitRenewal")), major)]
