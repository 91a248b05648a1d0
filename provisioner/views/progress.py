"""Progress for people: one line per provider instance read and per campaign applied, written
through the function the command gives (stderr), so stdout stays the result."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from provisioner.hooks import Hook

if TYPE_CHECKING:  # (the applier imports httpx and the providers: not needed to print progress)
    from provisioner.applier import Outcome


class ProgressHook(Hook):
    def __init__(self, write: Callable[[str], None], redact: Callable[[str], str] = lambda s: s) -> None:
        self.write = write
        self.redact = redact

    def post_refresh(self, instance: str, count: int, error: str | None,
                     not_observable: str | None = None) -> None:
        if not_observable:
            self.write(f"{instance}: live state is not observable ({not_observable}); planning from state")
        elif error:
            self.write(f"{instance}: reading live state failed: {self.redact(error)}")
        else:
            self.write(f"{instance}: read {count} live campaign(s)")

    def post_apply(self, outcome: Outcome) -> None:
        status = "ok" if outcome.ok else "FAILED"
        detail = f" (id {outcome.id})" if outcome.id else ""
        message = f": {outcome.message}" if outcome.message else ""
        self.write(f"{outcome.provider}.{outcome.key}: {outcome.action.value} {status}{detail}{message}")
