"""The PR comment and the drift report: golden output, hostile names that must not change the
comment's structure (checked with a CommonMark + GFM-tables parser), and the 65,000-character cap."""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from provisioner.plans.action import Action
from provisioner.plans.change import DriftEntry, FieldDiff, ResourceChange
from provisioner.plans.money import SpendLine
from provisioner.plans.plan import REFRESH_ONLY, Plan
from provisioner.views import markdown
from tests.views.test_renderers import _plan as sample_plan

GOLDEN = Path(__file__).parent / "golden"
HOSTILE = ("x`y | </details> <script>alert(1)</script> &amp; **bold** _em_ [link](http://e.vil) "
           "\n# Heading\n| a | b |\n|---|---|\n$x^2$ ~~gone~~ \\| <!-- @everyone")


def _plan(mode: str = "normal") -> Plan:
    """The renderers' sample plan, with one more drift kind (a campaign deleted on the platform)."""
    plan = sample_plan(mode)
    plan.workspace, plan.created_at = ["campaigns"], "2030-11-23T00:00:00Z"
    plan.drift.append(DriftEntry("gone", "topsort", "u7", "deleted"))
    return plan


def _golden(name: str, actual: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(actual, "utf-8")
    assert actual == path.read_text("utf-8"), f"{name} differs; UPDATE_GOLDEN=1 rewrites it after review"


def test_plan_comment_golden() -> None:
    _golden("plan.md", markdown.render_plan(_plan(), full_plan_url="https://ci.example/runs/7#artifacts"))


def test_drift_report_golden() -> None:
    _golden("drift.md", markdown.render_drift(_plan(REFRESH_ONLY)))


def _structure(text: str) -> list[str]:
    """What a renderer would make of it: block tokens, and the inline markup inside them."""
    parser = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    found = []
    for token in parser.parse(text):
        if token.type == "inline":
            found += [child.type + (f":{child.content}" if child.type == "html_inline" else "")
                      for child in token.children or [] if child.type not in ("text", "softbreak")]
        elif token.type == "html_block":
            found.append("html_block:" + " ".join(line.split(">")[0] for line in token.content.splitlines()))
        else:
            found.append(token.type)
    return found


def _hostile_plan(name: str) -> Plan:
    changes = [
        ResourceChange(name, name, "topsort", Action.CREATE, after={name: name, "budget": {name: 5}}),
        ResourceChange(name + "2", "criteo", "criteo", Action.UPDATE, id=name, reason=name, warnings=[name],
                       diffs=[FieldDiff(name, name, name + "!")]),
        ResourceChange(name + "3", "criteo", "criteo", Action.CANNOT_UPDATE, id="8", reason=name,
                       diffs=[FieldDiff("goal", name, "x", blocked=name)]),
    ]
    drift = [DriftEntry(name, name, name, "changed", [FieldDiff(name, name, name)])]
    return Plan("normal", [name], "c", "s", "l", name, changes=changes, drift=drift,
                not_observable={name: name}, warnings=[name])


@pytest.mark.parametrize("render", [markdown.render_plan, markdown.render_drift])
def test_hostile_names_and_values_cannot_change_the_structure(render) -> None:  # type: ignore[no-untyped-def]
    """The same plan with a harmless name and with a hostile one renders to the same structure."""
    hostile = render(_hostile_plan(HOSTILE))
    assert _structure(hostile) == _structure(render(_hostile_plan("plain")))
    assert "<script>" not in hostile and "</details> <" not in hostile and "\n# Heading" not in hostile
    assert hostile.count("<details") == hostile.count("</details>")
    inline = {t for t in _structure(hostile) if t.startswith("html_inline")}
    assert inline <= {"html_inline:<code>", "html_inline:</code>", "html_inline:<br>"}
    assert "↵&#35; Heading↵" in hostile  # a line break is shown, never made


def test_escaped_text_reads_back_as_the_original() -> None:
    rendered = MarkdownIt("commonmark").render(markdown.text("a`b|c<d>&e*f_g[h]#i~j$k\\l", 100))
    assert rendered == "<p>a`b|c&lt;d&gt;&amp;e*f_g[h]#i~j$k\\l</p>\n"


def _big_plan(count: int, blocked: int = 25) -> Plan:
    changes = [ResourceChange(f"campaign-{n:05d}", f"topsort-{n % 3}", "topsort", Action.CREATE,
                              after={"name": f"Campaign {n}", "budget": {"amount": 5000 + n, "type": "daily"},
                                     "startDate": "2030-03-01T00:00:00Z"}) for n in range(count)]
    changes += [ResourceChange(f"stuck-{n}", "criteo", "criteo", Action.CANNOT_UPDATE, id=str(n), reason="revert it",
                               diffs=[FieldDiff("goal", "Retention", "Acquisition", blocked="fixed at creation")])
                for n in range(blocked)]
    return Plan("normal", ["campaigns"], "c", "s", "l", "2030-01-01T00:00:00Z", changes=changes)


def test_a_3000_campaign_plan_fits_keeping_summary_blocked_items_and_the_note() -> None:
    text = markdown.render_plan(_big_plan(3000), full_plan_url="https://ci.example/artifacts/42")
    assert len(text) < 65_000
    assert "Plan: 3000 to create, 0 to update" in text
    assert "| <code>topsort-0</code> | 1000 |" in text and "| **total** | 3000 |" in text
    assert all(f"criteo.stuck-{n}</code>" in text for n in range(25))  # every blocked item
    shown = text.count("<code>+ topsort-")
    assert 100 < shown < 3000
    assert f"**{3000 - shown} campaign(s) not shown** to keep this comment under 65,000 characters." in text
    assert 'The full plan: <a href="https://ci.example/artifacts/42">' in text
    assert text.count("<details") == text.count("</details>")


def test_without_a_url_the_note_names_the_saved_plan() -> None:
    text = markdown.render_plan(_big_plan(3000, blocked=0), plan_path="plans/campaigns.json")
    assert "The full plan: <code>provisioner show plans/campaigns.json</code>" in text


def test_thousands_of_blocked_items_still_fit() -> None:
    text = markdown.render_plan(_big_plan(10, blocked=5000))
    assert len(text) < 65_000 and "### Needs a human (5000)" in text and "more blocked campaign(s)" in text


def test_a_small_plan_is_whole_and_says_nothing_was_left_out() -> None:
    text = markdown.render_plan(_plan())
    assert "not shown" not in text and "The full plan" not in text


def test_drift_report_is_capped_too() -> None:
    plan = _big_plan(0, blocked=0)
    plan.mode = REFRESH_ONLY
    plan.drift = [DriftEntry(f"c{n}", "topsort", f"id{n}", "changed", [FieldDiff("budget.amount", n, n + 1)])
                  for n in range(5000)]
    text = markdown.render_drift(plan, full_plan_url="https://ci.example/drift")
    assert len(text) < 65_000 and "**5000 campaign(s) changed outside provisioner.**" in text
    assert "campaign(s) not shown" in text and 'The full drift report: <a href="https://ci.example/drift">' in text


def test_spend_and_policy_sections_are_always_kept() -> None:
    plan = _big_plan(3000, blocked=0)
    plan.spend = [SpendLine("topsort", "EUR", "daily", Decimal("150000"), Decimal("150150.50"))]
    text = markdown.render_plan(plan)
    assert "### Spend" in text and text.index("### Spend") < text.index("### Changes")
