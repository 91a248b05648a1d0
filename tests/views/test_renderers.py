"""Renderers read the plan form only: golden text, markdown and JSON for one small plan."""

from __future__ import annotations

import json

from provisioner.plans.action import Action
from provisioner.plans.change import DriftEntry, FieldDiff, ResourceChange
from provisioner.plans.plan import REFRESH_ONLY, Plan
from provisioner.plans.staleness import FieldChange, StaleKind, Staleness
from provisioner.views import human, jsonview, markdown


def _plan(mode: str = "normal") -> Plan:
    changes = [
        ResourceChange("new", "topsort", "topsort", Action.CREATE, after={"name": "New", "budget": {"amount": 5}}),
        ResourceChange("eu", "criteo", "criteo", Action.UPDATE, id="9",
                       diffs=[FieldDiff("spendLimit.spendLimitAmount", "10", "12.50")]),
        ResourceChange("fr", "criteo", "criteo", Action.CANNOT_UPDATE, id="8", reason="revert it",
                       diffs=[FieldDiff("goal", "Retention", "Acquisition", blocked="fixed at creation")]),
        ResourceChange("same", "topsort", "topsort", Action.NOOP, id="u1"),
    ]
    drift = [DriftEntry("eu", "criteo", "9", "changed", [FieldDiff("spendLimit.spendLimitAmount", "12", "10")])]
    return Plan(mode, ["ws"], "c", "s", "l", "2026-11-23T00:00:00Z", changes=changes, drift=drift,
                not_observable={"targeter": "no read API"})


def test_text() -> None:
    assert human.render_plan(_plan()) == """\
Changed outside provisioner since the last apply:
  ~ criteo.eu (id 9):
      spendLimit.spendLimitAmount: 12 (last applied) -> 10 (live)

Note: targeter: live state is not observable (no read API); planned from state only.
+ topsort.new: create
    + name = "New"
    + budget = {"amount": 5}
~ criteo.eu (id 9): update
    ~ spendLimit.spendLimitAmount: 10 -> 12.50
! criteo.fr (id 8): cannot-update
    # revert it
    ! goal: "Retention" -> "Acquisition"
        cannot update in place: fixed at creation

Plan: 1 to create, 1 to update, 0 to adopt, 0 to retire, 1 cannot update in place, 1 unchanged.
"""


def test_markdown_plan_and_drift() -> None:
    text = markdown.render_plan(_plan())
    assert "<summary><code>+ topsort.new</code> create</summary>" in text
    assert '| <code>name</code> |  | <code>"New"</code> |' in text
    assert "<summary><code>&#126; criteo.eu</code> update (id <code>9</code>)</summary>" in text
    assert "| <code>spendLimit.spendLimitAmount</code> | <code>10</code> | <code>12.50</code> |" in text
    assert "**cannot update in place:** fixed at creation" in text
    assert "- <code>targeter</code>: live state is not observable (no read API); drift unknown." in text
    drift = markdown.render_drift(_plan(REFRESH_ONLY))
    assert "<summary><code>criteo.eu</code> (id <code>9</code>): changed</summary>" in drift
    assert "| <code>spendLimit.spendLimitAmount</code> | <code>12</code> | <code>10</code> |" in drift


def test_json_is_the_plan_document() -> None:
    document = json.loads(jsonview.render_plan(_plan()))
    assert document["format_version"] == 2 and document["checksum"].startswith("sha256:")
    assert document["summary"]["cannot-update"] == 1
    assert [c["action"] for c in document["changes"]] == ["create", "update", "cannot-update", "no-op"]
    assert "after" in document["changes"][-1]  # the view shows unchanged campaigns in full (the file does not)


def test_staleness_is_data_and_views_word_it() -> None:
    problems = [
        Staleness(StaleKind.OTHER_LINEAGE),
        Staleness(StaleKind.READ_ERROR, "criteo", detail="HTTP 503"),
        Staleness(StaleKind.CONFIG_ADDED, "a"), Staleness(StaleKind.CONFIG_REMOVED, "b"),
        Staleness(StaleKind.CONFIG_CHANGED, "c", (FieldChange("goal"), FieldChange("name"))),
        Staleness(StaleKind.CONFIG_OTHER), Staleness(StaleKind.STATE_CHANGED),
        Staleness(StaleKind.NOT_PLANNED, "d"),
        Staleness(StaleKind.ACTION_CHANGED, "e", planned="update", now="no-op"),
        Staleness(StaleKind.LIVE_CHANGED, "f", (FieldChange("budget", {"amount": "5.50"}, {"amount": "6"}),
                                                FieldChange("name", "A", None))),
        Staleness(StaleKind.LIVE_CHANGED, "g"),
    ]
    assert human.staleness_lines(problems) == [
        "the state belongs to another workspace lineage than the plan's",
        "criteo: cannot read live state: HTTP 503",
        "campaign a: added to the configuration", "campaign b: removed from the configuration",
        "campaign c: configuration of goal, name changed",
        "the configuration changed since the plan was made",
        "the state changed since the plan was made (another apply ran?)",
        "campaign d: no longer planned", "campaign e: planned update, now it would be no-op",
        'campaign f: live campaign changed since the plan (budget was {"amount": 5.50}, now {"amount": "6"}, '
        'name was "A", now (absent))',
        "campaign g: live campaign changed since the plan (fingerprint differs)",
    ]
