"""Topsort's live campaigns are kept without their null members (half the memory of a listed
campaign): a plan, its drift, spend and fingerprints, and `import`'s YAML are exactly those made
from the whole answer (the conversion as it was before), over answers with nulls at every level."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from provisioner.config.workspace import load_workspace
from provisioner.planner import Planner
from provisioner.providers.base import LiveCampaign
from provisioner.providers.topsort.resources import SERVER_MANAGED_BUDGET, to_config, to_live
from provisioner.providers.wire import expect_id, optional_text
from provisioner.refresh import LiveView
from provisioner.states.state import ResourceState, State


def whole_answer_to_live(campaign: dict[str, Any]) -> LiveCampaign:
    """The reference: every member of the answer kept, the budget's server-managed ones dropped."""
    campaign_id = expect_id(campaign, "campaignId", "Topsort campaign in the list answer")
    fields = dict(campaign)
    if isinstance(fields.get("budget"), dict):
        fields["budget"] = {k: v for k, v in fields["budget"].items() if k not in SERVER_MANAGED_BUDGET}
    return LiveCampaign(id=campaign_id, fields=fields, key=optional_text(campaign.get("externalCampaignId")),
                        name=optional_text(campaign.get("name")))


NULLS = {"statusUpdatedBy": None, "campaignBehaviorData": None, "exclusivityPrice": None, "targetRoas": None,
         "autobiddingObjective": None, "multiplierConfig": None, "targetingFilters": None,
         "exclusionFilters": None, "promotionType": None}


def answer(number: int, **members: Any) -> dict[str, Any]:
    """A listed campaign as the platform answers it (31 members, 10 of them null)."""
    campaign = {"campaignId": f"id-{number}", "marketplaceId": "m", "name": f"T{number}",
                "startDate": "2030-03-01T00:00:00Z", "endDate": "2030-03-31T00:00:00Z", "isActive": True,
                "isSmart": False, "campaignType": "manual", "status": "approved", "createdAt": "2030-01-01T00:00:00Z",
                "chargeType": "CPC", "externalVendorId": "v", "adFormat": "listing", "isAutoTrigger": False,
                "vendorId": "v", "walletId": "w", "bidCount": 1,
                "budget": {"amount": 100, "amountRemaining": 100, "amountCarryover": 0, "amountUsed": 0,
                           "type": "daily"},
                "campaignBehaviorDataByDay": None, "externalCampaignId": f"t{number}", **NULLS}
    campaign.update(members)
    return campaign


CAMPAIGN = """\
  t{n}:
    provider: topsort
    name: T{n}
    budget: {{amount: 100, type: daily}}
    startDate: 2030-03-01T00:00:00Z
    endDate: 2030-03-31T00:00:00Z
    bids: [{{amount: 5, target: {{type: product, id: p1}}}}]
"""
EXTRA = {
    2: "    targetRoas: 2.5\n    campaignType: autobidding\n",  # declared; null live: an update
    3: "    isActive: false\n",
    4: "    multiplierConfig: {a: 1, b: null}\n",  # a nested null, live has it too
    5: "    targetingFilters: {x: [1, 2]}\n",  # live has another value
    6: "    walletId: w\n    chargeType: CPC\n",
}
ANSWERS = [
    answer(1),  # unchanged
    answer(2, campaignType="manual"),
    answer(3),
    answer(4, multiplierConfig={"a": 1, "b": None}),
    answer(5, targetingFilters={"x": [1], "y": None}),
    answer(6),
    answer(7, name="T7 renamed"),  # drifted from state (name), and not in config: retired with --prune
    answer(8, budget={"amount": 100, "type": None, "amountUsed": None}, startDate=None),  # not created here
    answer(9, isActive=None, endDate=None),  # drift: state recorded values live now has null
]


def _attrs(number: int) -> dict[str, Any]:
    return {"name": f"T{number}", "budget": {"amount": 100, "type": "daily"}, "startDate": "2030-03-01T00:00:00Z",
            "endDate": "2030-03-31T00:00:00Z"}


@pytest.fixture
def planned(tmp_path: Path):  # type: ignore[no-untyped-def]
    campaigns = "".join(CAMPAIGN.format(n=n) + EXTRA.get(n, "") for n in (1, 2, 3, 4, 5, 6, 8, 9, 10))
    (tmp_path / "ws.yaml").write_text("providers:\n  topsort: {base_url: sandbox, vendor_id: v, currency: EUR}\n"
                                      f"campaigns:\n{campaigns}")
    workspace = load_workspace([tmp_path], environ={})
    resources = {f"t{n}": ResourceState(f"t{n}", "topsort", "topsort", id=f"id-{n}", attrs=_attrs(n),
                                        created_at="2029-12-01T00:00:00Z") for n in (1, 2, 3, 4, 5, 6, 7, 9)}
    resources["t9"].attrs |= {"isActive": True, "targetRoas": None}
    state = State(resources=resources)

    def plan(convert, prune: bool):  # type: ignore[no-untyped-def]
        live = {"topsort": LiveView("topsort", campaigns=[convert(copy.deepcopy(a)) for a in ANSWERS])}
        return Planner(workspace, state, live, prune=prune, now=datetime(2030, 1, 2, tzinfo=UTC)).plan()
    return plan


@pytest.mark.parametrize("prune", [False, True])
def test_the_plan_from_lean_live_fields_is_the_plan_from_whole_answers(planned, prune: bool) -> None:  # type: ignore[no-untyped-def]
    lean, whole = planned(to_live, prune), planned(whole_answer_to_live, prune)
    assert lean.to_dict() == whole.to_dict()
    assert lean.to_dict(slim=True) == whole.to_dict(slim=True)
    actions = {c.key: c.action.value for c in lean.changes}
    assert (actions["t1"], actions["t2"], actions["t8"], actions["t10"]) == ("no-op", "update", "not-owned", "create")
    assert {d.key for d in lean.drift} >= {"t7", "t9"} and lean.spend_campaigns  # the cases were exercised


def test_import_writes_the_same_yaml_and_nulls_are_what_is_left_out() -> None:
    for raw in ANSWERS:
        lean, whole = to_live(copy.deepcopy(raw)), whole_answer_to_live(copy.deepcopy(raw))
        assert to_config(lean) == to_config(whole)
        assert (lean.id, lean.key, lean.name) == (whole.id, whole.key, whole.name)
        assert lean.fields == {k: v for k, v in whole.fields.items() if v is not None}
    assert len(to_live(answer(1)).fields) == len(answer(1)) - 10
