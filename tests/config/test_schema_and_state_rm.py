"""`provisioner schema` describes what the loader accepts; `state rm` forgets without touching."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import Platforms, cli, state_of


def test_schema_lists_every_provider_and_state_backend(tmp_path: Path) -> None:
    result = cli("schema", "--out", str(tmp_path / "s.json"))
    assert result.exit_code == 0
    schema = json.loads((tmp_path / "s.json").read_text())
    assert {"topsort_campaign", "criteo_campaign", "sessionm_campaign", "targeter_campaign",
            "skala_campaign"} <= set(schema["$defs"])
    assert schema["properties"]["state"]["properties"]["backend"]["enum"] == ["local", "postgres"]
    topsort = schema["$defs"]["topsort_campaign"]
    assert topsort["additionalProperties"] is False and "budget" in topsort["properties"]


def test_state_rm_forgets_a_campaign_the_platform_cannot_retire(workspace: Path, platforms: Platforms) -> None:
    assert cli("apply", str(workspace), "--auto-approve").exit_code == 0
    campaigns = workspace / "campaigns.yaml"
    text = campaigns.read_text()
    campaigns.write_text(text[:text.index("  prospecting:")])
    planned = cli("plan", str(workspace), "--no-save", "--prune", "--detailed-exitcode")
    assert planned.exit_code == 2 and "cannot retire" in planned.stdout
    assert "state rm WORKSPACE --key prospecting" in planned.stdout

    platforms.clear()
    assert cli("state", "rm", str(workspace), "--key", "prospecting").exit_code == 0
    assert "prospecting" not in state_of(workspace)
    assert platforms.requests("criteo", "PATCH") == []  # nothing touched on the platform
    assert cli("plan", str(workspace), "--no-save", "--prune", "--detailed-exitcode").exit_code == 0
    assert cli("state", "rm", str(workspace), "--key", "nope").exit_code == 1
