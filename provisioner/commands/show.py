"""`provisioner show`: what state records per campaign: ids, status and outputs (links)."""

from __future__ import annotations

import json

from provisioner.commands.output import out
from provisioner.config.workspace import load_workspace
from provisioner.states.state import PENDING
from provisioner.states.backend import state_backend_for


def show(paths: list[str], fmt: str) -> int:
    workspace = load_workspace(paths)
    state = state_backend_for(workspace.root, workspace.state).load()
    resources = sorted(state.resources.values(), key=lambda r: (r.provider, r.key))
    if fmt == "json":
        out(json.dumps([r.to_dict() for r in resources], indent=1, default=str))
        return 0
    if not resources:
        out("State is empty: nothing has been applied from this workspace yet.")
    for resource in resources:
        status = "PENDING (an interrupted create; the next plan resolves it)" if resource.status == PENDING \
            else "managed"
        out(f"{resource.provider}.{resource.key}: {status}, id {resource.id or '-'}")
        for name, value in sorted(resource.outputs.items()):
            out(f"    {name}: {value}")
    return 0
