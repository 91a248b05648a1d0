"""Issue 11's plan-time safety logic without I/O: ignore rules, flight checks per platform, platform
rewrites in drift, ownership and protect decisions, and the workspace meta-fields."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from provisioner.config.workspace import load_workspace
from provisioner.errors import ConfigError
from provisioner.ignore import IgnoreRules, keep_live
from provisioner.planner import Planner
from provisioner.plans.change import FieldDiff
from provisioner.providers.base import LiveCampaign, Observed
from provisioner.providers.sessionm.schema import SessionMCampaign
from provisioner.providers.skala.resources import order_problems
from provisioner.providers.skala.schema import SkalaCampaign
from provisioner.refresh import LiveView
from provisioner.sandbox.skala.seed import SEED
from provisioner.states.state import ResourceState, State

NOW = datetime(2030, 6, 1, tzinfo=UTC)
WORKSPACE = """\
providers:
  topsort: {base_url: sandbox, vendor_id: v, currency: EUR}
campaigns:
  t1:
    provider: topsort
    name: T1
    budget: {amount: 100, type: daily}
    startDate: START
    endDate: END
    bids: [{amount: 5, target: {type: product, id: p1}}]
"""
LIVE = {"name": "T1", "budget": {"amount": 100, "type": "daily"}, "startDate": "2030-03-01T00:00:00Z",
        "endDate": "2030-09-30T00:00:00Z", "createdAt": "2030-02-01T00:00:00Z"}


def workspace(tmp_path: Path, start: str = "2030-03-01T00:00:00Z", end: str = "2030-09-30T00:00:00Z",
              extra: str = "", top: str = ""):  # type: ignore[no-untyped-def]
    (tmp_path / "ws.yaml").write_text(top + WORKSPACE.replace("START", start).replace("END", end) + extra)
    return load_workspace([tmp_path], environ={})


def plan(ws, state, live=(), prune=False):  # type: ignore[no-untyped-def]
    return Planner(ws, state, {"topsort": LiveView("topsort", campaigns=list(live))}, prune=prune, now=NOW).plan()


def managed(attrs: dict | None = None, **kw) -> State:  # type: ignore[no-untyped-def,type-arg]
    return State(resources={"t1": ResourceState("t1", "topsort", "topsort", id="u-1", attrs=attrs or {}, **kw)})


# -- ignore ------------------------------------------------------------------------------------------
def test_ignore_rules_match_paths_prefixes_and_globs() -> None:
    rules = IgnoreRules(("budget.amount", "campaignFieldValues.*", "targeting"))
    assert rules.matches("budget.amount") and not rules.matches("budget.type")
    assert rules.matches("campaignFieldValues.headline.text") and rules.matches("targeting.geo.city")
    assert not rules.matches("targetingFilters")
    assert rules.strip({"budget": {"amount": 1, "type": "daily"}, "name": "x"}) == {
        "budget": {"type": "daily"}, "name": "x"}


def test_keep_live_puts_ignored_leaves_back_to_their_live_value() -> None:
    after = {"budget": {"amount": 100, "type": "weekly"}}
    kept = keep_live(after, [FieldDiff("budget.amount", 70, 100)])
    assert kept == {"budget": {"amount": 70, "type": "weekly"}} and after["budget"]["amount"] == 100


def test_ignored_field_is_neither_updated_nor_drift_and_is_listed(tmp_path: Path) -> None:
    ws = workspace(tmp_path, top="ignore: [budget.amount]\n")
    live = [LiveCampaign("u-1", dict(LIVE, budget={"amount": 999, "type": "daily"}), key="t1")]
    declared = {k: v for k, v in ws.campaigns["t1"].desired.items() if k != "bids"}
    result = plan(ws, managed(declared), live)
    change = result.changes[0]
    assert change.action.value == "no-op" and change.diffs == []
    assert [(d.path, d.before, d.after) for d in change.ignored] == [("budget.amount", 999, 100)]
    assert result.drift == [] and not change.record_state


def test_workspace_and_instance_ignore_combine_with_the_campaigns(tmp_path: Path) -> None:
    text = WORKSPACE.replace("currency: EUR}", "currency: EUR, ignore: [name]}")
    (tmp_path / "ws.yaml").write_text("ignore: [endDate]\n" + text.replace("START", "2030-03-01T00:00:00Z")
                                      .replace("END", "2030-09-30T00:00:00Z") + "    ignore: ['budget.*']\n")
    ws = load_workspace([tmp_path], environ={})
    assert ws.ignore_rules("t1", "topsort").patterns == ("budget.*", "name", "endDate")


def test_meta_fields_are_checked_and_not_sent_to_the_platform(tmp_path: Path) -> None:
    ws = workspace(tmp_path, extra="    protect: true\n    adopt: true\n    ignore: [budget.amount]\n")
    campaign = ws.campaigns["t1"]
    assert (campaign.protect, campaign.adopt, campaign.ignore) == (True, True, ("budget.amount",))
    assert not {"protect", "adopt", "ignore"} & set(campaign.desired)
    (tmp_path / "bad").mkdir()
    with pytest.raises(ConfigError) as error:
        workspace(tmp_path / "bad", extra="    protect: maybe\n    ignore: ['*Date', 'bid*.amount', 'x*']\n")
    text = str(error.value)
    assert "campaigns.t1.protect: protect must be true or false" in text
    assert "'x*' names no field" in text and "'*Date'" not in text and "'bid*.amount'" not in text


def test_meta_fields_change_the_config_digest_only_when_set(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    plain = workspace(tmp_path / "a").digest()
    protected = workspace(tmp_path / "b", extra="    protect: true\n").digest()
    assert plain != protected


# -- flight dates ------------------------------------------------------------------------------------
def test_past_end_blocks_the_create_and_past_start_warns(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    ended = plan(workspace(tmp_path / "a", start="2030-01-01T00:00:00Z", end="2030-05-01T00:00:00Z"), State())
    assert ended.changes[0].action.value == "invalid" and "endDate" in (ended.changes[0].reason or "")
    started = plan(workspace(tmp_path / "b", start="2030-05-01T00:00:00Z"), State())
    assert started.changes[0].action.value == "create"
    assert started.changes[0].warnings == [
        "startDate 2030-05-01T00:00:00Z is in the past: Topsort sets a start date in the past to the creation time"]


def test_each_platform_says_where_its_flight_is() -> None:
    sessionm = SessionMCampaign.flight({"starts_at": "2030-01-01T00:00:00Z", "ends_at": "2030-02-01 00:00:00"})
    assert sessionm is not None and (sessionm.start_field, sessionm.end_field) == ("starts_at", "ends_at")
    assert sessionm.end == datetime(2030, 2, 1, tzinfo=UTC)
    skala = SkalaCampaign.flight({"startDate": "2030-01-01", "endDate": "2030-01-31"})
    assert skala is not None and skala.end == datetime(2030, 2, 1, tzinfo=UTC)  # the end date is inclusive


# -- drift: the platform's own changes ------------------------------------------------------------------
def test_sessionm_completing_an_ended_campaign_is_the_platforms_doing() -> None:
    observed = Observed({"ends_at": "2030-05-01T00:00:00Z"}, NOW)
    assert SessionMCampaign.platform_rewrite("status", "live", "completed", observed)
    assert SessionMCampaign.platform_rewrite("status", "live", "paused", observed) is None
    running = Observed({"ends_at": "2030-09-01T00:00:00Z"}, NOW)
    assert SessionMCampaign.platform_rewrite("status", "live", "completed", running) is None


def test_state_created_at_stands_in_when_the_platform_does_not_say(tmp_path: Path) -> None:
    ws = workspace(tmp_path, start="2030-01-01T00:00:00Z")
    live = dict(LIVE, startDate="2030-02-01T00:00:05Z")
    del live["createdAt"]
    attrs = {"startDate": "2030-01-01T00:00:00Z"}
    unknown = plan(ws, managed(attrs), [LiveCampaign("u-1", live, key="t1")])
    assert [d.kind.value for d in unknown.drift] == ["changed"]  # nothing says when it was created
    known = plan(ws, managed(attrs, created_at="2030-02-01T00:00:00Z"), [LiveCampaign("u-1", live, key="t1")])
    assert [d.kind.value for d in known.drift] == ["platform-changed"] and not known.human_drift


# -- ownership -----------------------------------------------------------------------------------------
def test_protected_state_entry_is_not_retired_with_prune(tmp_path: Path) -> None:
    ws = workspace(tmp_path)
    state = State(resources={"gone": ResourceState("gone", "topsort", "topsort", id="u-9", protected=True)})
    pruned = plan(ws, state, prune=True)
    gone = next(c for c in pruned.changes if c.key == "gone")
    assert gone.action.value == "protected" and gone.action.is_blocked and "protect: true" in (gone.reason or "")
    kept = plan(ws, state)
    assert any("it is protected" in w for w in kept.warnings)


def test_protect_flag_change_is_recorded_in_state(tmp_path: Path) -> None:
    ws = workspace(tmp_path, extra="    protect: true\n")
    declared = {k: v for k, v in ws.campaigns["t1"].desired.items() if k != "bids"}
    result = plan(ws, managed(declared), [LiveCampaign("u-1", dict(LIVE), key="t1")])
    assert result.changes[0].action.value == "no-op" and result.changes[0].record_state


# -- Skala rules against the emulator's seeded campaign type -------------------------------------------
def test_skala_order_problems_name_field_and_rule() -> None:
    ctype = next(t for t in SEED["campaign_types"] if t["id"] == 100)
    desired = {"campaignFieldValues": {"headline": {"type": "FREETEXT", "text": "x" * 41},
                                       "cta": {"type": "SELECT", "text": "SIGN_UP"},
                                       "video": {"type": "VIDEO", "video": {"id": 1}}},
               "budgetOptionId": 502, "landingPage": "/relative"}
    problems = {p.path: (p.rule, p.create_only) for p in order_problems(ctype, desired)}
    assert problems == {
        "campaignFieldValues.image": ("required by campaign type 'Property listing'", True),
        "campaignFieldValues.headline.text": ("41 characters; campaign type 'Property listing' allows at most 40 "
                                              "(maxLength)", False),
        "campaignFieldValues.video": ("not a field of campaign type 'Property listing' (its fields: headline, "
                                      "description, image, cta)", False),
        "budgetOptionId": ("502 is not a budget option of campaign type 'Property listing' (500, 501)", False),
        "landingPage": ("campaign type 'Property listing' needs an absolute URL (landingPageType ABSOLUTE_URL)",
                        False),
    }
