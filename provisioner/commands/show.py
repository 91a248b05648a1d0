"""`provisioner show`: a saved plan file rendered as text, JSON or markdown (the PR comment), or, for
workspace paths, what state records per campaign: ids, status and outputs (links)."""

from __future__ import annotations

from pathlib import Path

from provisioner.commands.output import out, out_diff
from provisioner.commands.plan import render
from provisioner.config.workspace import load_workspace
from provisioner.plans.planfile import read_plan
from provisioner.states.backend import state_backend_for
from provisioner.views import human, jsonview, markdown


def is_plan_file(paths: list[str]) -> bool:
    """A plan file is one JSON file (workspaces are directories and YAML files), as `apply` decides."""
    return len(paths) == 1 and Path(paths[0]).is_file() and paths[0].endswith(".json")


def show(paths: list[str], fmt: str, full_plan_url: str | None = None) -> int:
    if is_plan_file(paths):
        (out_diff if fmt == "text" else out)(render(read_plan(Path(paths[0])), fmt, full_plan_url, paths[0]))
        return 0
    workspace = load_workspace(paths)
    state = state_backend_for(workspace.root, workspace.state).load()
    resources = sorted(state.resources.values(), key=lambda r: (r.provider, r.key))
    if fmt == "json":
        out(jsonview.render_state(resources))
    elif fmt == "markdown":
        out(markdown.render_state(resources))
    else:
        out(human.render_state(resources))
    return 0
