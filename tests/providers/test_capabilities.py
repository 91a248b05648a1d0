"""One Capabilities value per plugin: derived from the session's Protocols, with a reason for each
thing the platform cannot do, and a plugin whose reasons and methods disagree fails at import."""

from __future__ import annotations

from typing import Any

import pytest

from provisioner.providers.base import (
    CAPABILITIES,
    CampaignModel,
    CreateRequest,
    CreateResult,
    PluginError,
    ProviderPlugin,
    ProviderSettings,
)
from provisioner.providers.registry import providers


class _CreatesOnly:
    def __init__(self, settings: ProviderSettings, context: Any) -> None: ...

    def create_campaign(self, request: CreateRequest) -> CreateResult: ...

    def close(self) -> None: ...


class _Retires(_CreatesOnly):
    def retire_campaign(self, campaign_id: str, key: str) -> None: ...


ALL_REASONS = {"read": "no list", "find": "no lookup", "update": "no update", "retire": "no retire",
               "launch_paused": "no status"}


def _plugin(session: type, cannot: dict[str, str], **extra: Any) -> ProviderPlugin[ProviderSettings]:
    return ProviderPlugin(name="fake", settings_model=ProviderSettings, campaign_model=CampaignModel,
                          session=session, cannot=cannot, **extra)


def test_every_shipped_plugin_describes_what_it_can_do() -> None:
    found = {name: (sorted(p.capabilities.able), sorted(p.capabilities.reasons)) for name, p in providers().items()}
    assert found == {
        "topsort": (["find", "launch_paused", "read", "retire", "update"], []),
        "criteo": (["find", "read", "update"], ["launch_paused", "retire"]),
        "sessionm": (["find", "read"], ["launch_paused", "retire", "update"]),
        "targeter": ([], ["find", "launch_paused", "read", "retire", "update"]),
        "skala": (["check", "find", "prepare", "read", "retire", "update"], ["launch_paused"]),
    }
    assert providers()["topsort"].capabilities.launch_switch is not None
    assert providers()["criteo"].capabilities.launch_switch is None
    assert providers()["criteo"].capabilities.adopt_by == "name"
    assert providers()["sessionm"].capabilities.unique_names


def test_a_missing_capability_needs_a_reason() -> None:
    with pytest.raises(PluginError, match=r"_CreatesOnly cannot retire: say why"):
        _plugin(_CreatesOnly, {k: v for k, v in ALL_REASONS.items() if k != "retire"})


def test_a_reason_for_an_implemented_capability_is_refused() -> None:
    with pytest.raises(PluginError, match=r"_Retires implements retire but the plugin gives a reason it cannot"):
        _plugin(_Retires, ALL_REASONS)


def test_an_unknown_capability_name_is_refused() -> None:
    with pytest.raises(PluginError, match=r"unknown capability fly"):
        _plugin(_CreatesOnly, ALL_REASONS | {"fly": "no wings"})


def test_lookup_before_create_needs_find() -> None:
    with pytest.raises(PluginError, match="lookup_before_create needs find_campaign"):
        _plugin(_CreatesOnly, ALL_REASONS, lookup_before_create=True)


def test_session_must_be_a_class() -> None:
    with pytest.raises(PluginError, match="must be the session class"):
        _plugin(lambda settings, context: _CreatesOnly(settings, context), ALL_REASONS)  # type: ignore[arg-type]


def test_why_not_is_empty_for_what_it_can_do_and_unknown_names_are_errors() -> None:
    capabilities = _plugin(_Retires, {k: v for k, v in ALL_REASONS.items() if k != "retire"}).capabilities
    assert capabilities.can("retire") and capabilities.why_not("retire") == ""
    assert capabilities.why_not("update") == "no update"
    assert set(CAPABILITIES) >= {"read", "find", "update", "retire", "prepare"}
    with pytest.raises(KeyError):
        capabilities.can("fly")
