"""`provisioner validate`: schema and platform rules, offline; every problem with file:line."""

from __future__ import annotations

from provisioner.commands.output import err, out, report_config_error
from provisioner.config.workspace import load_workspace
from provisioner.errors import ConfigError


def validate(paths: list[str], skip_secrets: bool = False) -> int:
    try:
        workspace = load_workspace(paths, require_secrets=not skip_secrets)
    except ConfigError as error:
        report_config_error(error)
        return 1
    out(f"Valid: {len(workspace.campaigns)} campaign(s), {len(workspace.providers)} provider instance(s) "
        f"in {len(workspace.files)} file(s).")
    for campaign in workspace.campaigns.values():
        if not campaign.desired:
            err(f"{campaign.source}: warning: campaign {campaign.key} declares no fields")
    return 0
