"""What the CLI reads from the process environment, gathered in one value that commands pass
down: the engine, planner and providers read no environment variable. The one other reader is
the config loader, resolving a workspace's `${env:NAME}` references, which is what they mean."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from provisioner.errors import ProvisionerError
from provisioner.sandboxing import SandboxOptions
from provisioner.terminal import no_color

NOW_VARIABLE = "PROVISIONER_NOW"  # pins the clock (tests, reproducible demos): an ISO 8601 time


@dataclass(frozen=True)
class CiRun:
    """The commit and CI run an apply came from, as the CI system names them (GitHub Actions,
    GitLab CI); recorded in state on every campaign that apply writes."""

    commit: str | None = None
    run: str | None = None  # the run's URL where the CI gives enough to build it, else its id

    def as_dict(self) -> dict[str, str]:
        return {k: v for k, v in (("commit", self.commit), ("run", self.run)) if v}


@dataclass(frozen=True)
class Environment:
    sandbox: SandboxOptions = field(default_factory=SandboxOptions)
    now: datetime | None = None  # None: the real clock, read when a plan is made
    ci: CiRun = field(default_factory=CiRun)
    no_color: bool = False  # NO_COLOR is set (and not empty)

    def clock(self) -> datetime:
        """The time plans are made at: pinned by PROVISIONER_NOW, else now (aware, UTC)."""
        return self.now or datetime.now(UTC)


def read_environment(environ: Mapping[str, str] | None = None) -> Environment:
    environ = os.environ if environ is None else environ
    seed = environ.get("PROVISIONER_SANDBOX_SEED", "")
    sandbox = SandboxOptions(faults=environ.get("PROVISIONER_SANDBOX_FAULTS") or None,
                             seed=int(seed) if seed.lstrip("-").isdigit() else None)
    return Environment(sandbox=sandbox, now=_pinned_now(environ.get(NOW_VARIABLE)), ci=_ci_run(environ),
                       no_color=no_color(environ))


def _ci_run(environ: Mapping[str, str]) -> CiRun:
    """GitHub Actions (GITHUB_SHA, GITHUB_SERVER_URL/GITHUB_REPOSITORY/GITHUB_RUN_ID) or GitLab CI
    (CI_COMMIT_SHA, CI_PIPELINE_URL or CI_PIPELINE_ID); empty outside CI."""
    if environ.get("GITHUB_SHA") or environ.get("GITHUB_RUN_ID"):
        run_id = environ.get("GITHUB_RUN_ID") or None
        server, repository = environ.get("GITHUB_SERVER_URL"), environ.get("GITHUB_REPOSITORY")
        run = f"{server.rstrip('/')}/{repository}/actions/runs/{run_id}" if run_id and server and repository \
            else run_id
        return CiRun(environ.get("GITHUB_SHA") or None, run)
    return CiRun(environ.get("CI_COMMIT_SHA") or None,
                 environ.get("CI_PIPELINE_URL") or environ.get("CI_PIPELINE_ID") or None)


def _pinned_now(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ProvisionerError(f"{NOW_VARIABLE}={text!r} is not an ISO 8601 time "
                               "(e.g. 2030-01-01T00:00:00Z)") from None
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)
