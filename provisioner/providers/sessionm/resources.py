"""SessionM campaigns through the capabilities Lists and Finds; no Updates, no Retires (the current
Campaigns API has neither). The workspace key is sent as external_id, SessionM's permalink, so a
campaign is recognised by its key even after the state file is lost."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from provisioner.providers.base import CreateRequest, CreateResult, LiveCampaign, Skip
from provisioner.providers.sessionm.schema import SessionMSettings
from provisioner.providers.wire import expect_id, optional_text

if TYPE_CHECKING:  # the client (and httpx) load on connect: `validate` reads only the schema
    from provisioner.providers.http import HttpContext

# The config vocabulary: the create request's names, which list and create answers use too.
FIELDS = ("name", "status", "starts_at", "ends_at", "campaign_type", "template", "targeting", "metadata")
DATETIMES = ("starts_at", "ends_at")


def utc_iso(value: Any) -> Any:
    """ISO 8601 or SessionM's `2017-05-09 17:36:48` (UTC) → `2017-05-09T17:36:48Z`; else unchanged."""
    if not isinstance(value, str):
        return value
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return value
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def to_live(campaign: dict[str, Any]) -> LiveCampaign:
    """A campaign of the list or create answer."""
    campaign_id = expect_id(campaign, "id", "SessionM campaign")
    fields = {name: campaign[name] for name in FIELDS if name in campaign}
    for name in DATETIMES:
        if name in fields:
            fields[name] = utc_iso(fields[name])
    external_id = optional_text(campaign.get("external_id") or campaign.get("permalink"))
    return LiveCampaign(id=campaign_id, fields=fields, key=external_id, name=optional_text(campaign.get("name")),
                        outputs={"external_id": external_id} if external_id else {})


def to_config(live: LiveCampaign) -> dict[str, Any] | Skip:
    """A listed campaign as workspace YAML fields (enumerations in the lower case the schema takes)."""
    config = {name: value for name, value in live.fields.items() if value is not None}
    for name in ("status", "campaign_type", "template"):
        if isinstance(config.get(name), str):
            config[name] = config[name].lower()
    if "status" not in config or "starts_at" not in config or "ends_at" not in config:
        return Skip("the list answer lacks its status, starts_at or ends_at")
    return config


def info_to_live(info: dict[str, Any]) -> LiveCampaign:
    """The info endpoints' shorter form: campaign_id, permalink and non-ISO dates, no name."""
    fields = {name: utc_iso(info[name]) for name in DATETIMES if info.get(name) is not None}
    permalink = optional_text(info.get("permalink"))
    return LiveCampaign(id=expect_id(info, "campaign_id", "SessionM campaign info"), fields=fields, key=permalink,
                        outputs={"external_id": permalink} if permalink else {})


def create_attributes(key: str, desired: dict[str, Any]) -> dict[str, Any]:
    """The `campaign` object of a create: declared values (nulls left out), datetimes in UTC `…Z`."""
    attributes = {name: value for name, value in desired.items() if value is not None}
    for name in DATETIMES:
        if name in attributes:
            attributes[name] = utc_iso(attributes[name])
    attributes["external_id"] = key
    return attributes


class SessionMSession:
    def __init__(self, settings: SessionMSettings, context: HttpContext) -> None:
        from provisioner.providers.sessionm.client import SessionMClient

        self.client = SessionMClient(settings, context)

    def list_campaigns(self) -> list[LiveCampaign]:
        return [to_live(c) for c in self.client.list_campaigns()]

    def find_campaign(self, key: str, desired: dict[str, Any]) -> LiveCampaign | None:
        # The permalink lookup finds a campaign whatever its status, which the list may not show.
        info = self.client.campaign_info_by_permalink(key)
        return info_to_live(info) if info is not None and "campaign_id" in info else None

    def create_campaign(self, request: CreateRequest) -> CreateResult:
        campaign = self.client.create_campaign(create_attributes(request.key, request.desired))
        return CreateResult(to_live(campaign))

    def close(self) -> None:
        self.client.close()
