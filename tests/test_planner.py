"""Planner decisions as compact tuples (Alembic's as_diffs style), with no I/O at all."""

from __future__ import annotations

from pathlib import Path

import pytest

from provisioner.config.models import Workspace
from provisioner.config.workspace import load_workspace
from provisioner.diff import same
from provisioner.planner import Planner
from provisioner.providers.base import LiveCampaign
from provisioner.refresh import LiveView
from provisioner.states.state import PENDING, ResourceState, State
from provisioner.states.statefile import dump_state
from provisioner.states.statemgr import LocalStateManager
from provisioner.views.common import summary_line

WORKSPACE = """\
providers:
  topsort: {base_url: sandbox, vendor_id: v, currency: EUR}
  criteo: {base_url: sandbox, advertiser_id: "1", currency: EUR}
campaigns:
  t1:
    provider: topsort
    name: T1
    budget: {amount: 100, type: daily}
    startDate: 2030-03-01T00:00:00Z
    endDate: 2030-03-31T00:00:00Z
    bids: [{amount: 5, target: {type: product, id: p1}}]
  c1:
    provider: criteo
    name: C1
    goal: Retention
    spendLimit: {spendLimitType: capped, spendLimitRenewal: daily, spendLimitAmount: 10}
"""
T1_LIVE = {"name": "T1", "budget": {"amount": 100, "type": "daily", "amountUsed": 7},
           "startDate": "2030-03-01T00:00:00Z", "endDate": "2030-03-31T00:00:00Z"}
C1_LIVE = {"name": "C1", "goal": "Retention",
           "spendLimit": {"spendLimitType": "capped", "spendLimitRenewal": "daily", "spendLimitAmount": 10}}


@pytest.fixture
def workspace(tmp_path: Path):  # type: ignore[no-untyped-def]
    (tmp_path / "ws.yaml").write_text(WORKSPACE)
    return load_workspace([tmp_path], environ={})


def _plan(workspace, state, topsort=(), criteo=(), prune=False, **view):  # type: ignore[no-untyped-def]
    live = {"topsort": LiveView("topsort", campaigns=list(topsort), **view),
            "criteo": LiveView("criteo", campaigns=list(criteo))}
    plan = Planner(workspace, state, live, prune=prune).plan()
    return [(c.action.value, c.key, tuple(d.path for d in c.diffs)) for c in plan.changes], plan


def test_nothing_live_means_creates(workspace) -> None:  # type: ignore[no-untyped-def]
    assert _plan(workspace, State())[0] == [("create", "c1", ()), ("create", "t1", ())]


def test_adopt_by_external_id_and_by_unique_name_only_on_purpose(tmp_path: Path) -> None:
    """A live campaign this workspace did not create is taken over only with `adopt: true` (issue 11)."""
    topsort = [LiveCampaign("u-1", dict(T1_LIVE), key="t1", name="T1")]
    criteo = [LiveCampaign("9", dict(C1_LIVE), name="C1")]
    (tmp_path / "ws.yaml").write_text(WORKSPACE.replace("    provider: ", "    adopt: true\n    provider: "))
    adopting = load_workspace([tmp_path], environ={})
    assert _plan(adopting, State(), topsort, criteo)[0] == [("adopt", "c1", ()), ("adopt", "t1", ())]


def test_live_campaign_not_created_here_is_not_owned(workspace) -> None:  # type: ignore[no-untyped-def]
    topsort = [LiveCampaign("u-1", dict(T1_LIVE), key="t1", name="T1")]
    criteo = [LiveCampaign("9", dict(C1_LIVE), name="C1")]
    changes, plan = _plan(workspace, State(), topsort, criteo)
    assert changes == [("not-owned", "c1", ()), ("not-owned", "t1", ())]
    by_key = {c.key: c for c in plan.changes}
    assert by_key["t1"].id == "u-1" and by_key["t1"].action.is_blocked
    assert "live campaign u-1 has this campaign's key but this workspace did not create it" in by_key["t1"].reason
    assert "this campaign's name" in by_key["c1"].reason and "adopt: true" in by_key["c1"].reason


