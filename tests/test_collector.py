"""The cyclic collector is paused while a plan is read and computed, and always resumes (issue 12:
its passes over the loaded workspace were half of a cold load's CPU)."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from provisioner.collector import collector_paused
from tests.conftest import Platforms, cli, make_workspace


def test_paused_inside_resumed_after_even_on_error() -> None:
    assert gc.isenabled()
    with pytest.raises(RuntimeError), collector_paused():
        assert not gc.isenabled()
        with collector_paused():  # nested: the outer pause stays in force
            assert not gc.isenabled()
        assert not gc.isenabled()
        raise RuntimeError("boom")
    assert gc.isenabled()


def test_a_caller_that_disabled_it_keeps_it_disabled() -> None:
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_plan_through_the_cli_leaves_the_collector_running(tmp_path: Path, platforms: Platforms,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APP_SECRET", "first-app-secret")
    providers = (f"providers:\n  adv: {{type: criteo, base_url: \"{platforms.url('criteo')}\", client_id: app, "
                 "client_secret: \"${env:APP_SECRET}\", advertiser_id: \"101\", currency: EUR}\n")
    workspace = make_workspace(tmp_path / "ws", providers, "campaigns: {}\n")
    result = cli("plan", str(workspace), "--no-save")
    assert result.exit_code == 0, result.output
    assert gc.isenabled()
    result = cli("plan", str(tmp_path / "missing"), "--no-save")  # an error on the way out
    assert result.exit_code == 1
    assert gc.isenabled()


def test_what_the_block_kept_is_not_walked_by_the_next_pass() -> None:
    # resumed with everything the block allocated in the youngest generation, the first allocation
    # afterwards started a pass over all of it (7 % of a 10,000-campaign plan's CPU)
    with collector_paused():
        kept = [{"campaign": i} for i in range(1000)]
    tracked = {id(o) for o in gc.get_objects()}
    assert id(kept) not in tracked and id(kept[0]) not in tracked
    assert gc.get_freeze_count() >= len(kept)
