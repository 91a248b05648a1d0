"""Platform rules on a plan, before any write: the problems a provider found in the declared
campaigns (`ChecksRules`) block their creates and updates, and an instance whose login may not
read the rules says so in the plan, so nobody mistakes "not checked" for "checked"."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from provisioner.plans.action import Action
from provisioner.plans.plan import Plan

if TYPE_CHECKING:  # refresh imports the providers' HTTP layer; only its LiveView type is needed here
    from provisioner.refresh import LiveView


_WRITES = frozenset({Action.CREATE, Action.UPDATE, Action.ADOPT})


def check_platform_rules(plan: Plan, live: Mapping[str, LiveView]) -> None:
    """Block the writes whose declared values break a rule; note where rules went unchecked."""
    rules_of = {instance: view.rules for instance, view in live.items() if view.rules is not None}
    if not rules_of:
        return
    # the writes of the plan, found in one pass (most changes of a plan are no-ops)
    all_writes = [c for c in plan.changes if c.action in _WRITES
                  and (c.action is Action.CREATE or c.updatable)]
    for instance in sorted(rules_of):
        rules = rules_of[instance]
        writes = [c for c in all_writes if c.provider == instance]
        if rules.unchecked and writes:
            plan.warnings.append(f"{instance}: platform rules are unchecked for "
                                 f"{', '.join(c.key for c in writes)}: {rules.unchecked}")
        for change in writes:
            problems = [p for p in rules.problems.get(change.key, [])
                        if change.action is Action.CREATE or not p.create_only]
            if problems:
                change.action = Action.INVALID
                change.reason = (f"{change.provider_type} would refuse it: "
                                 + "; ".join(f"{p.path}: {p.rule}" for p in problems))
