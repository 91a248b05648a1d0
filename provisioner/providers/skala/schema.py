"""Skala settings and campaign orders as users write them: company and campaign type by id (or
name where the login may read them), ISO dates, field values keyed by their field's reference,
and one of the three budget modes with customBudget in decimal major units."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, SecretStr, StrictInt, model_validator

from provisioner.providers.base import CampaignModel, Commitment, Flight, MoneySettings, parse_moment
from provisioner.providers.money import money_check, scaled

FieldType = Literal["FREETEXT", "SELECT", "PICTURE", "VIDEO", "MODEL"]
AdPlatform = Literal["FACEBOOK", "ADFORM", "LINKEDIN", "SNAPCHAT"]
Id = Annotated[StrictInt, Field(ge=1)]
# Skala documents no money format (api-contracts §2); a budget in major units of the brand's currency
# has cents at most, and stays below a trillion: anything else is a typo, never a budget.
BudgetAmount = Annotated[Decimal, AfterValidator(money_check(places=2, below=Decimal("1e12"), positive=True))]


class SkalaSettings(MoneySettings):
    credentials: ClassVar[tuple[str, ...]] = ("username", "password")
    username: str = Field(min_length=1, description="Skala login (may be ${env:NAME})")
    password: SecretStr = Field(description="Skala password, as ${env:NAME}")
    brand_id: int = Field(ge=1, description="the brand whose campaign orders this instance manages")
    # api-contracts.md §8 choices for what the gateway leaves undocumented, kept configurable
    token_header: str = Field(default="token", min_length=1, description="header carrying the user token")
    token_field: str = Field(default="token", min_length=1, description="login answer field holding it")


class _Strict(BaseModel):
    # built on first validation, like the campaign models: a warm load validates none of them
    model_config = ConfigDict(extra="forbid", defer_build=True)


class Ref(_Strict):
    """A referenced object by id, or by name where this login can read the list (see prepare)."""

    id: Id | None = None
    name: str | None = Field(default=None, min_length=1)

    @model_validator(mode="after")
    def _one_of(self) -> Ref:
        if (self.id is None) == (self.name is None):
            raise ValueError("give exactly one of id or name")
        return self


class MediaRef(_Strict):
    id: Id


class ModelEntryRef(_Strict):
    id: Id


class SelectedEntry(_Strict):
    campaignFieldModelEntry: ModelEntryRef
    position: int = Field(ge=0)


class ModelValue(_Strict):
    selectedEntries: list[SelectedEntry]

    @model_validator(mode="before")
    @classmethod
    def _default_positions(cls, data: Any) -> Any:
        # Positions are stored by the platform: fill them in so the list compares equal to live.
        if isinstance(data, dict) and isinstance(data.get("selectedEntries"), list):
            entries = [dict(e, position=e.get("position", index)) if isinstance(e, dict) else e
                       for index, e in enumerate(data["selectedEntries"])]
            data = {**data, "selectedEntries": entries}
        return data


class FieldValue(_Strict):
    """One campaign field's value; which member is set follows the field's type."""

    type: FieldType
    text: str | None = None
    picture: MediaRef | None = None
    video: MediaRef | None = None
    audio: MediaRef | None = None
    model: ModelValue | None = None

    @model_validator(mode="after")
    def _member_for_type(self) -> FieldValue:
        needed = {"FREETEXT": "text", "SELECT": "text", "PICTURE": "picture", "VIDEO": "video",
                  "MODEL": "model"}[self.type]
        if getattr(self, needed) is None:
            raise ValueError(f"a {self.type} field value needs {needed}")
        return self


class SkalaCampaign(CampaignModel):
    """One campaign order under the instance's brand. There is no external id: the order id
    is kept in state, and an interrupted create is found again by its attributes."""

    create_only: ClassVar[dict[str, str]] = {
        "company": "Skala's update (PUT /api/campaign-order/{id}) cannot change an order's company",
        "campaignType": "Skala's update (PUT /api/campaign-order/{id}) cannot change an order's campaign type",
    }

    company: Ref
    campaignType: Ref
    startDate: date
    endDate: date
    landingPage: str | None = Field(default=None, min_length=1)
    campaignFieldValues: dict[str, FieldValue] = Field(
        default_factory=dict, description="keyed by the campaign field's reference, e.g. headline")
    budgetOptionId: Id | None = Field(default=None, description="budgetOption / budgetOptionCustom")
    customBudget: Annotated[BudgetAmount, Field(description="decimal, brand currency, major units")] | None = None
    customAdPlatformTypes: list[AdPlatform] | None = Field(default=None, description="full custom budget only")

    def declared(self) -> dict[str, Any]:
        # pydantic's JSON mode writes these fields exactly as CampaignModel.declared's walk over the
        # Python dump does (dates as ISO text, Decimal as its str; no datetimes or secrets here), in
        # one call into pydantic-core: a cold load takes this for every order
        declared: dict[str, Any] = self.model_dump(mode="json", exclude_unset=True, by_alias=True)
        return declared

    @classmethod
    def commitments(cls, fields: Mapping[str, Any], currency: str | None) -> list[Commitment]:
        # One budget for the order's whole flight: customBudget (decimal major units) replaces the
        # option's budget when given; a budget option alone has an amount only Skala knows (the
        # gateway documents no way to read options), so it is unknown. A cancelled order spends nothing.
        custom, option = fields.get("customBudget"), fields.get("budgetOptionId")
        if custom is None and option is None:
            return []
        amount = scaled(Decimal(str(custom)), currency) if custom is not None and currency else None
        return [Commitment("flight", amount, active=fields.get("status") != "CANCELLED")]

    past_start_note: ClassVar[str] = "Skala runs an order whose start date has passed from its creation"
    budget_paths: ClassVar[tuple[str, ...]] = ("customBudget",)
    money_fields: ClassVar[tuple[str, ...] | None] = ("customBudget", "budgetOptionId", "status")

    @classmethod
    def flight(cls, fields: Mapping[str, Any]) -> Flight | None:
        # dates, end inclusive: an order is FINISHED the day after its endDate
        end = parse_moment(fields.get("endDate"))
        return Flight(parse_moment(fields.get("startDate")), end + timedelta(days=1) if end else None,
                      "startDate", "endDate")

    @model_validator(mode="after")
    def _rules(self) -> SkalaCampaign:
        if self.endDate < self.startDate:
            raise ValueError("endDate must not be before startDate")
        if self.budgetOptionId is None and self.customBudget is None:
            raise ValueError("a budget is needed: budgetOptionId, customBudget, or both")
        if self.budgetOptionId is not None and self.customAdPlatformTypes:
            raise ValueError("customAdPlatformTypes is only for a full custom budget (no budgetOptionId)")
        if self.budgetOptionId is None and not self.customAdPlatformTypes:
            raise ValueError("a full custom budget (customBudget without budgetOptionId) needs "
                             "customAdPlatformTypes")
        return self
