"""Canonical JSON and its hash: the one way provisioner turns a value into a stable digest (config,
state, live fingerprints and the plan file's checksum all use it)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

COMPACT = (",", ":")
SPACED = (", ", ": ")  # json.dumps's default spacing: the config digest was first computed with it


def canonical_json(value: Any, *, separators: tuple[str, str] = COMPACT, acyclic: bool = False) -> str:
    """Sorted keys; values JSON cannot hold (Decimal, datetime) as their str(). `acyclic`: the
    caller knows `value` holds no cycle (json then keeps no marker per container, ~10% quicker;
    the text is the same)."""
    return json.dumps(value, sort_keys=True, default=str, separators=separators, check_circular=not acyclic)


def content_hash(value: Any, *, separators: tuple[str, str] = COMPACT, acyclic: bool = False) -> str:
    """SHA-256 (hex) of the canonical JSON of `value`."""
    return hashlib.sha256(canonical_json(value, separators=separators, acyclic=acyclic).encode()).hexdigest()
