"""Plan ↔ versioned JSON file, the only serialiser; renderers and apply all read this form.

The checksum catches accidental edits of a saved plan. It is not a signature: anyone who can
write the file can recompute it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from provisioner.canonical import COMPACT, content_hash
from provisioner.errors import PlanFileError
from provisioner.plans.plan import FORMAT_VERSION, Plan


def _checksum(body: dict[str, Any]) -> str:
    return "sha256:" + content_hash(body)


def plan_text(plan: Plan, slim: bool = True) -> str:
    """The plan file's text: the body's canonical JSON (the bytes the checksum is computed on) with
    the checksum added as the last member."""
    return b"".join(_plan_file_parts(plan, slim)).decode("utf-8")


# the campaigns encoded at a time: a 50,000-campaign plan is never held as one tree of dicts, one
# text and its bytes (+65 MB at the peak of writing it), only as this many campaigns' dicts and JSON
CHANGES_PER_PART = 500
_ENCODE = json.JSONEncoder(sort_keys=True, default=str, separators=COMPACT).encode  # canonical_json's
_CHANGES_SLOT = "\x00changes\x00"  # stands for the changes while the rest of the document is encoded


def _plan_file_parts(plan: Plan, slim: bool) -> Iterator[bytes]:
    """The plan file in parts, ending with the checksum member: the parts of the body are exactly
    `canonical_json(plan.to_dict(slim))` (what the checksum is computed on) without its closing
    brace. The campaigns are encoded CHANGES_PER_PART at a time: a list's canonical JSON is its
    items' joined by ",", so the parts join to the document's one-pass encoding."""
    document = plan.to_dict(slim, changes=False)
    document["changes"] = _CHANGES_SLOT
    # sorted keys: "changes" is the second member (after a boolean), so the first slot is this one
    head, tail = _ENCODE(document).split(f'"changes":{_ENCODE(_CHANGES_SLOT)}', 1)
    digest = hashlib.sha256()
    part = f'{head}"changes":['.encode()
    digest.update(part)
    yield part
    changes = plan.changes
    for start in range(0, len(changes), CHANGES_PER_PART):
        items = _ENCODE([c.to_dict(slim) for c in changes[start:start + CHANGES_PER_PART]])[1:-1]
        part = (items if start == 0 else f",{items}").encode()
        digest.update(part)
        yield part
    part = f"]{tail}".encode()
    digest.update(part)
    yield part[:-1]  # the body's closing brace comes after the checksum member
    yield f',"checksum":"sha256:{digest.hexdigest()}"}}\n'.encode()


def plan_document(plan: Plan) -> dict[str, Any]:
    """The plan as a value (what `--format json` shows): every campaign in full, and still a plan
    file `apply` accepts (its checksum is over this form)."""
    document: dict[str, Any] = json.loads(plan_text(plan, slim=False))
    return document


def write_plan(plan: Plan, path: Path) -> None:
    tmp = path.with_name(path.name + ".tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "wb") as out:
            for part in _plan_file_parts(plan, slim=True):
                out.write(part)
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
