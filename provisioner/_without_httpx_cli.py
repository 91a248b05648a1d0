"""Keeps httpx from importing its own command-line client: it does so whenever rich is installed
(rich and pygments, ~40 ms on every start), and provisioner installs rich for its terminal progress."""

import sys

# A None entry makes `from ._main import main` in httpx fail, as httpx expects when its CLI extras are
# absent (it then defines a stub); provisioner never runs httpx's CLI.
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]  # None blocks an import (importlib docs)
