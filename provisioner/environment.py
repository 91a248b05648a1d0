"""What the CLI reads from the process environment, gathered in one value that commands pass
down: nothing below the CLI reads `os.environ` (the engine and providers get plain data)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from provisioner.errors import ProvisionerError
from provisioner.sandboxing import SandboxOptions

NOW_VARIABLE = "PROVISIONER_NOW"  # pins the clock (tests, reproducible demos): an ISO 8601 time
NO_COLOR_VARIABLE = "NO_COLOR"  # https://no-color.org: set and not empty turns colour off


@dataclass(frozen=True)
class Environment:
    sandbox: SandboxOptions = field(default_factory=SandboxOptions)
    now: datetime | None = None  # None: the real clock, read when a plan is made
    no_color: bool = False  # NO_COLOR is set (and not empty)

    def clock(self) -> datetime:
        """The time plans are made at: pinned by PROVISIONER_NOW, else now (aware, UTC)."""
        return self.now or datetime.now(UTC)


def read_environment(environ: Mapping[str, str] | None = None) -> Environment:
    environ = os.environ if environ is None else environ
    seed = environ.get("PROVISIONER_SANDBOX_SEED", "")
    sandbox = SandboxOptions(faults=environ.get("PROVISIONER_SANDBOX_FAULTS") or None,
                             seed=int(seed) if seed.lstrip("-").isdigit() else None)
    return Environment(sandbox=sandbox, now=_pinned_now(environ.get(NOW_VARIABLE)), no_color=no_color(environ))


def no_color(environ: Mapping[str, str] | None = None) -> bool:
    """NO_COLOR alone, for the command group (it must not fail on the other variables)."""
    environ = os.environ if environ is None else environ
    return bool(environ.get(NO_COLOR_VARIABLE))


def _pinned_now(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ProvisionerError(f"{NOW_VARIABLE}={text!r} is not an ISO 8601 time "
                               "(e.g. 2030-01-01T00:00:00Z)") from None
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)
