"""`provisioner validate`: schema and platform rules, offline; every problem with file:line.

A workspace whose load cache vouches for it (the same files, referenced values and program as a load
that found no problem) is answered from the cache without importing pydantic or any plugin
(config/sources.py); anything else goes through the full load. Both run with the cyclic collector
paused (collector.py): what they import and build stays alive to the end, and the collector's passes
over it (during the imports, and the last one at exit) were 7 % of a cold `validate`."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from provisioner.collector import collector_paused
from provisioner.commands.output import err, out, report_config_error
from provisioner.config.sources import cached_summary
from provisioner.errors import ConfigError


def validate(paths: list[str], skip_secrets: bool = False) -> int:
    with collector_paused():  # see the module's docstring
        cached = cached_summary([Path(p) for p in paths], require_secrets=not skip_secrets)
        if cached is not None:
            _valid(cached.campaigns, cached.providers, cached.files, cached.empty)
            return 0
        try:
            from provisioner.config.workspace import load_workspace

            workspace = load_workspace(paths, require_secrets=not skip_secrets)
        except ConfigError as error:
            report_config_error(error)
            return 1
    _valid(len(workspace.campaigns), len(workspace.providers), len(workspace.files),
           [(c.source, c.key) for c in workspace.campaigns.values() if not c.desired])
    return 0


def _valid(campaigns: int, providers: int, files: int, empty: Sequence[tuple[object, str]]) -> None:
    out(f"Valid: {campaigns} campaign(s), {providers} provider instance(s) in {files} file(s).")
    for source, key in empty:
        err(f"{source}: warning: campaign {key} declares no fields")