def test_name_claimed_by_another_state_entry_is_not_adopted(workspace) -> None:  # type: ignore[no-untyped-def]
    state = State(resources={"other": ResourceState("other", "criteo", "criteo", id="9")})
    criteo = [LiveCampaign("9", dict(C1_LIVE), name="C1")]
    changes, _ = _plan(workspace, state, criteo=criteo)
    assert ("create", "c1", ()) in changes


def test_two_live_campaigns_with_the_name_block_adoption(workspace) -> None:  # type: ignore[no-untyped-def]
    criteo = [LiveCampaign("8", dict(C1_LIVE), name="C1"), LiveCampaign("9", dict(C1_LIVE), name="C1")]
    changes, plan = _plan(workspace, State(), criteo=criteo)
    assert ("ambiguous", "c1", ()) in changes
    assert "2 live campaigns are named 'C1'" in next(c for c in plan.changes if c.key == "c1").reason


def test_update_noop_and_server_counters(workspace) -> None:  # type: ignore[no-untyped-def]
    state = State(resources={"t1": ResourceState("t1", "topsort", "topsort", id="u-1", attrs={}),
                             "c1": ResourceState("c1", "criteo", "criteo", id="9", attrs={})})
    changed = dict(T1_LIVE, budget={"amount": 90, "type": "daily", "amountUsed": 99})
    changes, plan = _plan(workspace, state, [LiveCampaign("u-1", changed, key="t1")],
                          [LiveCampaign("9", dict(C1_LIVE))])
    assert changes == [("no-op", "c1", ()), ("update", "t1", ("budget.amount",))]
    assert plan.has_changes()


def test_pending_create_found_is_adopted_not_recreated(workspace) -> None:  # type: ignore[no-untyped-def]
    state = State(resources={"t1": ResourceState("t1", "topsort", "topsort", status=PENDING)})
    changes, plan = _plan(workspace, state, [LiveCampaign("u-1", dict(T1_LIVE), key="t1")])
    assert ("adopt", "t1", ()) in changes
    assert "interrupted" in next(c for c in plan.changes if c.key == "t1").reason


def test_removed_from_config_retires_only_with_prune(workspace) -> None:  # type: ignore[no-untyped-def]
    state = State(resources={"gone": ResourceState("gone", "topsort", "topsort", id="u-9"),
                             "gone-c": ResourceState("gone-c", "criteo", "criteo", id="7")})
    changes, plan = _plan(workspace, state)
    assert not any(key.startswith("gone") for _, key, _ in changes)
    assert any("--prune" in w for w in plan.warnings)
    pruned, _ = _plan(workspace, state, prune=True)
    assert ("retire", "gone", ()) in pruned and ("cannot-retire", "gone-c", ()) in pruned


def test_drift_is_live_versus_last_applied(workspace) -> None:  # type: ignore[no-untyped-def]
    applied = {"name": "T1", "budget": {"amount": 100, "type": "daily"}}
    state = State(resources={"t1": ResourceState("t1", "topsort", "topsort", id="u-1", attrs=applied)})
    edited = dict(T1_LIVE, budget={"amount": 150, "type": "daily"})
    _, plan = _plan(workspace, state, [LiveCampaign("u-1", edited, key="t1")])
    assert [(d.key, d.kind, [(f.path, f.before, f.after) for f in d.diffs]) for d in plan.drift] == [
        ("t1", "changed", [("budget.amount", 100, 150)])]
    _, gone = _plan(workspace, state, [])
    assert [(d.key, d.kind) for d in gone.drift] == [("t1", "deleted")]


def test_not_observable_provider_plans_from_state(workspace) -> None:  # type: ignore[no-untyped-def]
    changes, plan = _plan(workspace, State(), observable=False, reason="no read API")
    assert ("create", "t1", ()) in changes
    assert plan.not_observable == {"topsort": "no read API"}


