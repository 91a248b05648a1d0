"""The local state snapshot as read after a warm load is cached (states/statecache.py): a later read of
the same bytes against the same declared values gives exactly the state the snapshot's read gives,
shared declared mappings included; anything else (other bytes, another load key, a journal, a damaged
or foreign cache) reads the snapshot as before, with its errors (issue 12, warm plan CPU)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from provisioner.errors import StateError
from provisioner.states import statecache, statefile
from provisioner.states.state import ResourceState, State
from provisioner.states.statecache import CACHE_FILE
from provisioner.states.statefile import dump_state, journal_put
from provisioner.states.statemgr import JOURNAL, SNAPSHOT, LocalStateManager
from tests.config.test_cold_load_plans import NOW, _workspace
from tests.conftest import Platforms, cli
from tests.states.test_streamed_state import BROKEN, DECLARED, VALID, _plain


def _read(folder: Path, content: bytes | None, load_key: str | None = "K") -> State | str:
    if content is not None:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / SNAPSHOT).write_bytes(content)
    try:
        return LocalStateManager(folder, DECLARED.get, load_key).load()
    except StateError as error:
        return str(error).replace(str(folder), "FOLDER")


def _uncached(content: bytes, tmp_path: Path) -> State | str:
    folder = tmp_path / "uncached"
    shutil.rmtree(folder, ignore_errors=True)
    return _read(folder, content, None)


def _described(state: State | str) -> Any:
    """_plain, and which entries hold the declared mapping itself."""
    if isinstance(state, str):
        return state
    return _plain(state), sorted(state.applied_as_declared), sorted(
        k for k, r in state.resources.items() if r.attrs is DECLARED.get(k))


def _no_snapshot_read(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any) -> State:
        raise AssertionError("the snapshot was read, not the cache")
    monkeypatch.setattr("provisioner.states.statemgr.read_snapshot", refuse)


def test_a_cached_read_is_the_snapshot_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    extra = [dump_state(State(lineage="l", serial=3, resources={
        "spring-sale": ResourceState("spring-sale", "topsort", "topsort", id=7, attrs=DECLARED["spring-sale"],
                                     outputs={"link": "https://x", "n": [1, 2.5, None]}, updated_at="u",
                                     ambiguous_at="2030-01-01T00:00:00Z", created_at="c", protected=True,
                                     applied_by={"commit": "abc", "run": "9"}),
        "gone": ResourceState("gone", "criteo", "criteo", status="pending", attrs={"a": {"b": [True, "\udc80"]}})}),
                    ).encode()]
    for number, content in enumerate(VALID + extra):
        folder = tmp_path / f"s{number}"
        first = _read(folder, content)
        assert isinstance(first, State)
        assert _described(first) == _described(_uncached(content, tmp_path)), content
        assert (folder / CACHE_FILE).is_file()
        with monkeypatch.context() as patched:
            _no_snapshot_read(patched)
            cached = _read(folder, None)
        assert _described(cached) == _described(first), content
        assert isinstance(cached, State) and cached == first
        assert dump_state(cached).encode() == dump_state(first).encode()  # written back byte for byte
    # the shared ones are shared from the cache too (a test that could not fail otherwise)
    assert _described(_read(tmp_path / "s0", None))[2] == ["spring-sale"]


def test_broken_snapshots_give_their_errors_and_write_no_cache(tmp_path: Path) -> None:
    for number, content in enumerate(BROKEN):
        folder = tmp_path / f"b{number}"
        assert _described(_read(folder, content)) == _described(_uncached(content, tmp_path)), content
        if isinstance(_uncached(content, tmp_path), str):
            assert not (folder / CACHE_FILE).exists()


def test_other_bytes_or_another_load_key_read_the_snapshot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "s"
    assert isinstance(_read(folder, VALID[0]), State)
    other = VALID[0].replace(b'"c-1"', b'"c-9"')  # the same length: only the bytes differ
    assert len(other) == len(VALID[0]) and other != VALID[0]
    state = _read(folder, other)
    assert isinstance(state, State) and state.resources["spring-sale"].id == "c-9"
    with monkeypatch.context() as patched:
        _no_snapshot_read(patched)
        assert _described(_read(folder, None)) == _described(state)  # cached again, for the new bytes
        with pytest.raises(AssertionError):
            _read(folder, None, "another load key")
    assert _described(_read(folder, None, "another load key")) == _described(state)
    # without a load key (a cold load) nothing is cached: the declared values are not the cached ones
    (folder / CACHE_FILE).unlink()
    assert isinstance(_read(folder, None, None), State) and not (folder / CACHE_FILE).exists()


def test_the_journal_is_replayed_over_a_cached_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "s"
    assert isinstance(_read(folder, VALID[0]), State)
    (folder / JOURNAL).write_text(journal_put(ResourceState("spring-sale", "topsort", "topsort", id="c-5",
                                                            attrs={"name": "S"})) + "\n")
    with monkeypatch.context() as patched:
        _no_snapshot_read(patched)
        state = _read(folder, None)
    assert _described(state) == _described(_journalled(tmp_path, folder))
    assert isinstance(state, State) and state.resources["spring-sale"].id == "c-5"
    assert "spring-sale" not in state.applied_as_declared


def _journalled(tmp_path: Path, folder: Path) -> State | str:
    copy = tmp_path / "journalled"
    shutil.copytree(folder, copy)
    shutil.rmtree(copy / CACHE_FILE.parent)
    return _read(copy, None, None)


DAMAGED = [
    b"", b"{", b"[]", b'{"format": 1}',
    lambda d: {**d, "format": 2},
    lambda d: {**d, "rows": {}},
    lambda d: {**d, "serial": "1"},
    lambda d: {**d, "rows": [*d["rows"], d["rows"][0]]},  # a key twice
    lambda d: {**d, "rows": [r[:-1] for r in d["rows"]]},
    lambda d: {**d, "rows": [[r[0] + "-undeclared", *r[1:]] for r in d["rows"]]},  # declares nothing
    lambda d: {**d, "rows": [[*r[:5], 5, *r[6:]] for r in d["rows"]]},
    lambda d: {**d, "rows": [[*r[:6], [], *r[7:]] for r in d["rows"]]},
    lambda d: {**d, "rows": [[r[0], ["list"], *r[2:]] for r in d["rows"]]},
]


@pytest.mark.parametrize("damage", range(len(DAMAGED)))
def test_a_damaged_cache_reads_the_snapshot_and_is_written_again(damage: int, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "s"
    first = _read(folder, VALID[0])
    path = folder / CACHE_FILE
    how = DAMAGED[damage]
    path.write_bytes(how if isinstance(how, bytes) else json.dumps(how(json.loads(path.read_bytes()))).encode())
    calls: list[int] = []
    real = statefile.read_snapshot

    def counted(*args: Any) -> State:
        calls.append(1)
        return real(*args)
    monkeypatch.setattr("provisioner.states.statemgr.read_snapshot", counted)
    assert _described(_read(folder, None)) == _described(first)
    assert calls == [1]
    assert _described(_read(folder, None)) == _described(first)
    assert calls == [1]  # the cache was written again


def test_an_unwritable_cache_folder_only_costs_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "s"
    folder.mkdir()
    (folder / CACHE_FILE.parent).write_text("a file where the cache folder would be")
    assert _described(_read(folder, VALID[0])) == _described(_uncached(VALID[0], tmp_path))
    statecache.write_cached(folder, "k", State())  # no error
    assert statecache.read_cached(folder, "k", DECLARED.get) is None


def test_plans_from_a_cached_state_are_the_same_bytes(tmp_path: Path, platforms: Platforms,
                                                      secret_env: dict[str, str],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Through the CLI: cold, warm (the cache is written), warm again (read from it), after an apply
    (new bytes: the snapshot is read), and edited YAML (another load key): each plan's bytes are those
    of a plan made without any state cache."""
    monkeypatch.setenv("PROVISIONER_NOW", NOW)
    root = _workspace(tmp_path / "ws", platforms)
    assert cli("apply", str(root), "--auto-approve").exit_code == 0
    cache = root / ".provisioner" / CACHE_FILE

    def plan(name: str) -> bytes:
        result = cli("plan", str(root), "--out", str(tmp_path / name))
        assert result.exit_code in (0, 2), result.output
        return (tmp_path / name).read_bytes()

    def uncached(name: str) -> bytes:
        saved = cache.read_bytes() if cache.exists() else None
        cache.unlink(missing_ok=True)
        with monkeypatch.context() as patched:
            patched.setattr("provisioner.states.statecache.write_cached", lambda *args: None)
            made = plan(name)
        if saved is not None:
            cache.write_bytes(saved)
        return made

    shutil.rmtree(cache.parent)  # the load cache too: a cold load
    plan("cold.json")
    assert not cache.exists()  # a cold load's declared values are not cached ones
    warm = plan("warm.json")
    assert cache.is_file()
    with monkeypatch.context() as patched:
        _no_snapshot_read(patched)
        cached = plan("cached.json")
    assert cached == warm == uncached("uncached.json")
    (root / "b-campaigns.yaml").write_text((root / "b-campaigns.yaml").read_text().replace("1004", "2004"))
    assert plan("edited.json") == uncached("edited-uncached.json")
    assert b"2004" in (tmp_path / "edited.json").read_bytes()
    assert cli("apply", str(root), "--auto-approve").exit_code == 0
    assert plan("applied.json") == uncached("applied-uncached.json")
    assert json.loads((tmp_path / "applied.json").read_bytes())["state_digest"] != json.loads(warm)["state_digest"]
