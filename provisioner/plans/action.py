"""The plan's vocabulary, defined once: what can happen to a campaign (Action) and what drift can
be found (DriftKind). Every renderer shows an action's symbol; the plan file stores the values."""

from __future__ import annotations

import enum


class Action(enum.StrEnum):
    CREATE = "create"
    UPDATE = "update"
    ADOPT = "adopt"  # a live campaign is recognised as ours and recorded (then updated if it differs)
    ACTIVATE = "activate"  # a campaign created paused is switched on
    RETIRE = "retire"  # deactivate on the platform (only with --prune)
    RENAME = "rename"  # a `moved:` key rename recorded in state only (the platform keys it by id)
    NOOP = "no-op"
    WAITING = "waiting"  # an ambiguous create waits for the platform to settle: not applied, not blocked
    # The blocked family: config and platform differ in a way apply will not resolve; a human must.
    CANNOT_UPDATE = "cannot-update"  # a create-only field differs, or the platform has no update
    CANNOT_RETIRE = "cannot-retire"  # removed from config (--prune) on a platform that cannot retire
    CANNOT_MOVE = "cannot-move"  # state records the campaign under another provider instance
    AMBIGUOUS = "ambiguous"  # several live campaigns match; cannot tell which one is ours
    NOT_OWNED = "not-owned"  # a live campaign this workspace did not create
    PROTECTED = "protected"  # `protect: true` forbids it: a retirement, or a change not made in place
    INVALID = "invalid"  # the platform would refuse it: a flight date or a platform rule fails

    @property
    def symbol(self) -> str:
        return _SYMBOLS.get(self, BLOCKED_SYMBOL)

    @property
    def is_blocked(self) -> bool:
        return self in BLOCKED

    @property
    def is_change(self) -> bool:
        """Config and platforms differ here (a blocked one counts: it needs a human)."""
        return self is not Action.NOOP


BLOCKED_SYMBOL = "!"
BLOCKED = frozenset({Action.CANNOT_UPDATE, Action.CANNOT_RETIRE, Action.CANNOT_MOVE, Action.AMBIGUOUS,
                     Action.NOT_OWNED, Action.PROTECTED, Action.INVALID})
_SYMBOLS = {Action.CREATE: "+", Action.UPDATE: "~", Action.ADOPT: "<=", Action.ACTIVATE: ">",
            Action.RETIRE: "-", Action.RENAME: "->", Action.NOOP: " ", Action.WAITING: "…"}


class DriftKind(enum.StrEnum):
    """What `drift` found for one campaign recorded in state."""

    CHANGED = "changed"  # live differs from what was last applied
    DELETED = "deleted"  # the campaign is gone from the platform
    POSSIBLE_DUPLICATE = "possible-duplicate"  # another live campaign looks like this one
    PLATFORM_CHANGED = "platform-changed"  # the platform changed it on its own, e.g. ended it

    @property
    def is_human(self) -> bool:
        """Someone (or something other than the platform's own rules) changed it: drift exits 2."""
        return self is not DriftKind.PLATFORM_CHANGED
