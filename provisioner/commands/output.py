"""How commands talk to people: results to stdout, diagnostics and progress to stderr."""

from __future__ import annotations

import sys

import click

from provisioner.applier import Outcome
from provisioner.errors import ConfigError
from provisioner.hooks import Hook


def out(text: str) -> None:
    click.echo(text, nl=not text.endswith("\n"))


def err(text: str) -> None:
    click.echo(text, err=True, nl=not text.endswith("\n"))


def report_config_error(error: ConfigError) -> None:
    for diagnostic in error.diagnostics:
        err(str(diagnostic))
    err(f"{len(error.diagnostics)} problem(s) found; nothing was sent to any platform.")


class ProgressHook(Hook):
    """Prints refresh and apply progress to stderr, so stdout stays the result."""

    def __init__(self, redact=lambda s: s, quiet: bool = False) -> None:  # type: ignore[no-untyped-def]
        self.redact = redact
        self.quiet = quiet

    def post_refresh(self, instance: str, count: int, error: str | None,
                     not_observable: str | None = None) -> None:
        if self.quiet:
            return
        if not_observable:
            err(f"{instance}: live state is not observable ({not_observable}); planning from state")
        elif error:
            err(f"{instance}: reading live state failed: {self.redact(error)}")
        else:
            err(f"{instance}: read {count} live campaign(s)")

    def post_apply(self, outcome: Outcome) -> None:
        if self.quiet:
            return
        status = "ok" if outcome.ok else "FAILED"
        detail = f" (id {outcome.id})" if outcome.id else ""
        message = f": {outcome.message}" if outcome.message else ""
        err(f"{outcome.provider}.{outcome.key}: {outcome.action.value} {status}{detail}{message}")


def stdin_is_interactive() -> bool:
    return sys.stdin is not None and sys.stdin.isatty()
