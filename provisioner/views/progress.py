"""Progress for people and machines, on stderr so stdout stays the result: a live bar with a counter
and ETA on a terminal (rich, imported only then), a line every few seconds in CI logs, or one JSON
object per event. Apply outcomes are not printed here: the final report prints each one once."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from provisioner.hooks import Hook

if TYPE_CHECKING:  # (the applier imports httpx and the providers: not needed to print progress)
    from provisioner.applier import Outcome

Write = Callable[[str], None]
Redact = Callable[[str], str]


class Progress(Hook):
    """What every progress view is told: the hook's events, plus how many changes an apply will make
    (`start_apply`) and that the run's output is about to be printed (`close`)."""

    def start_refresh(self, instances: int) -> None: ...

    def start_apply(self, total: int) -> None: ...

    def close(self) -> None: ...


def _eta(done: int, total: int, elapsed: float) -> str:
    if not done or done >= total:
        return ""
    seconds = round(elapsed / done * (total - done))
    return f", about {seconds // 60}m{seconds % 60:02d}s left" if seconds >= 60 else f", about {seconds}s left"


class LineProgress(Progress):
    """Logs (CI, files): one line per provider instance read, and during an apply a line every
    `interval` seconds with the count and the time left, instead of one line per campaign."""

    def __init__(self, write: Write, redact: Redact = lambda s: s, interval: float = 5.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.write, self.redact, self.interval, self.clock = write, redact, interval, clock
        self._lock = threading.Lock()
        self.total = self.done = self.failed = 0
        self.started = self.last = 0.0

    def post_refresh(self, instance: str, count: int, error: str | None,
                     not_observable: str | None = None) -> None:
        if not_observable:
            self.write(f"{instance}: live state is not observable ({not_observable}); planning from state")
        elif error:
            self.write(f"{instance}: reading live state failed: {self.redact(error)}")
        else:
            self.write(f"{instance}: read {count} live campaign(s)")

    def start_apply(self, total: int) -> None:
        self.total, self.started = total, self.clock()
        self.last = self.started
        self.write(f"Applying {total} change(s)...")

    def post_apply(self, outcome: Outcome) -> None:
        with self._lock:
            self.done += 1
            self.failed += 0 if outcome.ok else 1
            now = self.clock()
            if now - self.last < self.interval or self.done >= self.total:
                return
            self.last = now
            failed = f" ({self.failed} failed)" if self.failed else ""
            self.write(f"applied {self.done}/{self.total}{failed}{_eta(self.done, self.total, now - self.started)}")


class JsonProgress(Progress):
    """`--log-format json`: one JSON object per event, for log collectors."""

    def __init__(self, write: Write, redact: Redact = lambda s: s) -> None:
        self.write, self.redact = write, redact
        self._lock = threading.Lock()

    def emit(self, event: str, **fields: Any) -> None:
        record = {"time": datetime.now(UTC).isoformat(timespec="milliseconds"), "event": event, **fields}
        with self._lock:
            self.write(json.dumps(record, default=str))

    def post_refresh(self, instance: str, count: int, error: str | None,
                     not_observable: str | None = None) -> None:
        self.emit("read", instance=instance, campaigns=count, error=self.redact(error) if error else None,
                  not_observable=not_observable)

    def start_apply(self, total: int) -> None:
        self.emit("apply-start", changes=total)

    def post_apply(self, outcome: Outcome) -> None:
        self.emit("outcome", provider=outcome.provider, key=outcome.key, action=outcome.action.value, ok=outcome.ok,
                  id=outcome.id, code=outcome.code, message=outcome.message)


class TerminalProgress(Progress):
    """A terminal: a live bar with a counter and the time left, drawn by rich and erased when done."""

    def __init__(self, color: bool) -> None:
        from rich.console import Console  # imported here: only a terminal pays for it
        from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeRemainingColumn
        from rich.progress import Progress as Bar

        self.bar = Bar(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                       TextColumn("{task.fields[detail]}"), TimeRemainingColumn(),
                       console=Console(stderr=True, no_color=not color), transient=True)
        self.campaigns = 0
        self.reading: Any = None
        self.applying: Any = None
        self._lock = threading.Lock()

    def start_refresh(self, instances: int) -> None:
        self.bar.start()
        self.reading = self.bar.add_task("Reading live state", total=instances, detail="")

    def post_refresh(self, instance: str, count: int, error: str | None,
                     not_observable: str | None = None) -> None:
        if self.reading is None:
            return
        with self._lock:
            self.campaigns += count
            self.bar.update(self.reading, advance=1, detail=f"{self.campaigns} campaign(s)")
        if error:
            self.bar.console.print(f"{instance}: reading live state failed", markup=False, highlight=False)

    def start_apply(self, total: int) -> None:
        self.bar.start()
        self.applying = self.bar.add_task("Applying", total=total, detail="")
        self.failed = 0

    def post_apply(self, outcome: Outcome) -> None:
        if self.applying is None:
            return
        with self._lock:
            self.failed += 0 if outcome.ok else 1
            self.bar.update(self.applying, advance=1, detail=f"{self.failed} failed" if self.failed else "")

    def close(self) -> None:
        """Erase the bar before the result (or a prompt) is printed; a later step may start it again."""
        for task in (self.reading, self.applying):
            if task is not None:
                self.bar.remove_task(task)
        self.reading = self.applying = None
        self.bar.stop()
