"""Canonical JSON and its hash: the one way provisioner turns a value into a stable digest (config,
state, live fingerprints and the plan file's checksum all use it)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

COMPACT = (",", ":")
SPACED = (", ", ": ")  # json.dumps's default spacing: the config digest was first computed with it


def canonical_json(value: Any, *, separators: tuple[str, str] = COMPACT) -> str:
    """Sorted keys; values JSON cannot hold (Decimal, datetime) as their str()."""
    return json.dumps(value, sort_keys=True, default=str, separators=separators)


def content_hash(value: Any, *, separators: tuple[str, str] = COMPACT) -> str:
    """SHA-256 (hex) of the canonical JSON of `value`."""
    return hashlib.sha256(canonical_json(value, separators=separators).encode()).hexdigest()
