"""What `base_url: sandbox` means for a run: the platform's emulator, in-process, reached through
an httpx transport that the engine hands to the provider. Providers never know about it."""

from __future__ import annotations

import threading
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported where a sandbox is used: the CLI reads SandboxOptions on every start
    import httpx


@dataclass(frozen=True)
class SandboxOptions:
    """Fault injection for in-process emulators (the CLI reads it from the environment)."""

    faults: str | None = None  # "RATE[:kinds]", e.g. "0.2:429,500,drop-after"
    seed: int | None = None  # replayable faults; each platform derives its own sequence


@dataclass
class Sandboxes:
    """The in-process emulators of a process, one per platform, made on first use and shared by
    every run given this object (so state persists between runs, as on a real platform).
    `state_dir` None keeps their data in memory until a run sets it."""

    options: SandboxOptions = field(default_factory=SandboxOptions)
    state_dir: Path | None = None
    emulators: dict[str, Any] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def transport(self, platform: str) -> httpx.BaseTransport:
        with self._lock:
            if platform not in self.emulators:
                seed = self.options.seed
                if seed is not None:
                    seed ^= zlib.crc32(platform.encode())
                from provisioner.sandbox.faults import FaultInjector
                from provisioner.sandbox.registry import make_emulator

                faults = FaultInjector.parse(self.options.faults, seed=seed) if self.options.faults else None
                self.emulators[platform] = make_emulator(platform, self.state_dir, faults)
            from provisioner.sandbox.transport import EmulatorTransport

            return EmulatorTransport(self.emulators[platform])
