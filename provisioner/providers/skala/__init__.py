"""Skala Ads gateway campaign orders: JSON login for a `token` header, one order per campaign
under a company and a campaign type, PUT updates that keep field-value ids, cancel to retire."""

from provisioner.providers.base import ProviderPlugin
from provisioner.providers.skala.resources import SkalaSession, import_label, to_config, twin_identity
from provisioner.providers.skala.schema import SkalaCampaign, SkalaSettings

PROVIDER = ProviderPlugin(
    name="skala",
    settings_model=SkalaSettings,
    campaign_model=SkalaCampaign,
    session=SkalaSession,
    # No external id exists: the order id is kept in state, and an interrupted create is found
    # again by company, campaign type and dates (Finds).
    adopt_by="none",
    twin_identity=twin_identity,
    to_config=to_config,
    import_label=import_label,
    cannot={"launch_paused": "Skala can only cancel an order: an order cannot be created paused and started later"},
)

__all__ = ["PROVIDER"]
