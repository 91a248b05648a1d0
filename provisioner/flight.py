"""Flight-date checks on a plan, before any write: a create whose end has passed is refused (the
platform would refuse it only at apply, after review), a past start is a warning that says what the
platform will do, and a budget increase on a campaign whose flight has ended is a warning.

Each platform says where its flight is (`CampaignModel.flight`); the plan's clock is injected.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from provisioner.config.models import Workspace
from provisioner.plans.action import Action
from provisioner.plans.change import FieldDiff, ResourceChange


def _when(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def check_flights(changes: list[ResourceChange], workspace: Workspace, now: datetime) -> None:
    """Mark each change of `changes` whose flight dates make it fail or mislead (in place)."""
    for change in changes:
        # only a create or an update that sends something can fail or mislead by its dates: a no-op
        # (most of a plan) is not even parsed
        if change.action is not Action.CREATE and (change.action not in (Action.UPDATE, Action.ADOPT)
                                                   or not change.updatable):
            continue
        campaign = workspace.campaigns.get(change.key)
        if campaign is None or change.after is None:
            continue
        model = campaign.model_type  # the class: a cached campaign is not validated again for it
        flight = model.flight(change.after)
        if flight is None:
            continue
        if change.action is Action.CREATE:
            if flight.end is not None and flight.end <= now:
                change.action = Action.INVALID
                change.reason = (f"{flight.end_field} {change.after.get(flight.end_field)} has already passed "
                                 f"(now is {_when(now)}): {change.provider_type} would refuse the create, or "
                                 f"create a campaign that never runs; move {flight.end_field} into the future")
            elif flight.start is not None and flight.start < now:
                change.warnings.append(f"{flight.start_field} {change.after.get(flight.start_field)} is in the "
                                       f"past: {model.past_start_note}")
            continue
        if change.action not in (Action.UPDATE, Action.ADOPT) or not change.updatable:
            continue
        ended = flight.end is not None and flight.end <= now
        if ended and any(d.path == flight.end_field for d in change.updatable):
            change.action = Action.INVALID
            change.reason = (f"{flight.end_field} would change to {change.after.get(flight.end_field)}, which has "
                             f"already passed (now is {_when(now)}); {change.provider_type} does not run a "
                             "campaign in the past")
            continue
        if ended:
            for diff in change.updatable:
                if diff.path in model.budget_paths and _increases(diff):
                    change.warnings.append(
                        f"{diff.path} increases from {diff.before} to {diff.after}, but the flight ended at "
                        f"{_when(flight.end) if flight.end else '?'} ({flight.end_field}): the campaign spends "
                        "nothing more unless its dates change")


def _increases(diff: FieldDiff) -> bool:
    before, after = _amount(diff.before), _amount(diff.after)
    return after is not None and (before is None or after > before)


def _amount(value: Any) -> Decimal | None:
    if isinstance(value, dict):  # a wrapped amount, e.g. Criteo's {"value": n}
        value = value.get("value")
    if value is None or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None
