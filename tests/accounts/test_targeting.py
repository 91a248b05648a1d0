"""--target / --exclude through the CLI against the Topsort and Criteo emulators: a targeted plan
reads and plans only the targeted campaigns' instances, the saved plan records its targets, and
`apply PLANFILE` re-plans with the same ones; apply DIR and drift take them too."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import Platforms, cli, state_of


def test_targeted_plan_and_apply_touch_only_the_targeted_campaigns(
        workspace: Path, platforms: Platforms, tmp_path: Path) -> None:
    plan_file = tmp_path / "targeted.json"
    planned = cli("plan", str(workspace), "--out", str(plan_file), "--target", "spring-sale")
    assert planned.exit_code == 0, planned.output
    saved = json.loads(plan_file.read_text())
    assert [c["key"] for c in saved["changes"]] == ["spring-sale"]
    assert saved["targets"] == ["spring-sale"] and saved["excludes"] == []
    assert "targeted plan (--target spring-sale): 3 other campaign(s)" in planned.stdout
    # the spend totals cover only the targeted campaigns, and say so
    assert ("Spend (committed budgets before -> after this plan, in major units of each currency; targeted plan "
            "(--target spring-sale): only the campaigns it selects, not the whole workspace):") in planned.stdout
    comment = cli("plan", str(workspace), "--no-save", "--format", "markdown", "--target", "spring-*")
    assert "**Note**: targeted plan (`--target spring-*`): only the campaigns it selects" in comment.stdout
    assert platforms.requests("criteo") == []  # no targeted campaign there: not even read

    applied = cli("apply", str(plan_file))
    assert applied.exit_code == 0, applied.output
    assert "Apply complete: 1 succeeded, 0 failed." in applied.stdout
    assert platforms.requests("criteo") == []  # the re-plan at apply used the same targets
    creates = platforms.requests("topsort", "POST")
    assert [c.body["externalCampaignId"] for c in creates] == ["spring-sale"]
    assert set(state_of(workspace)) == {"spring-sale"}

    refused = cli("apply", str(plan_file), "--target", "summer-shoes")
    assert refused.exit_code == 1 and "a saved plan is applied with the targets it was made with" in refused.stderr


def test_apply_dir_and_drift_with_globs_and_excludes(workspace: Path, platforms: Platforms) -> None:
    applied = cli("apply", str(workspace), "--auto-approve", "--target", "topsort.*", "--exclude", "summer-*")
    assert applied.exit_code == 0, applied.output
    assert set(state_of(workspace)) == {"spring-sale"}
    assert platforms.requests("criteo") == []

    everything = cli("apply", str(workspace), "--auto-approve", "--exclude", "spring-sale")
    assert everything.exit_code == 0, everything.output
    assert set(state_of(workspace)) == {"spring-sale", "summer-shoes", "retargeting-eu", "prospecting"}

    spring_id = state_of(workspace)["spring-sale"]["id"]
    platforms.emulator("topsort").ui_edit(spring_id, {"name": "Edited by hand"})
    assert cli("drift", str(workspace), "--exclude", "spring-sale").exit_code == 0
    drifted = cli("drift", str(workspace), "--target", "spring-*")
    assert drifted.exit_code == 2 and "topsort.spring-sale" in drifted.stdout

    typo = cli("plan", str(workspace), "--no-save", "--target", "no-such-campaign")
    assert typo.exit_code == 0 and "--target no-such-campaign matches no campaign" in typo.stdout
