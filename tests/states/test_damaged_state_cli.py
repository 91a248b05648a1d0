"""Damaged or misplaced state through the command line: every case is one clear line naming the
file (and line) and what was expected, exit 1, no traceback, and no request sent."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from provisioner.states.state import ResourceState
from provisioner.states.statemgr import JOURNAL, LOCK, SNAPSHOT, LocalStateManager
from tests.conftest import Platforms, cli

GOOD = {"key": "spring-sale", "provider": "topsort", "provider_type": "topsort", "status": "managed",
        "id": "c-1", "attrs": {}, "outputs": {}}


def snapshot(resources: object, **fields: object) -> str:
    return json.dumps({"format_version": 1, "lineage": "l-1", "serial": 3, "resources": resources, **fields})


SNAPSHOTS: dict[str, tuple[bytes, str]] = {
    "null": (b"null", "expected a state object"),
    "list": (b"[]", "expected a state object"),
    "number": (b"5", "expected a state object"),
    "missing lineage": (json.dumps({"format_version": 1, "serial": 0, "resources": {}}).encode(),
                        'expected "lineage" to be a non-empty string, found nothing'),
    "serial is text": (snapshot({}, serial="three").encode(), 'expected "serial" to be a whole number'),
    "resources is a list": (snapshot([]).encode(), 'expected "resources" to be an object'),
    "resource is a number": (snapshot({"spring-sale": 5}).encode(), "resources.spring-sale: expected an object"),
    "resource lacks key": (snapshot({"spring-sale": {k: v for k, v in GOOD.items() if k != "key"}}).encode(),
                           "resources.spring-sale: expected 'key' to be a non-empty string, found nothing"),
    "resource attrs is a list": (snapshot({"spring-sale": {**GOOD, "attrs": []}}).encode(),
                                 "resources.spring-sale: 'attrs' cannot be a list"),
    "key differs from its entry": (snapshot({"other": GOOD}).encode(), "its \"key\" is 'spring-sale'"),
    "not UTF-8": (b'{"format_version": 1, "lineage": "\xff\xfe"}', "found a byte that is not UTF-8 at offset"),
    "not JSON": (b"{", "state is not valid JSON"),
}


def assert_one_clear_line(result, *expected: str) -> None:  # type: ignore[no-untyped-def]
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for text in expected:
        assert text in lines[0], (text, lines[0])


@pytest.mark.parametrize("case", list(SNAPSHOTS))
def test_a_damaged_snapshot_is_named_not_a_traceback(case: str, workspace: Path, platforms: Platforms) -> None:
    content, expected = SNAPSHOTS[case]
    (workspace / ".provisioner").mkdir()
    (workspace / ".provisioner" / SNAPSHOT).write_bytes(content)
    for command in (["plan", str(workspace), "--no-save"], ["drift", str(workspace)], ["show", str(workspace)],
                    ["apply", str(workspace), "--auto-approve"]):
        assert_one_clear_line(cli(*command), str(workspace / ".provisioner" / SNAPSHOT), expected)
    assert platforms.requests("topsort") == [] and platforms.requests("criteo") == []


JOURNALS: dict[str, tuple[bytes, int, str]] = {
    "garbage line": (b"not json at all\n", 2, "journal line is not valid JSON"),
    "a number": (b"5\n", 2, "expected a journal record"),
    "unknown record": (b'{"frobnicate": 1}\n', 2, "expected a journal record"),
    "put of a number": (b'{"put": 5}\n', 2, "expected an object"),
    "put without key": (b'{"put": {"provider": "topsort", "provider_type": "topsort"}}\n', 2,
                        "expected 'key' to be a non-empty string"),
    "remove of a list": (b'{"remove": []}\n', 2, 'expected "remove" to name a campaign key'),
    "not UTF-8": (b'{"remove": "\xff"}\n', 2, "journal line is not UTF-8"),
}


@pytest.mark.parametrize("case", list(JOURNALS))
def test_a_damaged_journal_line_is_named_with_its_line(case: str, workspace: Path, platforms: Platforms) -> None:
    bad, line, expected = JOURNALS[case]
    good = json.dumps({"put": GOOD}).encode() + b"\n"
    (workspace / ".provisioner").mkdir()
    (workspace / ".provisioner" / JOURNAL).write_bytes(good + bad + good)
    for command in (["plan", str(workspace), "--no-save"], ["show", str(workspace)],
                    ["apply", str(workspace), "--auto-approve"]):
        assert_one_clear_line(cli(*command), f"{workspace / '.provisioner' / JOURNAL}:{line}:", expected)
    assert platforms.requests("topsort") == [] and platforms.requests("criteo") == []


def test_a_torn_last_line_is_ignored_and_cut_before_the_next_append(workspace: Path) -> None:
    """A kill -9 mid-write leaves an unterminated last line: it never committed, so it is ignored;
    the next writer cuts it, so the record it appends is not glued to it (and lost)."""
    folder = workspace / ".provisioner"
    folder.mkdir()
    (folder / JOURNAL).write_bytes(json.dumps({"put": GOOD}).encode() + b'\n{"put": {"key": "torn", "pro')
    shown = cli("show", str(workspace), "--format", "json")
    assert shown.exit_code == 0 and [r["key"] for r in json.loads(shown.stdout)] == ["spring-sale"]
    writer = LocalStateManager(folder)
    writer.load()
    writer.lock("test")
    writer.record(ResourceState("after-crash", "topsort", "topsort", id="c-2"))
    writer.unlock()
    shown = cli("show", str(workspace), "--format", "json")
    assert shown.exit_code == 0 and {r["key"] for r in json.loads(shown.stdout)} == {"spring-sale", "after-crash"}
    assert b"torn" not in (folder / JOURNAL).read_bytes()


def test_a_whole_last_record_without_its_newline_counts_and_stays_separate(workspace: Path) -> None:
    folder = workspace / ".provisioner"
    folder.mkdir()
    (folder / JOURNAL).write_bytes(json.dumps({"put": GOOD}).encode())  # the newline never reached the disk
    writer = LocalStateManager(folder)
    assert list(writer.load().resources) == ["spring-sale"]
    writer.lock("test")
    writer.remove("gone")
    writer.unlock()
    assert list(LocalStateManager(folder).load().resources) == ["spring-sale"]


def test_state_path_that_is_a_file(workspace: Path, platforms: Platforms) -> None:
    (workspace / "state-here").write_text("not a folder")
    (workspace / "state.yaml").write_text("state:\n  path: state-here\n")
    for command in (["plan", str(workspace), "--no-save"], ["show", str(workspace)],
                    ["apply", str(workspace), "--auto-approve"], ["force-unlock", str(workspace)]):
        assert_one_clear_line(cli(*command), str(workspace / "state-here"), "must be a folder", "it is a file")
    assert platforms.requests("topsort") == []


def test_lock_path_that_is_a_folder(workspace: Path, platforms: Platforms) -> None:
    (workspace / ".provisioner" / LOCK).mkdir(parents=True)
    for command in (["plan", str(workspace), "--no-save"], ["apply", str(workspace), "--auto-approve"],
                    ["drift", str(workspace)]):
        assert_one_clear_line(cli(*command), str(workspace / ".provisioner" / LOCK), "must be a file",
                              "it is a folder")
    assert platforms.requests("topsort") == []


def test_state_file_that_is_a_folder(workspace: Path) -> None:
    (workspace / ".provisioner" / SNAPSHOT).mkdir(parents=True)
    assert_one_clear_line(cli("show", str(workspace)), str(workspace / ".provisioner" / SNAPSHOT),
                          "expected a file written by provisioner, found a folder")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes through permissions")
def test_unwritable_plan_out_path_in_a_readonly_folder(workspace: Path, tmp_path: Path) -> None:
    readonly = tmp_path / "readonly"
    readonly.mkdir()
    readonly.chmod(0o500)
    try:
        result = cli("plan", str(workspace), "--out", str(readonly / "p.json"))
    finally:
        readonly.chmod(0o700)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"{readonly / 'p.json'}: cannot write the plan file (Permission denied)" in result.stderr


def test_unwritable_plan_out_path(workspace: Path, tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("")
    target = tmp_path / "a-file" / "plan.json"  # its folder is a file: no user can write there
    result = cli("plan", str(workspace), "--out", str(target))
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"Error: {target}: cannot write the plan file (" in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("Error:")
