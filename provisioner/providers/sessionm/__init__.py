"""SessionM Campaigns API: HTTP Basic with the API key also in every path, errors inside HTTP 200
answers, and no update or delete endpoint: campaigns are created, listed and looked up by permalink."""

from provisioner.providers.base import ProviderPlugin
from provisioner.providers.sessionm.resources import SessionMSession, to_config
from provisioner.providers.sessionm.schema import SessionMCampaign, SessionMSettings

PROVIDER = ProviderPlugin(
    name="sessionm",
    settings_model=SessionMSettings,
    campaign_model=SessionMCampaign,
    session=SessionMSession,
    adopt_by="key",  # the campaign key is sent as external_id (the permalink)
    key_field="external_id",
    to_config=to_config,
    cannot={"update": "SessionM's Campaigns API has no update endpoint",
            "retire": "SessionM's Campaigns API has no delete, pause or status-change endpoint",
            "launch_paused": "SessionM campaigns cannot be updated after create, so one created paused could "
                             "never be activated"},
    # SessionM refuses a second campaign with the same name, so the loader checks names up front
    unique_names=True,
    name_scope=lambda settings: settings.base_url,  # names are unique per tenant
    # the list shows active campaigns; a permalink lookup before each create avoids a duplicate
    lookup_before_create=True,
)

__all__ = ["PROVIDER"]
