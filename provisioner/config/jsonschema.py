"""JSON Schema of a workspace file, for editors (yaml-language-server) to complete and check YAML."""

from __future__ import annotations

from typing import Any

from provisioner.config.workspace import STATE_BACKENDS
from provisioner.providers.registry import providers


def workspace_schema() -> dict[str, Any]:
    plugins = providers()
    defs: dict[str, Any] = {}
    campaign_variants, provider_variants = [], []
    for name, plugin in sorted(plugins.items()):
        campaign = plugin.campaign_model.model_json_schema(ref_template="#/$defs/{model}")
        settings = plugin.settings_model.model_json_schema(ref_template="#/$defs/{model}")
        for schema in (campaign, settings):
            defs.update(schema.pop("$defs", {}))
        campaign["properties"] = {"provider": {"type": "string", "description": f"a {name} provider instance"},
                                  **campaign.get("properties", {})}
        campaign["title"] = f"{name} campaign"
        defs[f"{name}_campaign"] = campaign
        defs[f"{name}_settings"] = settings
        campaign_variants.append({"$ref": f"#/$defs/{name}_campaign"})
        provider_variants.append({"$ref": f"#/$defs/{name}_settings"})
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "provisioner workspace file",
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "providers": {"type": "object", "additionalProperties": {"anyOf": provider_variants}},
            "campaigns": {"type": "object", "propertyNames": {"pattern": "^[A-Za-z0-9._-]{1,64}$"},
                          "additionalProperties": {"anyOf": campaign_variants}},
            "state": {"type": "object", "additionalProperties": False, "properties": {
                "backend": {"enum": list(STATE_BACKENDS), "default": "local"},
                "path": {"type": "string", "description": "local state folder, relative to the workspace"},
                "dsn": {"type": "string", "pattern": r"^\$\{env:[A-Za-z_][A-Za-z0-9_]*\}$",
                        "description": "PostgreSQL DSN, as ${env:NAME}"},
                "workspace": {"type": "string", "description": "this workspace's name in shared state"}}},
        },
        "$defs": defs,
    }
