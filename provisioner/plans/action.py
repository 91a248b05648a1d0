"""Plan actions: a small enum carrying the symbol every renderer shows."""

from __future__ import annotations

import enum


class Action(str, enum.Enum):
    CREATE = "create"
    UPDATE = "update"
    ADOPT = "adopt"  # a live campaign is recognised as ours and recorded (then updated if it differs)
    RETIRE = "retire"  # deactivate on the platform (only with --prune)
    BLOCKED = "cannot-update"  # config and platform differ in a way the API cannot change in place
    NOOP = "no-op"

    @property
    def symbol(self) -> str:
        return _SYMBOLS[self]

    @property
    def is_change(self) -> bool:
        return self is not Action.NOOP


_SYMBOLS = {Action.CREATE: "+", Action.UPDATE: "~", Action.ADOPT: "<=", Action.RETIRE: "-",
            Action.BLOCKED: "!", Action.NOOP: " "}
