"""`provisioner show`: what state records per campaign: ids, status and outputs (links)."""

from __future__ import annotations

from provisioner.commands.output import out
from provisioner.config.workspace import load_workspace
from provisioner.states.backend import state_backend_for
from provisioner.views import human, jsonview


def show(paths: list[str], fmt: str) -> int:
    workspace = load_workspace(paths)
    state = state_backend_for(workspace.root, workspace.state).load()
    resources = sorted(state.resources.values(), key=lambda r: (r.provider, r.key))
    out(jsonview.render_state(resources) if fmt == "json" else human.render_state(resources))
    return 0
