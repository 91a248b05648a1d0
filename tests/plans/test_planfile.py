"""The plan file: versioned JSON, checksummed, round-trips exactly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from provisioner.errors import PlanFileError
from provisioner.plans.action import Action
from provisioner.plans.change import FieldDiff, ResourceChange
from provisioner.plans.plan import Plan
from provisioner.plans.planfile import _checksum, read_plan, write_plan
from tests.conftest import cli


def _plan() -> Plan:
    change = ResourceChange("k", "topsort", "topsort", Action.UPDATE, id="1", before={"name": "a"},
                            after={"name": "b"}, diffs=[FieldDiff("name", "a", "b")], live_fingerprint="f")
    return Plan("normal", ["ws"], "cd", "sd", "lin", "2026-11-23T00:00:00Z", changes=[change])


def test_round_trip(tmp_path: Path) -> None:
    write_plan(_plan(), tmp_path / "p.json")
    loaded = read_plan(tmp_path / "p.json")
    assert loaded.to_dict() == _plan().to_dict()
    assert json.loads((tmp_path / "p.json").read_text())["format_version"] == 2


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


def test_a_plan_of_the_previous_format_is_refused_with_a_re_plan_message(tmp_path: Path) -> None:
    """Format 1 named every blocked change "cannot-update"; its actions cannot be read as format 2's."""
    path = tmp_path / "old.json"
    write_plan(_plan(), path)
    data = json.loads(path.read_text())
    data["format_version"] = 1
    del data["checksum"]
    data["checksum"] = _checksum(data)  # a genuine old file: its checksum is valid
    path.write_text(json.dumps(data))
    with pytest.raises(PlanFileError, match=r"plan format 1 was written by an older version.*re-plan: run "
                                            r"`provisioner plan` again"):
        read_plan(path)


def test_apply_refuses_an_old_plan_file_and_says_to_re_plan(tmp_path: Path) -> None:
    path = tmp_path / "old.json"
    write_plan(_plan(), path)
    data = json.loads(path.read_text())
    data["format_version"] = 1
    del data["checksum"]
    data["checksum"] = _checksum(data)
    path.write_text(json.dumps(data))
    result = cli("apply", str(path))
    assert result.exit_code == 1 and "re-plan" in result.stderr and result.stdout == ""


def test_read_errors_are_part_of_the_plan(tmp_path: Path) -> None:
    plan = _plan()
    plan.read_errors = {"criteo": "HTTP 503"}
    write_plan(plan, tmp_path / "p.json")
    loaded = read_plan(tmp_path / "p.json")
    assert loaded.read_errors == {"criteo": "HTTP 503"} and not loaded.complete and _plan().complete


def test_an_unchanged_campaign_is_stored_by_key_and_field_digests(tmp_path: Path) -> None:
    plan = _plan()
    unchanged = ResourceChange("u", "topsort", "topsort", Action.NOOP, id="2", before={"name": "n"},
                               after={"name": "n", "budget": {"amount": "5"}})
    recorded = ResourceChange("r", "topsort", "topsort", Action.NOOP, id="3", before={"name": "m"},
                              after={"name": "m"}, record_state=True, live_fingerprint="g")
    plan.changes += [unchanged, recorded]
    write_plan(plan, tmp_path / "p.json")
    text = (tmp_path / "p.json").read_text()
    assert "\n" not in text.rstrip("\n") and ", " not in text  # one compact dump
    stored = {c["key"]: c for c in json.loads(text)["changes"]}
    assert set(stored["u"]) == {"key", "provider", "provider_type", "action", "id", "after_fields"}
    assert set(stored["u"]["after_fields"]) == {"name", "budget"}
    assert stored["r"]["after"] == {"name": "m"} and stored["r"]["record_state"]  # what apply writes
    loaded = read_plan(tmp_path / "p.json")
    assert loaded.to_dict(slim=True) == plan.to_dict(slim=True)
    assert loaded.counts()["no-op"] == 2 and [c.key for c in loaded.actionable] == ["k", "r"]