def test_each_blocked_change_is_named_by_what_it_is(workspace) -> None:  # type: ignore[no-untyped-def]
    """A provider move, an ambiguous name and an unretirable campaign are three different blocks."""
    state = State(resources={"t1": ResourceState("t1", "criteo", "criteo", id="9"),
                             "gone-c": ResourceState("gone-c", "criteo", "criteo", id="7")})
    criteo = [LiveCampaign("8", dict(C1_LIVE), name="C1"), LiveCampaign("5", dict(C1_LIVE), name="C1")]
    changes, plan = _plan(workspace, state, criteo=criteo, prune=True)
    assert [(action, key) for action, key, _ in changes] == [
        ("ambiguous", "c1"), ("cannot-move", "t1"), ("cannot-retire", "gone-c")]
    assert all(c.action.is_blocked and c.action.symbol == "!" for c in plan.changes)
    assert summary_line(plan) == ("Plan: 0 to create, 0 to update, 0 to adopt, 0 to retire, 0 cannot update "
                                  "in place, 1 cannot retire, 1 cannot move between providers, 1 ambiguous, "
                                  "0 unchanged.")


def _applied(workspace) -> State:  # type: ignore[no-untyped-def]
    return State(resources={k: ResourceState(k, c.instance, c.instance, id=i, attrs=dict(c.compared))
                            for (k, c), i in zip(sorted(workspace.campaigns.items()), ("9", "u-1"), strict=True)})


