"""Fields a platform needs only to create a campaign (Topsort `bids`, which its list never returns):
optional in the campaign model, so an imported or existing campaign may leave them out, and required
here, at plan time, for each campaign the plan would create."""

from __future__ import annotations

from provisioner.config.models import Workspace
from provisioner.diagnostics import Diagnostic
from provisioner.plans.action import Action
from provisioner.plans.plan import Plan


def missing_on_create(workspace: Workspace, plan: Plan) -> list[Diagnostic]:
    """One diagnostic (file, line, field) per planned create that lacks a create-only field."""
    problems = []
    for change in plan.changes:
        campaign = workspace.campaigns.get(change.key)
        if change.action is not Action.CREATE or campaign is None:
            continue
        for name in sorted(campaign.model.required_on_create - set(campaign.desired)):
            problems.append(Diagnostic(
                f"required to create this campaign: no {change.provider_type} campaign has the key "
                f"{change.key!r} yet, so the plan creates it, and {change.provider_type} needs {name} to "
                "create one (a campaign that already exists, e.g. imported, may leave it out)",
                campaign.source, f"campaigns.{change.key}.{name}"))
    return problems
