"""Fault suite: seeded faults on every platform (429 with each platform's headers, 500/503,
timeouts and dropped connections before and after the platform committed); apply is re-run until
it converges, and then every campaign exists exactly once, state matches the platforms, and the
final plan is empty."""

from __future__ import annotations

from pathlib import Path

import pytest

from provisioner.engine import apply_plan, make_plan, open_run, read_errors
from provisioner.providers.http import HttpContext
from tests.reliability import workspace_gen

COLLECTIONS = {"topsort": "campaigns", "criteo": "campaigns", "sessionm": "campaigns",
               "targeter": "campaigns", "skala": "campaign_orders"}


def converge(root: Path, context: HttpContext, max_runs: int = 25) -> dict[str, int]:
    figures = {"apply_runs": 0, "failed_outcomes": 0, "incomplete_plans": 0}
    for _ in range(max_runs):
        run = open_run([str(root)], context)
        try:
            plan = make_plan(run)
            if read_errors(run):
                figures["incomplete_plans"] += 1
                continue
            if not plan.has_changes():
                return figures
            run.statemgr.lock("fault-suite")
            try:
                report = apply_plan(run, plan)
            finally:
                run.statemgr.unlock()
            figures["apply_runs"] += 1
            figures["failed_outcomes"] += len(report.failed)
        finally:
            run.close()
    raise AssertionError(f"did not converge in {max_runs} runs: {figures}")


def platform_counts(context: HttpContext) -> dict[str, int]:
    return {name: emulator.store.count(COLLECTIONS[name]) for name, emulator in context.sandbox_emulators.items()}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_apply_converges_under_faults_with_no_duplicates_and_nothing_lost(tmp_path: Path, seed: int) -> None:
    per_platform = 6
    root = workspace_gen.write(tmp_path / "ws", per_platform, extra=", max_retries: 3")
    context = HttpContext(sleep=lambda seconds: None, sandbox_faults="0.25", sandbox_seed=seed)
    figures = converge(root, context)

    injected = sum(sum(e.faults.counts.values()) for e in context.sandbox_emulators.values())
    assert injected > 20, "the faults must really have been injected"
    assert figures["failed_outcomes"] > 0 or figures["apply_runs"] >= 1
    for emulator in context.sandbox_emulators.values():
        emulator.faults.rate = 0.0
    assert platform_counts(context) == dict.fromkeys(COLLECTIONS, per_platform)  # exactly once each

    run = open_run([str(root)], context)
    plan = make_plan(run)
    assert not plan.has_changes() and not plan.drift
    state = run.statemgr.state
    assert len(state.resources) == 5 * per_platform
    assert all(r.status == "managed" for r in state.resources.values())
    for name, view in run.live.items():
        if view.observable:  # every recorded id is a live campaign of that platform
            assert {r.id for r in state.of_provider(name)} <= set(view.by_id)
    run.close()


def test_updates_under_faults_reach_the_platforms(tmp_path: Path) -> None:
    root = workspace_gen.write(tmp_path / "ws", 4, extra=", max_retries: 3")
    context = HttpContext(sleep=lambda seconds: None, sandbox_faults="0.25", sandbox_seed=11)
    converge(root, context)
    campaigns = root / "campaigns.yaml"
    campaigns.write_text(campaigns.read_text().replace("type: daily}", "type: weekly}")
                         .replace("Open house", "Visning"))
    converge(root, context)
    for emulator in context.sandbox_emulators.values():
        emulator.faults.rate = 0.0
    run = open_run([str(root)], context)
    plan = make_plan(run)
    assert not plan.has_changes()
    topsort = run.live["topsort"].campaigns
    assert topsort and all(c.fields["budget"]["type"] == "weekly" for c in topsort)
    run.close()
