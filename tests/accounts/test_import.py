"""`provisioner import` through the CLI, on each readable platform's emulator (over real HTTP) filled
out of band: import → validate (exit 0) → plan --detailed-exitcode (exit 0) and no write sent; what
cannot be given a key is listed with the reason; importing twice imports nothing; files are not
overwritten without --force; Targeter says it cannot be read; a create without bids names file:line."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from provisioner.sandbox.server import EmulatorServer
from tests.accounts.conftest import clear, writes
from tests.conftest import cli, state_of


@pytest.mark.parametrize("instance", ["topsort", "criteo", "sessionm", "skala"])
def test_import_then_validate_then_an_empty_plan_with_no_write(
        root: Path, servers: dict[str, EmulatorServer], instance: str, tmp_path: Path) -> None:
    imported = cli("import", str(root), "--provider", instance)
    assert imported.exit_code == 0, imported.output
    written = root / f"imported-{instance}.yaml"
    campaigns = yaml.safe_load(written.read_text())["campaigns"]
    assert campaigns and all(c["provider"] == instance for c in campaigns.values())
    assert set(state_of(root)) == set(campaigns)

    assert cli("validate", str(root)).exit_code == 0
    clear(servers)
    planned = cli("plan", str(root), "--detailed-exitcode", "--target", f"{instance}.*",
                  "--out", str(tmp_path / "plan.json"))
    assert planned.exit_code == 0, planned.output
    assert "No changes" in planned.stdout
    assert writes(servers) == []

    again = cli("import", str(root), "--provider", instance)
    assert again.exit_code == 0 and "Nothing to import" in again.stdout
    assert yaml.safe_load(written.read_text())["campaigns"] == campaigns


def test_keys_money_and_skipped_campaigns(root: Path) -> None:
    topsort = cli("import", str(root), "--provider", "topsort")
    assert topsort.exit_code == 0, topsort.output
    text = (root / "imported-topsort.yaml").read_text()
    campaigns = yaml.safe_load(text)["campaigns"]
    assert set(campaigns) == {"spring-sale", "autumn"}  # keys are the externalCampaignId
    assert campaigns["spring-sale"]["budget"] == {"amount": 123456, "type": "daily"}  # integer minor units
    assert "bids" not in campaigns["spring-sale"]  # create-only input, never listed
    assert "targetRoas: 4.25" in text
    assert "'No external id'" in topsort.stderr and "has no externalCampaignId" in topsort.stderr
    assert "'has spaces!' is not a valid key" in topsort.stderr
    assert "'twin' is shared by 2 campaigns" in topsort.stderr

    criteo = cli("import", str(root), "--provider", "criteo")
    assert criteo.exit_code == 0, criteo.output
    text = (root / "imported-criteo.yaml").read_text()
    assert set(yaml.safe_load(text)["campaigns"]) == {"retargeting-eu", "prospecting"}  # slugs of the names
    assert "spendLimitAmount: 150.5\n" in text  # the exact decimal Criteo answered
    assert criteo.stderr.count("the name 'Same name' is used by 2 campaigns") == 2

    skala = cli("import", str(root), "--provider", "skala")
    text = (root / "imported-skala.yaml").read_text()
    keys = set(yaml.safe_load(text)["campaigns"])
    assert keys == {"sandbox-company-oslo-2030-04-01", "sandbox-company-bergen-2030-05-01"}, skala.output
    assert "customBudget: 12500.5\n" in text


def test_declared_campaigns_get_state_only_and_files_are_kept(root: Path) -> None:
    (root / "campaigns.yaml").write_text("""\
campaigns:
  spring-sale:
    provider: topsort
    name: Spring sale
    budget: {amount: 123456, type: daily}
    startDate: 2030-03-01T00:00:00Z
    endDate: 2030-03-31T00:00:00Z
""")
    (root / "imported-topsort.yaml").write_text("# mine\n")
    refused = cli("import", str(root), "--provider", "topsort")
    assert refused.exit_code == 1 and "--force" in refused.stderr
    assert (root / "imported-topsort.yaml").read_text() == "# mine\n" and state_of(root) == {}

    done = cli("import", str(root), "--provider", "topsort", "--out", str(root / "more.yaml"))
    assert done.exit_code == 0, done.output
    assert "Recorded topsort.spring-sale" in done.stdout and "already declared" in done.stdout
    # a declared campaign is recorded as it is live: the plan may show an update, so no promise of an empty one
    assert "as an update" in done.stdout and "should be empty" not in done.stdout
    assert set(yaml.safe_load((root / "more.yaml").read_text())["campaigns"]) == {"autumn"}
    assert set(state_of(root)) == {"spring-sale", "autumn"}
    planned = cli("plan", str(root), "--detailed-exitcode", "--no-save", "--target", "topsort.*")
    assert planned.exit_code == 0, planned.output

    forced = cli("import", str(root), "--provider", "criteo", "--match", "retarget*", "--out",
                 str(root / "imported-topsort.yaml"), "--force")
    assert forced.exit_code == 0, forced.output
    assert set(yaml.safe_load((root / "imported-topsort.yaml").read_text())["campaigns"]) == {"retargeting-eu"}


def test_targeter_cannot_be_imported_and_says_why(root: Path) -> None:
    result = cli("import", str(root), "--provider", "targeter")
    assert result.exit_code == 1
    assert "cannot import from targeter" in result.stderr and "cannot read campaigns back" in result.stderr


def test_a_create_without_bids_names_file_and_line(root: Path, servers: dict[str, EmulatorServer]) -> None:
    campaigns = root / "campaigns.yaml"
    campaigns.write_text("campaigns:\n  brand-new:\n    provider: topsort\n    name: New\n"
                         "    startDate: 2030-03-01T00:00:00Z\n    endDate: 2030-03-31T00:00:00Z\n")
    assert cli("validate", str(root)).exit_code == 0  # it may exist already: only a create needs bids
    clear(servers)
    planned = cli("plan", str(root), "--no-save", "--target", "brand-new")
    assert planned.exit_code == 1
    assert f"{campaigns}:2: error: campaigns.brand-new.bids: required to create this campaign" in planned.stderr
    assert writes(servers) == []
