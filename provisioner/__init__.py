"""provisioner: plan/apply/drift for advertising campaigns kept as YAML in git.

The public API for embedding (CI bots, notebooks): load a workspace, plan it, apply a plan.
"""

# first: it keeps httpx from loading its command-line client (and rich) on every start
import importlib as _importlib
import typing as _typing

from provisioner import _without_httpx_cli  # noqa: F401  # imported for its effect, before httpx

if _typing.TYPE_CHECKING:
    from provisioner.applier import ApplyReport, Outcome
    from provisioner.config.models import Workspace
    from provisioner.config.workspace import load_workspace
    from provisioner.engine import Run, apply_plan, make_plan, open_run, staleness
    from provisioner.errors import (
                                    AmbiguousOutcomeError,
                                    ConfigError,
                                    PlanFileError,
                                    ProviderError,
                                    ProvisionerError,
                                    StateError,
                                    StateLockedError,
    )
    from provisioner.plans.action import Action
    from provisioner.plans.change import DriftEntry, FieldDiff, ResourceChange
    from provisioner.plans.plan import Plan
    from provisioner.plans.planfile import read_plan, write_plan

# Imported on first use (PEP 562), so `provisioner --help` does not pay for httpx and pydantic.
_HOMES = {
    "ApplyReport": "applier", "Outcome": "applier", "Workspace": "config.models",
    "load_workspace": "config.workspace", "Run": "engine", "apply_plan": "engine", "make_plan": "engine",
    "open_run": "engine", "staleness": "engine", "AmbiguousOutcomeError": "errors", "ConfigError": "errors",
    "PlanFileError": "errors", "ProviderError": "errors", "ProvisionerError": "errors", "StateError": "errors",
    "StateLockedError": "errors", "Action": "plans.action", "DriftEntry": "plans.change",
    "FieldDiff": "plans.change", "ResourceChange": "plans.change", "Plan": "plans.plan",
    "read_plan": "plans.planfile", "write_plan": "plans.planfile",
}


def __getattr__(name: str) -> _typing.Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'provisioner' has no attribute {name!r}")
    return getattr(_importlib.import_module(f"provisioner.{home}"), name)


__all__ = [
    "Action", "AmbiguousOutcomeError", "ApplyReport", "ConfigError", "DriftEntry", "FieldDiff",
    "Outcome", "Plan", "PlanFileError", "ProviderError", "ProvisionerError", "ResourceChange", "Run",
    "StateError", "StateLockedError", "Workspace", "apply_plan", "load_workspace",
    "make_plan", "open_run", "read_plan", "staleness", "write_plan",
]
