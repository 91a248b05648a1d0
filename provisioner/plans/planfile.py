"""Plan ↔ versioned JSON file, the only serialiser; renderers and apply all read this form.

The checksum catches accidental edits of a saved plan. It is not a signature: anyone who can
write the file can recompute it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from pathlib import Path
from typing import Any

from provisioner.canonical import canonical_json, content_hash
from provisioner.errors import PlanFileError
from provisioner.plans.plan import FORMAT_VERSION, Plan


def _checksum(body: dict[str, Any]) -> str:
    return "sha256:" + content_hash(body)


def plan_text(plan: Plan, slim: bool = True) -> str:
    """The plan file's text: the body's canonical JSON (the bytes the checksum is computed on,
    written by the C encoder in one pass) with the checksum added as the last member."""
    body, tail = _plan_bytes(plan, slim)
    return (bytes(body) + tail).decode("utf-8")


def _plan_bytes(plan: Plan, slim: bool) -> tuple[memoryview, bytes]:
    """The plan file as (the body's canonical JSON without its closing brace, the checksum member
    and the rest): written as two parts, a 50,000-campaign plan is held in memory once, not three
    times (text, its UTF-8 bytes, the text with the checksum)."""
    body = canonical_json(plan.to_dict(slim)).encode()  # Decimals etc. → their JSON (string) forms
    checksum = "sha256:" + hashlib.sha256(body).hexdigest()
    return memoryview(body)[:-1], f',"checksum":"{checksum}"}}\n'.encode()


def plan_document(plan: Plan) -> dict[str, Any]:
    """The plan as a value (what `--format json` shows): every campaign in full, and still a plan
    file `apply` accepts (its checksum is over this form)."""
    document: dict[str, Any] = json.loads(plan_text(plan, slim=False))
    return document


def write_plan(plan: Plan, path: Path) -> None:
    tmp = path.with_name(path.name + ".tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        body, tail = _plan_bytes(plan, slim=True)
        with open(tmp, "wb") as out:
            out.write(body)
            out.write(tail)
        os.replace(tmp, path)
    except OSError as error:
        with contextlib.suppress(OSError):  # a half-written temporary file is never a plan
            tmp.unlink(missing_ok=True)
        raise PlanFileError(f"{path}: cannot write the plan file ({error.strerror or error})") from None


def read_plan(path: Path) -> Plan:
    try:
        data = json.loads(path.read_text("utf-8"))
    except OSError as error:
        raise PlanFileError(f"{path}: cannot read plan file ({error.strerror})") from None
    except ValueError as error:
        raise PlanFileError(f"{path}: not a plan file (invalid JSON: {error})") from None
    if not isinstance(data, dict) or "checksum" not in data:
        raise PlanFileError(f"{path}: not a provisioner plan file (no checksum)")
    version = data.get("format_version")
    if version != FORMAT_VERSION:
        older = isinstance(version, int) and version < FORMAT_VERSION
        raise PlanFileError(f"{path}: plan format {version!r} was written by "
                            f"{'an older' if older else 'another'} version of provisioner (this one reads format "
                            f"{FORMAT_VERSION}); re-plan: run `provisioner plan` again and apply the new plan")
    checksum = data.pop("checksum")
    if _checksum(data) != checksum:
        raise PlanFileError(f"{path}: the plan file was modified after it was written (checksum mismatch); "
                            "make a new plan instead of editing one")
    try:
        return Plan.from_dict(data)
    except (KeyError, TypeError, ValueError) as error:
        raise PlanFileError(f"{path}: malformed plan file ({error})") from None
