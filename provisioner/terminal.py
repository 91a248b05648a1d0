"""NO_COLOR (https://no-color.org), which the command group reads before any command runs: here on
its own, so that reading it loads neither the environment's classes nor the sandbox options (a
`validate` needs neither)."""

from __future__ import annotations

import os
from collections.abc import Mapping

NO_COLOR_VARIABLE = "NO_COLOR"  # set and not empty turns colour off


def no_color(environ: Mapping[str, str] | None = None) -> bool:
    """NO_COLOR alone, for the command group (it must not fail on the other variables)."""
    environ = os.environ if environ is None else environ
    return bool(environ.get(NO_COLOR_VARIABLE))