def test_the_checksum_is_over_the_canonical_body(tmp_path: Path) -> None:
    write_plan(_plan(), tmp_path / "p.json")
    data = json.loads((tmp_path / "p.json").read_text())
    checksum = data.pop("checksum")
    assert checksum == _checksum(data)


def test_the_file_is_the_plan_text_byte_for_byte(tmp_path: Path) -> None:
    """write_plan streams the body and the checksum (one copy of a large plan in memory); the bytes
    are exactly `plan_text`'s, non-ASCII names included (escaped by the canonical JSON)."""
    from provisioner.plans.planfile import plan_text

    plan = _plan()
    plan.changes[0].after = {"name": "Frühling ☀"}
    write_plan(plan, tmp_path / "p.json")
    written = (tmp_path / "p.json").read_bytes()
    assert written == plan_text(plan).encode("utf-8")
    assert written.endswith(b'"}\n') and read_plan(tmp_path / "p.json").to_dict() == plan.to_dict()


def _one_pass_file(plan: Plan, slim: bool = True) -> bytes:
    """The plan file as it was written before it was written in parts: the whole body's canonical
    JSON in one pass, then the checksum member."""
    import hashlib

    from provisioner.canonical import canonical_json

    body = canonical_json(plan.to_dict(slim)).encode()
    return body[:-1] + f',"checksum":"sha256:{hashlib.sha256(body).hexdigest()}"}}\n'.encode()


@pytest.mark.parametrize("count", [0, 1, 2, 3, 7])
def test_the_campaigns_written_in_parts_make_the_one_pass_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                               count: int) -> None:
    """write_plan encodes the campaigns a few at a time (a 50,000-campaign plan is never one tree of
    dicts and one text in memory); the bytes are those of the whole plan's canonical JSON, checksum
    included, whatever the number of parts."""
    from decimal import Decimal

    from provisioner.plans.action import DriftKind
    from provisioner.plans.change import DriftEntry
    from provisioner.plans.planfile import plan_document, plan_text

    monkeypatch.setattr("provisioner.plans.planfile.CHANGES_PER_PART", 2)
    kinds = [
        ResourceChange("a", "ts", "topsort", Action.NOOP, id="1", before={"name": "x"}, after={"name": "x"}),
        ResourceChange("b", "ts", "topsort", Action.UPDATE, id="2", before={"budget": Decimal("1.50")},
                       after={"budget": Decimal("2")}, diffs=[FieldDiff("budget", Decimal("1.50"), Decimal("2"))],
                       live_fingerprint="f", warnings=['"changes":[]']),
        ResourceChange("c-ü", "ts", "topsort", Action.CREATE, after={"name": "Frühling ☀"}, live_fingerprint="absent"),
        ResourceChange("d", "ts", "topsort", Action.NOOP, id="4", before={"name": "y"}, after={"name": "y"},
                       record_state=True, live_fingerprint="g"),
    ]
    changes = [kinds[i % len(kinds)] for i in range(count)]
    plan = Plan("normal", ["ws"], "cd", "sd", "lin", "2026-11-23T00:00:00Z", changes=changes,
                drift=[DriftEntry("d", "ts", "4", DriftKind.CHANGED, [FieldDiff("name", "y", "z")])],
                warnings=['a "changes":"\x00changes\x00" look-alike'], targets=["*"])
    write_plan(plan, tmp_path / "p.json")
    assert (tmp_path / "p.json").read_bytes() == _one_pass_file(plan)
    assert plan_text(plan, slim=False).encode() == _one_pass_file(plan, slim=False)
    assert plan_document(plan) == json.loads(_one_pass_file(plan, slim=False))
    assert [c.key for c in read_plan(tmp_path / "p.json").changes] == [c.key for c in changes]  # checksum holds
