"""Targeter partner intake: a JSON token login and one create-or-retrieve call keyed by reference_id.

The API cannot read, change or remove a campaign, so plans rest on state and drift is unknown."""

from provisioner.providers.base import ProviderPlugin
from provisioner.providers.targeter.resources import TargeterSession
from provisioner.providers.targeter.schema import TargeterCampaign, TargeterSettings

PROVIDER = ProviderPlugin(
    name="targeter",
    settings_model=TargeterSettings,
    campaign_model=TargeterCampaign,
    connect=TargeterSession,
    adopt_by="key",  # the campaign key is sent as source.reference_id
    cannot_retire="the Targeter API has no pause, cancel or delete for campaigns",
    not_observable=("the Targeter API cannot read campaigns back: its only campaign call is "
                    "create-or-retrieve, which a plan must not send"),
    settings_doc="base_url (the client's host, https://{client_slug}.targeter.tech), api_key and api_secret "
                 "(issued partner credentials)",
)

__all__ = ["PROVIDER"]
