"""The engine never prints: it calls a Hook, and views implement hooks for people or machines."""

from __future__ import annotations

from typing import Any


class Hook:
    """No-op base class; override what you need (as Terraform's NilHook)."""

    def pre_refresh(self, instance: str) -> None: ...

    def post_refresh(self, instance: str, count: int, error: str | None,
                     not_observable: str | None = None) -> None: ...

    def post_refresh_all(self) -> None:
        """Every instance has been read; planning starts (the CLI freezes the GC here)."""

    def pre_apply(self, change: Any) -> None: ...

    def post_apply(self, outcome: Any) -> None: ...
