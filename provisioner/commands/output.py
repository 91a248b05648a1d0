"""Where command output goes: results to stdout, problems and progress to stderr."""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable

import click

from provisioner.errors import ConfigError
from provisioner.views.progress import ProgressHook


def out(text: str) -> None:
    click.echo(text, nl=not text.endswith("\n"))


def err(text: str) -> None:
    click.echo(text, err=True, nl=not text.endswith("\n"))


def report_config_error(error: ConfigError) -> None:
    for diagnostic in error.diagnostics:
        err(str(diagnostic))
    err(f"{len(error.diagnostics)} problem(s) found; nothing was sent to any platform.")


class CommandHook(ProgressHook):
    """Progress on stderr, and the process-wide tuning only a command that owns the process may do."""

    def post_refresh_all(self) -> None:
        # Config, state and live data are long-lived and acyclic: moving them out of the cyclic GC's
        # generations keeps planning linear (otherwise each collection rescans the growing heap).
        gc.freeze()


def progress_hook(redact: Callable[[str], str]) -> CommandHook:
    return CommandHook(err, redact)


def stdin_is_interactive() -> bool:
    return sys.stdin is not None and sys.stdin.isatty()
