"""Targeter campaigns through the one capability the API allows: create (create-or-retrieve).

There is no read, list, update or delete, so this session implements none of Lists, Finds,
Updates or Retires: plans rest on state, and the answer to the create is all we ever learn.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from provisioner.errors import ProviderError
from provisioner.providers.base import CreateRequest, CreateResult, LiveCampaign
from provisioner.providers.targeter.schema import TargeterSettings

if TYPE_CHECKING:  # the client (and httpx) load on connect: `validate` reads only the schema
    from provisioner.providers.http import HttpContext

NEXT_STEP = "a person must finish the creation in Targeter"
ADOPTED_WARNING = ("Targeter keeps the name, material and target_url it already had for this reference_id and "
                   "cannot show them: state records the declared values")
# An existing campaign's link is /campaigns/{campaign_id} (the docs: campaign_id is "encoded as in app URLs").
_CAMPAIGN_LINK = re.compile(r"^https?://[^/]+/campaigns/([A-Za-z0-9_-]+)/?$")


def _link_id(link: Any) -> str:
    match = _CAMPAIGN_LINK.match(str(link or ""))
    return match.group(1) if match else ""


def to_result(key: str, name: str | None, status: int, body: dict[str, Any]) -> CreateResult:
    """The create answer → what state records. `fields` stay empty: nothing can be read back."""
    if status == 200 and body.get("campaign_link"):
        live = LiveCampaign(_link_id(body["campaign_link"]), {}, key, name,
                            outputs={"campaign_link": body["campaign_link"]})
        return CreateResult(live, warnings=[ADOPTED_WARNING], adopted=True)
    if status == 201 and body.get("campaign_id"):  # automatic creation succeeded
        outputs = {"campaign_id": body["campaign_id"], "ad_creation_link": body.get("ad_creation_link")}
        return CreateResult(LiveCampaign(str(body["campaign_id"]), {}, key, name,
                                         outputs={k: v for k, v in outputs.items() if v}))
    if status == 201 and body.get("campaign_link"):  # prefilled form: no campaign (nor id) exists yet
        outputs = {"campaign_link": body["campaign_link"], "next_step": NEXT_STEP}
        return CreateResult(LiveCampaign("", {}, key, name, outputs=outputs))
    raise ProviderError(f"create or retrieve campaign: unexpected HTTP {status} answer without a campaign link "
                        "or id (the next apply asks again; Targeter answers by reference_id)",
                        code="unexpected_response", status=status)


class TargeterSession:
    def __init__(self, settings: TargeterSettings, context: HttpContext) -> None:
        from provisioner.providers.targeter.client import TargeterClient

        self.client = TargeterClient(settings, context)

    def create_campaign(self, request: CreateRequest) -> CreateResult:
        desired = request.desired
        source = {"material": list(desired["material"]), "name": desired["name"],
                  "reference_id": request.key, "target_url": desired["target_url"]}
        status, body = self.client.create_or_retrieve(source)
        return to_result(request.key, desired.get("name"), status, body)

    def close(self) -> None:
        self.client.close()
