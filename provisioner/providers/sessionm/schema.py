"""SessionM settings and campaign as users write them: the create request's own field names, UTC
datetimes to the second, and the fields SessionM sets itself refused with a reason."""

from __future__ import annotations

from collections.abc import Mapping
from string import Formatter
from typing import Any, ClassVar, Literal

from pydantic import AwareDatetime, Field, SecretStr, field_validator, model_validator

from provisioner.providers.base import CampaignModel, Flight, Observed, ProviderSettings, parse_moment

# api-contracts §8: both paths are UNVERIFIED (the excerpt leaves them blank), hence settings.
CAMPAIGNS_PATH = "/priv/v1/apps/{api_key}/campaigns"
INFO_PATH = "/priv/v1/apps/{api_key}/campaigns/{campaign_id}/info"
LOOKUP_PATH = "/priv/v1/apps/{api_key}/external/campaigns/{permalink}/info"
PATH_FIELDS = {"create_path": {"api_key"}, "list_path": {"api_key"},
               "info_path": {"api_key", "campaign_id"}, "lookup_path": {"api_key", "permalink"}}

CampaignType = Literal["promotion", "messaging"]
NO_UPDATE = "SessionM's Campaigns API has no update endpoint: {field} is only set when the campaign is created"
READ_ONLY = {
    "id": "id is set by SessionM",
    "campaign_id": "campaign_id is set by SessionM",
    "weight": "weight is a legacy field set by SessionM",
    "total_budget": "total_budget is a legacy field set by SessionM",
    "division_id": "division_id is set by SessionM (multi-org)",
    "external_id": "external_id is the campaign's key (its name under campaigns:); it is sent for you",
    "permalink": "permalink is the campaign's key (its name under campaigns:); it is sent for you",
}


class SessionMSettings(ProviderSettings):
    credentials: ClassVar[tuple[str, ...]] = ("api_key", "api_secret")

    api_key: SecretStr = Field(description="API key of the digital property, as ${env:NAME}; also in every path")
    api_secret: SecretStr = Field(description="server-to-server API secret, as ${env:NAME}")
    create_path: str = Field(default=CAMPAIGNS_PATH, description="POST path of create (UNVERIFIED)")
    list_path: str = Field(default=CAMPAIGNS_PATH, description="GET path of 'all active campaigns' (UNVERIFIED)")
    info_path: str = Field(default=INFO_PATH, description="GET path of campaign info by id")
    lookup_path: str = Field(default=LOOKUP_PATH, description="GET path of campaign info by permalink")

    @field_validator("create_path", "list_path", "info_path", "lookup_path")
    @classmethod
    def _known_placeholders(cls, value: str, info: Any) -> str:
        allowed = PATH_FIELDS[info.field_name]
        try:
            used = {name for _, name, _, _ in Formatter().parse(value) if name is not None}
        except ValueError as error:
            raise ValueError(f"not a path template: {error}") from None
        if not value.startswith("/"):
            raise ValueError("must start with '/'")
        if used - allowed or (allowed - {"api_key"}) - used:
            raise ValueError(f"placeholders must be {', '.join('{' + n + '}' for n in sorted(allowed))}")
        return value


class SessionMCampaign(CampaignModel):
    """One SessionM campaign; its key becomes external_id (the permalink)."""

    name: str = Field(min_length=1, description="unique per SessionM organisation")
    status: Literal["live", "paused", "draft", "inreview", "completed"]
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    campaign_type: CampaignType | None = None
    template: CampaignType | None = Field(default=None, description="same value as campaign_type")
    targeting: dict[str, Any] | None = Field(default=None, description="serialized JSON query for ad targets")
    metadata: dict[str, Any] | None = None

    @model_validator(mode="before")
    @classmethod
    def _no_server_fields(cls, values: Any) -> Any:
        if isinstance(values, dict):
            refused = [READ_ONLY[name] for name in values if name in READ_ONLY]
            if refused:
                raise ValueError("; ".join(refused))
        return values

    @model_validator(mode="after")
    def _cross_field_rules(self) -> SessionMCampaign:
        if self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        if self.starts_at.microsecond or self.ends_at.microsecond:
            raise ValueError("SessionM keeps datetimes to the second: drop the fraction")
        if self.campaign_type and self.template and self.campaign_type != self.template:
            raise ValueError("template takes the same value as campaign_type")
        return self

    @classmethod
    def update_blocker(cls, field_name: str, live: Any, desired: Any) -> str | None:
        return NO_UPDATE.format(field=field_name)

    @classmethod
    def flight(cls, fields: Mapping[str, Any]) -> Flight | None:
        return Flight(parse_moment(fields.get("starts_at")), parse_moment(fields.get("ends_at")),
                      "starts_at", "ends_at")

    @classmethod
    def platform_rewrite(cls, field_name: str, declared: Any, live: Any, observed: Observed) -> str | None:
        # A campaign whose end has passed is completed by the platform, not by a person.
        ends = parse_moment(observed.live.get("ends_at"))
        if field_name == "status" and str(live).lower() == "completed" and str(declared).lower() != "completed" \
                and ends is not None and observed.now is not None and ends <= observed.now:
            return "SessionM completes a campaign when its end date has passed"
        return None

    @classmethod
    def live_equivalent(cls, field_name: str, desired: Any, live: Any) -> bool:
        # Enumerations may come back in another case; the value is the same.
        if field_name in ("status", "campaign_type", "template") and isinstance(desired, str) \
                and isinstance(live, str):
            return desired.lower() == live.lower()
        return False
