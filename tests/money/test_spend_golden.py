"""Golden tests of the spend summary, the first lines of every plan, in text, markdown and JSON,
on a workspace of all five platforms: a Topsort daily budget raised, a Criteo spend limit taken
from capped to uncapped, and Skala custom budgets (one changed, one added to a budget option)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import REPO, cli

GOLDEN = Path(__file__).parent / "golden"
# Set to regenerate the golden files after a deliberate change of the rendering; review the diff.
REGENERATE = os.environ.get("PROVISIONER_REGENERATE_GOLDEN") == "1"

EXTRA_ORDER = """
  bergen-jobs:
    provider: skala
    company: {id: 10}
    campaignType: {id: 101}
    startDate: 2030-05-01
    endDate: 2030-05-31
    landingPage: https://bergen.example.no/jobs
    campaignFieldValues:
      title: {type: FREETEXT, text: Work with us in Bergen}
    customBudget: 2500
    customAdPlatformTypes: [FACEBOOK]
"""
POLICY = """\
policy:
  allowed_currencies: [EUR, NOK]
  max_increase_percent: 50
  allow_uncapped: true
"""


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1))


@pytest.fixture(scope="module")
def changed_workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """examples/mixed applied on the sandbox, then edited the way a pull request would."""
    root = tmp_path_factory.mktemp("golden") / "mixed"
    shutil.copytree(REPO / "examples" / "mixed", root, ignore=shutil.ignore_patterns(".provisioner"))
    (root / "real-estate.yaml").write_text((root / "real-estate.yaml").read_text() + EXTRA_ORDER)
    applied = cli("apply", str(root), "--auto-approve")
    assert applied.exit_code == 0, applied.output
    _edit(root / "retail.yaml", "budget: {amount: 50000, type: daily}", "budget: {amount: 65000, type: daily}")
    _edit(root / "retail.yaml",
          "spendLimit: {spendLimitType: capped, spendLimitRenewal: daily, spendLimitAmount: 123.45}",
          "spendLimit: {spendLimitType: uncapped}")
    _edit(root / "real-estate.yaml", "customBudget: 2500", "customBudget: 3000.50")
    _edit(root / "real-estate.yaml", "    budgetOptionId: 500\n", "    budgetOptionId: 500\n    customBudget: 1800\n")
    (root / "policy.yaml").write_text(POLICY)
    return root


def _golden(name: str, actual: str) -> None:
    path = GOLDEN / name
    if REGENERATE:
        path.parent.mkdir(exist_ok=True)
        path.write_text(actual)
    assert actual == path.read_text(), f"{name} differs from the golden file"


def _leading(output: str, sections: int) -> str:
    """The first `sections` blank-line-separated blocks of a rendering: the money sections."""
    return "\n\n".join(output.split("\n\n")[:sections]) + "\n"


def test_text(changed_workspace: Path, tmp_path: Path) -> None:
    result = cli("plan", str(changed_workspace), "--out", str(tmp_path / "p.json"), "--detailed-exitcode")
    assert result.exit_code == 2, result.output
    _golden("spend.txt", _leading(result.stdout, 2))


def test_markdown(changed_workspace: Path, tmp_path: Path) -> None:
    result = cli("plan", str(changed_workspace), "--no-save", "--format", "markdown")
    assert result.exit_code == 0, result.output
    header, made_at, money = result.stdout.split("\n\n", 2)  # the header names this run's folder and time
    assert header.startswith("## provisioner plan: ") and made_at.startswith("Made at ")
    assert money.startswith("### Spend\n")  # the comment opens with the money, right after its header
    _golden("spend.md", _leading(money, 5))


def test_json(changed_workspace: Path, tmp_path: Path) -> None:
    result = cli("plan", str(changed_workspace), "--out", str(tmp_path / "p.json"), "--format", "json")
    assert result.exit_code == 0, result.output
    saved = json.loads((tmp_path / "p.json").read_text())
    assert json.loads(result.stdout)["spend"] == saved["spend"]  # --format json is the plan file
    money = {"spend": saved["spend"], "policy": saved["policy"],
             "spend_campaigns": saved["spend_campaigns"]}
    _golden("spend.json", json.dumps(money, indent=1, sort_keys=True) + "\n")
