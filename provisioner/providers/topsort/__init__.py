"""Topsort campaign service: one REST object per campaign, Bearer API key, offset pagination."""

from provisioner.providers.base import ProviderPlugin
from provisioner.providers.topsort.resources import TopsortSession, to_config
from provisioner.providers.topsort.schema import TopsortCampaign, TopsortSettings

PROVIDER = ProviderPlugin(
    name="topsort",
    settings_model=TopsortSettings,
    campaign_model=TopsortCampaign,
    session=TopsortSession,
    adopt_by="key",  # the campaign key is written to externalCampaignId
    key_field="externalCampaignId",
    to_config=to_config,
)

__all__ = ["PROVIDER"]
