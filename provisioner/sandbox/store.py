"""Emulator state: named collections of JSON objects, optionally persisted to a journal file.

Each write appends one line, so a long sandbox session costs O(1) per request; the file is
compacted when it is opened. Kill the process at any moment and every committed write survives.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any


class Store:
    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path else None
        self._collections: dict[str, dict[str, Any]] = {}
        self._lock = threading.RLock()
        if self.path is not None:
            self._load_and_compact(self.path)

    def get(self, collection: str, key: str) -> Any:
        """The object, or None when there is none (typed Any: callers know their collections)."""
        return self._collections.get(collection, {}).get(str(key))

    def record(self, collection: str, key: str) -> dict[str, Any] | None:
        """An object of a collection of JSON objects (campaigns, orders, users), or None."""
        value = self.get(collection, key)
        if value is not None and not isinstance(value, dict):
            raise TypeError(f"{collection}/{key} holds a {type(value).__name__}, not an object")
        return value

    def put(self, collection: str, key: str, value: Any) -> None:
        with self._lock:
            self._collections.setdefault(collection, {})[str(key)] = value
            self._append({"c": collection, "k": str(key), "v": value})

    def delete(self, collection: str, key: str) -> None:
        with self._lock:
            self._collections.get(collection, {}).pop(str(key), None)
            self._append({"c": collection, "k": str(key), "deleted": True})

    def values(self, collection: str) -> Iterator[Any]:
        return iter(list(self._collections.get(collection, {}).values()))

    def count(self, collection: str) -> int:
        return len(self._collections.get(collection, {}))

    def _append(self, record: dict[str, Any]) -> None:
        if self.path is None:
            return
        with open(self.path, "a", encoding="utf-8") as journal:
            journal.write(json.dumps(record, separators=(",", ":")) + "\n")

    def _load_and_compact(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            for line in path.read_text(encoding="utf-8").splitlines():
                try:
                    record = json.loads(line)
                except ValueError:
                    continue  # a line torn by a kill -9 mid-write: that write never committed
                bucket = self._collections.setdefault(record["c"], {})
                if record.get("deleted"):
                    bucket.pop(record["k"], None)
                else:
                    bucket[record["k"]] = record["v"]
        tmp = path.with_suffix(".tmp")
        with open(tmp, "w", encoding="utf-8") as out:
            for collection, objects in self._collections.items():
                for key, value in objects.items():
                    out.write(json.dumps({"c": collection, "k": key, "v": value}, separators=(",", ":")) + "\n")
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
