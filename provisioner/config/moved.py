"""One entry of the `moved:` section, apart from config/models.py (which gives it as before): most
workspaces declare none, and making the frozen dataclass costs a cold `validate` ~4.5 M instructions."""

from __future__ import annotations

from dataclasses import dataclass

from provisioner.diagnostics import SourceLocation


@dataclass(frozen=True)
class Move:
    """One entry of the `moved:` section: the campaign keyed `old` in state is now keyed `new`."""

    old: str
    new: str
    source: SourceLocation
