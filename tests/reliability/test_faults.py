"""Fault suite: seeded faults on every platform (429 with each platform's headers, 500/503,
timeouts and dropped connections before and after the platform committed); apply is re-run until
it converges, and then every campaign exists exactly once, state matches the platforms, and the
final plan is empty."""

from __future__ import annotations

from pathlib import Path

import pytest

from provisioner.engine import make_plan, open_run
from provisioner.providers.http import HttpContext
from provisioner.refresh import refresh
from provisioner.sandboxing import Sandboxes, SandboxOptions
from provisioner.testing.converge import converge
from tests.reliability import workspace_gen

COLLECTIONS = {"topsort": "campaigns", "criteo": "campaigns", "sessionm": "campaigns",
               "targeter": "campaigns", "skala": "campaign_orders"}


def platform_counts(sandboxes: Sandboxes) -> dict[str, int]:
    return {name: emulator.store.count(COLLECTIONS[name]) for name, emulator in sandboxes.emulators.items()}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_apply_converges_under_faults_with_no_duplicates_and_nothing_lost(tmp_path: Path, seed: int) -> None:
    per_platform = 6
    root = workspace_gen.write(tmp_path / "ws", per_platform, extra=", max_retries: 3, settle_seconds: 0.5")
    context = HttpContext(sleep=lambda seconds: None)
    sandboxes = Sandboxes(SandboxOptions(faults="0.25", seed=seed))
    figures = converge([root], context, sandboxes=sandboxes)
    assert figures.converged, figures

    injected = sum(sum(e.faults.counts.values()) for e in sandboxes.emulators.values())
    assert injected > 20, "the faults must really have been injected"
    assert figures.failed_outcomes > 0 and figures.apply_runs > 1  # faults really cost something
    for emulator in sandboxes.emulators.values():
        emulator.faults.rate = 0.0
    assert platform_counts(sandboxes) == dict.fromkeys(COLLECTIONS, per_platform)  # exactly once each

    run = open_run([str(root)], context, sandboxes=sandboxes)
    plan = make_plan(run)
    assert not plan.has_changes() and not plan.drift
    state = run.statemgr.state
    assert len(state.resources) == 5 * per_platform
    assert all(r.status == "managed" for r in state.resources.values())
    for name, view in refresh(run.workspace, state, run.sessions).items():
        if view.observable:  # every recorded id is a live campaign of that platform
            assert {r.id for r in state.of_provider(name)} <= set(view.by_id)
    run.close()


def test_updates_under_faults_reach_the_platforms(tmp_path: Path) -> None:
    root = workspace_gen.write(tmp_path / "ws", 4, extra=", max_retries: 3, settle_seconds: 0.5")
    context = HttpContext(sleep=lambda seconds: None)
    sandboxes = Sandboxes(SandboxOptions(faults="0.25", seed=11))
    assert converge([root], context, sandboxes=sandboxes).converged
    campaigns = root / "campaigns.yaml"
    campaigns.write_text(campaigns.read_text().replace("type: daily}", "type: weekly}")
                         .replace("Open house", "Visning"))
    assert converge([root], context, sandboxes=sandboxes).converged
    for emulator in sandboxes.emulators.values():
        emulator.faults.rate = 0.0
    run = open_run([str(root)], context, sandboxes=sandboxes)
    plan = make_plan(run)
    assert not plan.has_changes()
    topsort = refresh(run.workspace, run.statemgr.state, run.sessions)["topsort"].campaigns
    assert topsort and all(c.fields["budget"]["type"] == "weekly" for c in topsort)
    run.close()
