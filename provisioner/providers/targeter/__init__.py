"""Targeter partner intake: a JSON token login and one create-or-retrieve call keyed by reference_id.

The API cannot read, change or remove a campaign, so plans rest on state and drift is unknown."""

from provisioner.providers.base import ProviderPlugin
from provisioner.providers.targeter.resources import TargeterSession
from provisioner.providers.targeter.schema import TargeterCampaign, TargeterSettings

PROVIDER = ProviderPlugin(
    name="targeter",
    settings_model=TargeterSettings,
    campaign_model=TargeterCampaign,
    session=TargeterSession,
    adopt_by="key",  # the campaign key is sent as source.reference_id
    key_field="reference_id",
    cannot={
        "read": ("the Targeter API cannot read campaigns back: its only campaign call is "
                 "create-or-retrieve, which a plan must not send"),
        "find": ("no lookup exists; an interrupted create is sent again, and create-or-retrieve by "
                 "reference_id returns the campaign it made"),
        "update": "the Targeter API cannot change a campaign once it exists",
        "retire": "the Targeter API has no pause, cancel or delete for campaigns",
        "launch_paused": "Targeter campaigns have no status field: they cannot be created paused",
    },
)

__all__ = ["PROVIDER"]
