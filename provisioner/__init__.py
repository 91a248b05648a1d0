"""provisioner: plan/apply/drift for advertising campaigns kept as YAML in git.

The public API for embedding (CI bots, notebooks): load a workspace, plan it, apply a plan.
"""

# first: it keeps httpx from loading its command-line client (and rich) on every start
from provisioner import _without_httpx_cli  # noqa: F401  # imported for its effect, before httpx
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

__all__ = [
    "Action", "AmbiguousOutcomeError", "ApplyReport", "ConfigError", "DriftEntry", "FieldDiff",
    "Outcome", "Plan", "PlanFileError", "ProviderError", "ProvisionerError", "ResourceChange", "Run",
    "StateError", "StateLockedError", "Workspace", "apply_plan", "load_workspace",
    "make_plan", "open_run", "read_plan", "staleness", "write_plan",
]
