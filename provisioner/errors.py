"""Exceptions of provisioner, as a tree:

ProvisionerError
 ├── ConfigError            the workspace is invalid (carries every Diagnostic found)
 ├── StateError             the state cannot be read or written
 │    └── StateLockedError  another run holds the lock (says who)
 ├── PlanFileError          a saved plan is unreadable, edited, or of another format
 └── ProviderError          a platform refused or failed a request (code, status)
      └── AmbiguousOutcomeError  the request may or may not have been applied (timeout, dropped)
"""

from __future__ import annotations

from provisioner.diagnostics import Diagnostic


class ProvisionerError(Exception):
    """Base class: every error the CLI reports without a traceback."""


class ConfigError(ProvisionerError):
    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = diagnostics
        super().__init__("\n".join(str(d) for d in diagnostics))


class StateError(ProvisionerError):
    pass


class StateLockedError(StateError):
    pass


class PlanFileError(ProvisionerError):
    pass


class ProviderError(ProvisionerError):
    """`code` is the platform's own error code when it sent one (e.g. Criteo's validation code)."""

    def __init__(self, message: str, code: str | None = None, status: int | None = None) -> None:
        self.code = code
        self.status = status
        super().__init__(message)


class AmbiguousOutcomeError(ProviderError):
    pass

