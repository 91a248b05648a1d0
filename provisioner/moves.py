"""The `moved:` section at plan time: a campaign renamed in YAML keeps its live campaign. Where
the platform keys campaigns by id (Criteo, Skala) the rename is state-only; where the key is the
platform's identity field (Topsort externalCampaignId) it is an update of that field; where that
field cannot change (SessionM, Targeter) the rename is blocked, with the platform's reason."""

from __future__ import annotations

from provisioner.config.models import Workspace
from provisioner.plans.action import Action
from provisioner.plans.change import FieldDiff, ResourceChange
from provisioner.providers.base import Capabilities
from provisioner.states.state import MANAGED, State


def pending_moves(workspace: Workspace, state: State) -> dict[str, str]:
    """new key → old key, for each `moved:` entry not applied yet: the old key is in state (a managed
    campaign) and the new one is not."""
    return {m.new: m.old for m in workspace.moved
            if m.new not in state.resources and (r := state.resources.get(m.old)) is not None
            and r.status == MANAGED and r.provider == workspace.campaigns[m.new].instance}


def plan_rename(change: ResourceChange, capabilities: Capabilities, platform: str,
                live_key: str | None) -> ResourceChange:
    """Complete the plan of a campaign moved from `change.moved_from`. `live_key` is the key the live
    campaign carries (None where the platform keeps none or cannot be read)."""
    old = change.moved_from
    if old is None or change.action is Action.CREATE or (change.action.is_blocked and not change.diffs):
        if old is not None:
            change.reason = f"moved from {old}; " + (change.reason or "")
        return change
    field = capabilities.key_field
    if capabilities.adopt_by != "key" or not field:
        change.reason = f"moved from {old} (a rename in state only: nothing is sent for it)" + \
            (f"; {change.reason}" if change.reason else "")
        if change.action is Action.NOOP:
            change.action, change.record_state = Action.RENAME, True
        return change
    if live_key == change.key:  # the platform already carries the new key
        change.reason = f"moved from {old}; the platform already has {field} {change.key!r}"
        change.record_state = True
        return change
    cannot = capabilities.why_not("update")
    blocked = (f"{cannot}: {field} (the campaign's key) is fixed when the campaign is created. Keep the key "
               f"{old!r} in YAML and drop this moved: entry, or create a new campaign under a new key")
    change.diffs.append(FieldDiff(field, live_key or old, change.key, blocked if cannot else None))
    if cannot:
        change.action = Action.CANNOT_UPDATE
        change.reason = f"moved from {old}: the rename is impossible on {platform}"
        change.warnings.append(f"{field}: cannot update in place: {blocked}")
    else:
        change.action = Action.UPDATE if change.action in (Action.NOOP, Action.UPDATE) else change.action
        change.reason = f"moved from {old}: {field} becomes {change.key!r}" + \
            (f"; {change.reason}" if change.reason else "")
    return change
