"""Diagnostics are values: gathered with their source position, rendered by the CLI.

Validation collects every problem it finds (file, line, field) instead of stopping at the first,
as pre-commit and Terraform's tfdiags do; the command decides the exit code.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SourceLocation:
    file: str
    line: int | None = None

    def __str__(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file


@dataclass(frozen=True)
class Diagnostic:
    summary: str
    source: SourceLocation | None = None
    field: str | None = None  # dotted path inside the document, e.g. campaigns.spring.budget.amount
    severity: str = "error"

    def __str__(self) -> str:
        where = f"{self.source}: " if self.source else ""
        what = f"{self.field}: " if self.field else ""
        return f"{where}{self.severity}: {what}{self.summary}"
