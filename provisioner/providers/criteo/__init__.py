"""Criteo Marketing Solutions campaigns: JSON:API documents, OAuth client credentials, batch PATCH."""

from provisioner.providers.base import ProviderPlugin
from provisioner.providers.criteo.resources import CriteoSession, to_config
from provisioner.providers.criteo.schema import CriteoCampaign, CriteoSettings

PROVIDER = ProviderPlugin(
    name="criteo",
    settings_model=CriteoSettings,
    campaign_model=CriteoCampaign,
    session=CriteoSession,
    adopt_by="name",  # Criteo has no external id: the platform id is kept in state
    name_scope=lambda settings: str(settings.advertiser_id),
    twin_identity=lambda live: live.name,  # the instance lists one advertiser's campaigns: names within it
    to_config=to_config,
    cannot={"retire": "Criteo has no campaign-level pause or delete (only ad sets can be stopped)",
            "launch_paused": "Criteo campaigns have no status: a campaign spends as soon as its ad sets run"},
)

__all__ = ["PROVIDER"]
