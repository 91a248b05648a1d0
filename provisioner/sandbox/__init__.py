"""Local emulators of the five advertising platforms, served over loopback HTTP or in-process.

The emulators are a platform, not a mock of our client: they follow ../shared/api-docs and
api-contracts.md, and never import provider or config code (tests/sandbox/test_isolation.py checks).
"""

from provisioner.sandbox.core import Emulator, PlatformRequest, PlatformResponse
from provisioner.sandbox.registry import EMULATOR_NAMES, make_emulator

__all__ = ["EMULATOR_NAMES", "Emulator", "PlatformRequest", "PlatformResponse", "make_emulator"]
