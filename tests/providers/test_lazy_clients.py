"""Reading a workspace loads only the schema of a plugin, not its HTTP client (tests/test_startup_imports.py
checks what `validate` imports); a session built from the same plugin still gets its client, loaded on
connect."""

from __future__ import annotations


def test_a_plugin_session_still_builds_its_client_on_connect() -> None:
    from provisioner.providers.http import HttpContext
    from provisioner.providers.registry import providers
    from provisioner.providers.topsort.client import TopsortClient
    from provisioner.providers.topsort.resources import TopsortSession

    plugin = providers()["topsort"]
    settings = plugin.settings_model.model_validate({"type": "topsort", "api_key": "k" * 12, "vendor_id": "v1",
                                                    "base_url": "https://api.example.com"})
    session = plugin.connect(settings, HttpContext())
    assert isinstance(session, TopsortSession) and isinstance(session.client, TopsortClient)
