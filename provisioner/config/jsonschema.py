"""JSON Schema of a workspace file, for editors (yaml-language-server) to complete and check YAML.

It accepts what the loader accepts (sandbox instances without credentials, `type` defaulting to the
instance name, `${env:NAME}` in any provider setting) and checks each campaign against its platform.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from provisioner.config.secrets import ENV_REFERENCE, is_secret_field
from provisioner.config.workspace import KEY_PATTERN, LAUNCHES, STATE_BACKENDS
from provisioner.policy import Policy
from provisioner.providers.base import SANDBOX
from provisioner.providers.registry import providers

ENV_REF = {"type": "string", "pattern": ENV_REFERENCE.pattern, "description": "a reference: ${env:NAME}"}
LAUNCH = {"enum": list(LAUNCHES), "default": "active",
          "description": "paused: create switched off; a later plan activates it (platforms that can)"}
IGNORE_WHAT = ("field paths (globs allowed) neither updated nor reported as drift, "
               "e.g. [budget.amount, campaignFieldValues.*]")
IGNORE: dict[str, Any] = {"type": "array", "items": {"type": "string", "minLength": 1}, "description": IGNORE_WHAT}
# campaign keys that are the workspace's, not the platform's (config/workspace.py CAMPAIGN_META)
CAMPAIGN_META = {
    "ignore": IGNORE,
    "protect": {"type": "boolean", "description": "never retire this campaign, nor change it in a way that "
                                                  "cannot be made in place"},
    "adopt": {"type": "boolean", "description": "take over a live campaign of the same key or name that "
                                                "this workspace did not create"},
}


def workspace_schema() -> dict[str, Any]:
    defs: dict[str, Any] = {"env_reference": ENV_REF}
    types = sorted(providers())
    for name in types:
        plugin = providers()[name]
        defs[f"{name}_campaign"] = _campaign(name, _model_schema(plugin.campaign_model, name, defs))
        defs[f"{name}_settings"] = _settings(name, _model_schema(plugin.settings_model, name, defs),
                                             plugin.settings_model.credentials)
    defs["named_instance"] = _named_instance(types)
    defs["campaign"] = _campaign_by_provider(types)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "provisioner workspace file",
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "providers": {
                "type": "object", "description": "provider instances: name → settings",
                # an instance named after a platform may omit `type`; any other name must give it
                "properties": {name: {"$ref": f"#/$defs/{name}_settings"} for name in types},
                "additionalProperties": {"$ref": "#/$defs/named_instance"}},
            "campaigns": {"type": "object", "description": "campaigns: key → fields",
                          "propertyNames": {"pattern": KEY_PATTERN.pattern},
                          "additionalProperties": {"$ref": "#/$defs/campaign"}},
            "state": _state(),
            "ignore": {**IGNORE, "description": "field paths every campaign ignores: " + IGNORE_WHAT},
            "moved": _moved(),
            "policy": {**_model_schema(Policy, "policy", defs), "title": "budget guardrails",
                       "description": "budget guardrails, evaluated on every plan (a blocked plan exits 3)"},
            "launch": LAUNCH,
        },
        "$defs": defs,
    }


def _model_schema(model: type[BaseModel], platform: str, defs: dict[str, Any]) -> dict[str, Any]:
    """The model's schema, its nested models moved into `defs` under the platform's prefix (two
    platforms may each have a `Budget`, and one must not overwrite the other)."""
    schema = model.model_json_schema(ref_template=f"#/$defs/{platform}.{{model}}")
    for nested, body in schema.pop("$defs", {}).items():
        defs[f"{platform}.{nested}"] = body
    return schema


def _campaign(platform: str, campaign: dict[str, Any]) -> dict[str, Any]:
    campaign["title"] = f"{platform} campaign"
    campaign["properties"] = {"provider": {"type": "string", "description": "the provider instance"},
                              "launch": LAUNCH, **campaign.get("properties", {}), **CAMPAIGN_META}
    campaign["required"] = ["provider", *campaign.get("required", [])]
    return campaign


def _settings(platform: str, settings: dict[str, Any], credentials: tuple[str, ...]) -> dict[str, Any]:
    """Settings as the loader reads them: `type` defaults to the instance name, any value may be
    `${env:NAME}` (secrets must be), and credentials may be left out when `base_url: sandbox`."""
    properties = settings["properties"]
    for field, body in properties.items():
        if is_secret_field(field):
            properties[field] = {**body, **ENV_REF, "description": body.get("description", ENV_REF["description"])}
        elif body.get("type") != "string":
            properties[field] = {"anyOf": [body, {"$ref": "#/$defs/env_reference"}],
                                 **({"description": body["description"]} if "description" in body else {})}
    properties["type"] = {"const": platform, "description": f"the platform: {platform}"}
    properties["ignore"] = {**IGNORE, "description": "field paths this instance's campaigns ignore: "
                                                     + IGNORE_WHAT}
    settings["title"] = f"{platform} provider instance"
    settings["required"] = [f for f in settings.get("required", []) if f != "type" and f not in credentials]
    needed = [f for f in credentials if f in properties]
    if needed:
        settings["if"] = {"properties": {"base_url": {"const": SANDBOX}}, "required": ["base_url"]}
        settings["else"] = {"required": needed}
    return settings


def _named_instance(types: list[str]) -> dict[str, Any]:
    """An instance not named after a platform (e.g. `topsort-outlet`) says its `type:`."""
    return {"type": "object", "required": ["type"],
            "properties": {"type": {"enum": types, "description": "the platform of this instance"}},
            "allOf": [{"if": {"properties": {"type": {"const": name}}, "required": ["type"]},
                       "then": {"$ref": f"#/$defs/{name}_settings"}} for name in types]}


def _campaign_by_provider(types: list[str]) -> dict[str, Any]:
    """A campaign checked against its platform's fields.

    `provider` names an *instance*, whose platform the YAML may declare in another file, so a
    schema cannot follow it in general. It can where the instance is named after its platform,
    which is the common case and the only one the loader lets `type` be left out: there (and the
    schema requires `type` to match such a name, see `_settings`) the platform's fields are
    checked exactly, so an editor offers and checks the right ones. A campaign of any other
    instance (`provider: topsort-outlet`) must fit one of the platforms: a permissive fallback
    that never rejects a valid workspace, at the cost of less precise messages.
    """
    exact = [{"if": {"properties": {"provider": {"const": name}}, "required": ["provider"]},
              "then": {"$ref": f"#/$defs/{name}_campaign"}} for name in types]
    fallback = {"if": {"properties": {"provider": {"enum": types}}, "required": ["provider"]},
                "else": {"anyOf": [{"$ref": f"#/$defs/{name}_campaign"} for name in types]}}
    return {"type": "object", "required": ["provider"],
            "properties": {"provider": {"type": "string", "description": "the provider instance (providers: NAME)"}},
            "allOf": [*exact, fallback]}


def _moved() -> dict[str, Any]:
    key = {"type": "string", "pattern": KEY_PATTERN.pattern}
    return {"type": "array", "description": "campaigns renamed in YAML: the key state knows (from) and the new "
            "one (to); plan shows the rename for review",
            "items": {"type": "object", "additionalProperties": False, "required": ["from", "to"],
                      "properties": {"from": {**key, "description": "the old key"},
                                     "to": {**key, "description": "the new key, declared under campaigns:"}}}}


def _state() -> dict[str, Any]:
    return {"type": "object", "additionalProperties": False, "properties": {
        "backend": {"enum": list(STATE_BACKENDS), "default": "local"},
        "path": {"type": "string", "description": "local state folder, relative to the workspace"},
        "dsn": {"type": "string", "pattern": ENV_REFERENCE.pattern, "description": "PostgreSQL DSN, as ${env:NAME}"},
        "workspace": {"type": "string", "description": "this workspace's name in shared state"}}}
