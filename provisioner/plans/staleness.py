"""Why a saved plan no longer describes reality, as data: the engine finds these, views word them."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any


class StaleKind(enum.StrEnum):
    OTHER_LINEAGE = "other-lineage"  # the state belongs to another workspace lineage
    READ_ERROR = "read-error"  # a provider instance could not be read (`key` is the instance)
    CONFIG_ADDED = "config-added"  # a campaign was added to the configuration
    CONFIG_REMOVED = "config-removed"
    CONFIG_CHANGED = "config-changed"  # a campaign's declared fields changed (`fields`)
    CONFIG_OTHER = "config-other"  # the configuration changed elsewhere (e.g. provider settings)
    STATE_CHANGED = "state-changed"  # another apply ran since the plan
    NOT_PLANNED = "not-planned"  # the campaign is no longer planned at all
    ACTION_CHANGED = "action-changed"  # `planned` action, `now` the action a fresh plan makes
    LIVE_CHANGED = "live-changed"  # the live campaign differs from when the plan was made (`fields`)
    # the plan file says something the configuration does not (`fields`: planned = the file's value,
    # live = what a fresh plan computes); `key` None for a plan-level field such as prune
    PLAN_EDITED = "plan-edited"


@dataclass(frozen=True)
class FieldChange:
    field: str
    planned: Any = None  # the value when the plan was made
    live: Any = None  # the value now


@dataclass(frozen=True)
class Staleness:
    kind: StaleKind
    key: str | None = None  # the campaign key (the provider instance for READ_ERROR)
    fields: tuple[FieldChange, ...] = ()
    planned: str | None = None  # ACTION_CHANGED: the action in the saved plan
    now: str | None = None  # ACTION_CHANGED: the action a fresh plan makes
    detail: str | None = None  # READ_ERROR: why the read failed
