"""The plan file: versioned JSON, checksummed, round-trips exactly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from provisioner.errors import PlanFileError
from provisioner.plans.action import Action
from provisioner.plans.change import FieldDiff, ResourceChange
from provisioner.plans.plan import Plan
from provisioner.plans.planfile import read_plan, write_plan


def _plan() -> Plan:
    change = ResourceChange("k", "topsort", "topsort", Action.UPDATE, id="1", before={"name": "a"},
                            after={"name": "b"}, diffs=[FieldDiff("name", "a", "b")], live_fingerprint="f")
    return Plan("normal", ["ws"], "cd", "sd", "lin", "2026-11-23T00:00:00Z", changes=[change])


def test_round_trip(tmp_path: Path) -> None:
    write_plan(_plan(), tmp_path / "p.json")
    loaded = read_plan(tmp_path / "p.json")
    assert loaded.to_dict() == _plan().to_dict()
    assert json.loads((tmp_path / "p.json").read_text())["format_version"] == 1


@pytest.mark.parametrize("edit, message", [
    (lambda d: d["changes"][0]["after"].update(name="c"), "checksum mismatch"),
    (lambda d: d.update(format_version=99), "plan format 99"),
    (lambda d: d.pop("checksum"), "no checksum"),
])
def test_refuses_edited_or_foreign_files(tmp_path: Path, edit, message: str) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "p.json"
    write_plan(_plan(), path)
    data = json.loads(path.read_text())
    edit(data)
    path.write_text(json.dumps(data))
    with pytest.raises(PlanFileError, match=message):
        read_plan(path)
