"""Local state storage: journal + snapshot, atomic compaction, torn lines, and the lock."""

from __future__ import annotations

from pathlib import Path

import pytest

from provisioner.errors import StateError, StateLockedError
from provisioner.states.state import PENDING, ResourceState
from provisioner.states.statemgr import JOURNAL, SNAPSHOT, LocalStateManager


def test_outcomes_survive_without_compaction_and_torn_line_is_ignored(tmp_path: Path) -> None:
    writer = LocalStateManager(tmp_path)
    writer.load()
    writer.lock("test")
    writer.record(ResourceState("a", "topsort", "topsort", PENDING))
    writer.record(ResourceState("a", "topsort", "topsort", id="1"))
    writer.record(ResourceState("b", "topsort", "topsort", id="2"))
    writer.remove("b")
    # a crash here: no compaction, and a half-written line at the end of the journal
    with open(tmp_path / JOURNAL, "a") as journal:
        journal.write('{"put": {"key": "c", "pro')
    reader = LocalStateManager(tmp_path).load()
    assert {k: (r.status, r.id) for k, r in reader.resources.items()} == {"a": ("managed", "1")}
    writer.unlock()


def test_compaction_folds_journal_into_snapshot(tmp_path: Path) -> None:
    manager = LocalStateManager(tmp_path)
    manager.load()
    manager.lock("test")
    manager.record(ResourceState("a", "criteo", "criteo", id="5", attrs={"name": "A"}))
    manager.compact()
    manager.unlock()
    assert not (tmp_path / JOURNAL).exists() and (tmp_path / SNAPSHOT).exists()
    reloaded = LocalStateManager(tmp_path).load()
    assert reloaded.serial == 1 and reloaded.resources["a"].attrs == {"name": "A"}


def test_second_holder_fails_fast_naming_the_first(tmp_path: Path) -> None:
    first, second = LocalStateManager(tmp_path), LocalStateManager(tmp_path)
    first.lock("apply plans/spring.json")
    with pytest.raises(StateLockedError) as raised:
        second.lock("apply other", timeout=0.2)
    message = str(raised.value)
    assert "locked by 'apply plans/spring.json'" in message and "pid" in message and "since" in message
    first.unlock()
    second.lock("apply other")
    second.unlock()


def test_writes_need_the_lock(tmp_path: Path) -> None:
    manager = LocalStateManager(tmp_path)
    with pytest.raises(StateError, match="state writes need the lock"):
        manager.record(ResourceState("a", "topsort", "topsort"))


def test_the_digest_plans_record_changes_with_every_write_and_only_then(tmp_path: Path) -> None:
    """Local state's digest hashes the stored bytes (serialising 10,000 entries again cost more):
    two readers of the same files agree, and each write, compaction included, changes it."""
    writer = LocalStateManager(tmp_path)
    writer.load()
    empty = writer.digest()
    writer.lock("apply")
    writer.record(ResourceState("a", "topsort", "topsort", id="1", attrs={"name": "A"}))
    after_record = writer.digest()
    reader = LocalStateManager(tmp_path)
    reader.load()
    assert reader.digest() == after_record != empty
    writer.record(ResourceState("b", "topsort", "topsort", id="2"))
    after_second = writer.digest()
    writer.remove("b")
    after_remove = writer.digest()
    writer.compact()
    compacted = writer.digest()
    assert len({empty, after_record, after_second, after_remove, compacted}) == 5
    writer.unlock()
    for _ in range(2):  # reading again changes nothing
        again = LocalStateManager(tmp_path)
        again.load()
        assert again.digest() == compacted
    (tmp_path / SNAPSHOT).write_text((tmp_path / SNAPSHOT).read_text().replace('"A"', '"B"'))  # edited by hand
    edited = LocalStateManager(tmp_path)
    edited.load()
    assert edited.digest() != compacted
