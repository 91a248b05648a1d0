"""Where command output goes: results to stdout, problems and progress to stderr, shaped by the
global options (`--quiet`, `--no-color`, `--log-format`) and NO_COLOR."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import click

from provisioner.errors import ConfigError
from provisioner.hooks import Hook
from provisioner.views.progress import JsonProgress, LineProgress, Progress, TerminalProgress


@dataclass(frozen=True)
class OutputOptions:
    quiet: bool = False  # results and errors only: no progress, no notes
    color: bool = True  # colour where the stream is a terminal (off with --no-color or NO_COLOR)
    log_format: str = "text"  # "json": stderr carries one JSON object per event


_options = OutputOptions()


def configure(options: OutputOptions) -> None:
    """Set by the command group from its options, once per invocation."""
    global _options
    _options = options


def options() -> OutputOptions:
    return _options


def out(text: str) -> None:
    click.echo(text, nl=not text.endswith("\n"))


def err(text: str) -> None:
    """A problem: always shown (as a JSON event with --log-format json)."""
    if _options.log_format == "json":
        for line in text.rstrip("\n").splitlines():
            click.echo(json.dumps({"event": "error", "message": line}), err=True)
        return
    click.echo(text, err=True, nl=not text.endswith("\n"))


def note(text: str) -> None:
    """Information for a person (where the plan was saved...): left out by --quiet."""
    if _options.quiet:
        return
    if _options.log_format == "json":
        click.echo(json.dumps({"event": "note", "message": text.rstrip("\n")}), err=True)
        return
    click.echo(text, err=True, nl=not text.endswith("\n"))


# The plan's symbols at the start of a line (after indentation), and their colours on a terminal.
_SYMBOL_LINE = re.compile(r"^(\s*)(\+|~|-|!|<=)(\s)")
_STYLES = {"+": "green", "~": "yellow", "-": "red", "!": "bold red", "<=": "cyan"}


def out_diff(text: str) -> None:
    """A plan, drift or apply report for people: + ~ - ! coloured when stdout is a terminal."""
    if not (_options.color and sys.stdout.isatty()):
        out(text)
        return
    from rich.console import Console  # a terminal only: keeps rich off the import path of scripts and CI
    from rich.text import Text

    console = Console(highlight=False, soft_wrap=True)
    for line in text.rstrip("\n").split("\n"):
        match = _SYMBOL_LINE.match(line)
        console.print(Text(line, style=_STYLES[match.group(2)]) if match else Text(line))


def report_config_error(error: ConfigError) -> None:
    for diagnostic in error.diagnostics:
        err(str(diagnostic))
    err(f"{len(error.diagnostics)} problem(s) found; nothing was sent to any platform.")


class CommandHook(Hook):
    """Progress on stderr, and the process-wide tuning only a command that owns the process may do."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress

    def start_refresh(self, instances: int) -> None:
        self.progress.start_refresh(instances)

    def pre_refresh(self, instance: str) -> None:
        self.progress.pre_refresh(instance)

    def post_refresh(self, instance: str, count: int, error: str | None,
                     not_observable: str | None = None) -> None:
        self.progress.post_refresh(instance, count, error, not_observable)

    def post_refresh_all(self) -> None:
        self.progress.post_refresh_all()

    def start_apply(self, total: int) -> None:
        self.progress.start_apply(total)

    def pre_apply(self, change: Any) -> None:
        self.progress.pre_apply(change)

    def post_apply(self, outcome: Any) -> None:
        self.progress.post_apply(outcome)

    def close(self) -> None:
        self.progress.close()


def progress_hook(redact: Callable[[str], str]) -> CommandHook:
    """The progress view the options and stderr call for."""
    progress: Progress
    if _options.quiet:
        progress = Progress()
    elif _options.log_format == "json":
        progress = JsonProgress(_write_err, redact)
    elif sys.stderr.isatty():
        progress = TerminalProgress(_options.color)
    else:
        progress = LineProgress(_write_err, redact)
    return CommandHook(progress)


def _write_err(text: str) -> None:
    click.echo(text, err=True)


def stdin_is_interactive() -> bool:
    return sys.stdin is not None and sys.stdin.isatty()