def test_unchanged_campaigns_skip_field_diffs_and_fingerprints(workspace, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import provisioner.planner as planner_module

    def no_diffs(*args: object) -> None:
        raise AssertionError("field_diffs ran for an unchanged campaign")

    monkeypatch.setattr(planner_module, "field_diffs", no_diffs)
    topsort = [LiveCampaign("u-1", dict(T1_LIVE), key="t1", name="T1")]
    criteo = [LiveCampaign("9", dict(C1_LIVE), name="C1")]
    changes, plan = _plan(workspace, _applied(workspace), topsort, criteo)
    assert changes == [("no-op", "c1", ()), ("no-op", "t1", ())]
    assert [c.live_fingerprint for c in plan.changes] == [None, None]  # nothing to apply: no fingerprint
    assert plan.drift == []


def test_same_values_spelled_differently_are_unchanged_and_fingerprinted_when_recorded(workspace) -> None:  # type: ignore[no-untyped-def]
    respelled = dict(T1_LIVE, startDate="2030-03-01T01:00:00+01:00", budget={"amount": "100.0", "type": "daily"})
    topsort = [LiveCampaign("u-1", respelled, key="t1", name="T1")]
    criteo = [LiveCampaign("9", dict(C1_LIVE), name="C1")]
    state = _applied(workspace)
    state.resources["c1"].attrs = dict(state.resources["c1"].attrs, goal="Acquisition")  # state is behind
    changes, plan = _plan(workspace, state, topsort, criteo)
    assert changes == [("no-op", "c1", ()), ("no-op", "t1", ())]
    by_key = {c.key: c for c in plan.changes}
    assert by_key["c1"].record_state and by_key["c1"].live_fingerprint is not None
    assert not by_key["t1"].record_state and by_key["t1"].live_fingerprint is None
    assert [(d.key, d.kind.value) for d in plan.drift] == [("c1", "changed")]


def test_the_no_op_shortcut_plans_exactly_what_the_full_comparison_plans(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """`Planner._unchanged` only skips work: over campaigns unchanged, changed, spelt differently,
    ignored, protected and launched paused, the plan is the same with the shortcut and without (and
    without drift's projection of the no-ops it finds, `Planner._as_last_applied`)."""
    import itertools
    from datetime import UTC, datetime
    from decimal import Decimal

    declared_t1 = {"name": "T1", "budget": {"amount": 100, "type": "daily"},
                   "startDate": "2030-03-01T00:00:00Z", "endDate": "2030-03-31T00:00:00Z"}
    declared_c1 = {"name": "C1", "goal": "Retention",
                   "spendLimit": {"spendLimitType": "capped", "spendLimitRenewal": "daily", "spendLimitAmount": "10"}}
    extras = ["", "    ignore: [name]\n", "    protect: true\n", "    launch: paused\n"]
    applied = [lambda d: d, lambda d: {**d, "name": "old"}, lambda d: {k: v for k, v in d.items() if k != "name"},
               lambda d: {**d, "name": None}]
    lives = [lambda d: d, lambda d: {**d, "name": "edited"}, lambda d: {**d, "extra": 1},
             # two fields edited: drift lists them in the order of what was last applied
             lambda d: {**d, "name": "edited", **({"budget": {"amount": 150, "type": "daily"}} if "budget" in d
                                                  else {"goal": "Other"})},
             lambda d: {**d, "budget": {"amount": 100.0, "type": "daily"}} if "budget" in d else
             {**d, "spendLimit": {**d["spendLimit"], "spendLimitAmount": Decimal("10.00")}},
             lambda d: {**d, "startDate": "2030-03-01T01:00:00+01:00"} if "startDate" in d else d]
    now = datetime(2030, 1, 1, tzinfo=UTC)
    compared, shortcuts, shared = 0, [], []
    original = Planner._unchanged

    def counted(self: Planner, *args: object) -> bool:
        shortcuts.append(result := original(self, *args))  # type: ignore[arg-type]
        return result
    projected: list[bool] = []
    as_last_applied = Planner._as_last_applied

    def projecting(self: Planner, key: str, live: dict[str, object], attrs: dict[str, object]) -> bool:
        result = as_last_applied(self, key, live, attrs)
        projected.append(key in self._projected)
        return result
    for n, (extra, apply_, live_, protected) in enumerate(itertools.product(extras, applied, lives, (False, True))):
        ws = tmp_path / f"ws{n}"
        ws.mkdir()
        (ws / "ws.yaml").write_text(WORKSPACE.replace("    name: T1\n", "    name: T1\n" + extra)
                                    .replace("    name: C1\n", "    name: C1\n" + extra.replace("launch: paused", "")))
        workspace = load_workspace([ws], environ={})
        state = State(resources={
            "t1": ResourceState("t1", "topsort", "topsort", id="u-1", attrs=apply_(declared_t1), protected=protected),
            "c1": ResourceState("c1", "criteo", "criteo", id="9", attrs=apply_(declared_c1), protected=protected)})
        live = {"topsort": [LiveCampaign("u-1", live_(dict(T1_LIVE)), key="t1", name="T1")],
                "criteo": [LiveCampaign("9", live_({**C1_LIVE}), name="C1")]}

        def plan_dict(workspace: Workspace = workspace, state: State = state,
                      live: dict[str, list[LiveCampaign]] = live) -> dict[str, object]:
            views = {name: LiveView(name, campaigns=[LiveCampaign(c.id, dict(c.fields), key=c.key, name=c.name)
                                                     for c in campaigns]) for name, campaigns in live.items()}
            return Planner(workspace, state, views, now=now).plan().to_dict()

        with monkeypatch.context() as patch:
            patch.setattr(Planner, "_unchanged", counted)
            patch.setattr(Planner, "_as_last_applied", projecting)
            with_shortcut = plan_dict()
        with monkeypatch.context() as patch:
            patch.setattr(Planner, "_unchanged", lambda *args: False)
            # drift's one walk (same and the no-op's projection together) replaced by `same` alone
            patch.setattr(Planner, "_as_last_applied", lambda self, key, live, attrs: same(live, attrs))
            without = plan_dict()
        assert with_shortcut == without, (extra, n)
        # state read from its file entry by entry, applied values spelt as declared holding the declared
        # mapping itself (its YAML order, not the file's sorted one): the plan of the state read whole,
        # drift's order too
        folder = tmp_path / f"state{n}"
        folder.mkdir()
        (folder / "state.json").write_text(dump_state(state))
        read = LocalStateManager(folder, lambda key, ws=workspace: c.compared if (c := ws.campaigns.get(key)) else None)
        streamed = read.load()
        shared.append(len(streamed.applied_as_declared))
        assert plan_dict(state=streamed) == plan_dict(state=LocalStateManager(folder).load()), (extra, n)
        compared += 1
    assert compared == len(extras) * len(applied) * len(lives) * 2
    assert 0 < shortcuts.count(True) < len(shortcuts)  # it was taken, and refused where it must be
    assert 0 < projected.count(True) < len(projected)  # drift projected no-ops, and not where it must not
    assert shared.count(2) > 0 and shared.count(0) > 0  # applied values shared, and not where they differ
