"""Topsort campaign service: one REST object per campaign, Bearer API key, offset pagination."""

from provisioner.providers.base import ProviderPlugin
from provisioner.providers.topsort.resources import TopsortSession
from provisioner.providers.topsort.schema import TopsortCampaign, TopsortSettings

PROVIDER = ProviderPlugin(
    name="topsort",
    settings_model=TopsortSettings,
    campaign_model=TopsortCampaign,
    connect=TopsortSession,
    adopt_by="key",  # the campaign key is written to externalCampaignId
    settings_doc="api_key (Advanced API key), vendor_id (campaigns are created for this vendor)",
)

__all__ = ["PROVIDER"]
