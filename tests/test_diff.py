"""Normalisation and field diffs: wire spellings of the same value are never a change."""

from __future__ import annotations

from decimal import Decimal

from provisioner.diff import canon, field_diffs, project
from provisioner.plans.change import FieldDiff
from provisioner.providers.criteo.schema import CriteoCampaign
from provisioner.providers.topsort.schema import TopsortCampaign


def test_equal_values_in_any_spelling() -> None:
    assert canon("12345") == canon(12345)
    assert canon("123.450") == canon(123.45) == canon("1.2345E2")
    assert canon("2030-03-01T00:00:00Z") == canon("2030-03-01T01:00:00+01:00") == canon("2030-03-01 00:00:00")
    assert canon({"a": None, "b": 1}) == canon({"b": "1"})
    assert canon([1, 2]) != canon([2, 1])
    assert canon(True) != canon(1)


def test_only_declared_fields_are_compared() -> None:
    desired = {"budget": {"amount": 100, "type": "daily"}, "name": "A"}
    live = {"budget": {"amount": 100, "type": "daily", "amountUsed": 55}, "name": "A", "bidCount": 3}
    assert field_diffs(desired, live, TopsortCampaign) == []


def test_nested_leaf_paths_and_create_only_reason() -> None:
    desired = {"name": "New", "spendLimit": {"spendLimitType": "capped", "spendLimitAmount": "10"}}
    live = {"name": "Old", "spendLimit": {"spendLimitType": "capped", "spendLimitAmount": 12}}
    diffs = [(d.path, d.before, d.after, d.blocked is not None) for d in field_diffs(desired, live, CriteoCampaign)]
    assert diffs == [("name", "Old", "New", True), ("spendLimit.spendLimitAmount", 12, "10", False)]


def test_topsort_past_start_date_rewrite_is_not_a_diff() -> None:
    """Only the documented rewrite is the platform's: a start that was past at creation, moved to
    the creation time. A start moved anywhere else (a person, a month later) is a diff (issue 11)."""
    desired = {"startDate": "2020-01-01T00:00:00Z"}
    rewritten = {"startDate": "2026-11-23T10:00:00Z", "createdAt": "2026-11-23T10:00:00Z"}
    rewrites: list[tuple[FieldDiff, str]] = []
    assert field_diffs(desired, rewritten, TopsortCampaign, rewrites=rewrites) == []
    assert [(d.path, d.before, d.after) for d, _ in rewrites] == [
        ("startDate", "2020-01-01T00:00:00Z", "2026-11-23T10:00:00Z")]
    assert "creation time" in rewrites[0][1]
    moved = {"startDate": "2026-12-23T10:00:00Z", "createdAt": "2026-11-23T10:00:00Z"}
    assert len(field_diffs(desired, moved, TopsortCampaign)) == 1
    running = {"startDate": "2026-11-01T00:00:00Z"}  # a running campaign's start moved by a month
    assert len(field_diffs(running, {"startDate": "2026-12-01T00:00:00Z", "createdAt": "2026-10-20T08:00:00Z"},
                           TopsortCampaign)) == 1
    future = {"startDate": "2030-01-01T00:00:00Z"}
    assert len(field_diffs(future, {"startDate": "2030-02-01T00:00:00Z"}, TopsortCampaign)) == 1


def test_campaign_type_may_only_change_to_autobidding() -> None:
    to_manual = field_diffs({"campaignType": "manual"}, {"campaignType": "autobidding"}, TopsortCampaign)
    assert to_manual[0].blocked == "Topsort can only change campaignType to autobidding"
    to_auto = field_diffs({"campaignType": "autobidding"}, {"campaignType": "manual"}, TopsortCampaign)
    assert to_auto[0].blocked is None


# -- same(): the planner's no-op test must answer exactly what the normal forms answer ----------------
_SAME_VALUES = [None, True, False, 0, 1, 1.0, 1500, 1500.0, Decimal("1500"), Decimal("1500.00"), Decimal("100.25"),
                "100.25", "100.250", "1500", "x", "", "2030-03-01T00:00:00Z", "2030-03-01T00:00:00+00:00",
                "2030-03-01T01:00:00+01:00", "2030-03-01", [], [1], [True], [1.0], {}, {"a": 1}, {"a": None},
                {"a": "1"}, {"b": {"c": 1}}, {"b": {"c": None}}, {"b": 1}]


def test_same_agrees_with_comparing_normal_forms_of_the_projection() -> None:
    import random

    from provisioner.diff import same

    rng = random.Random(12)

    def value(depth: int = 0) -> object:
        if depth < 2 and rng.random() < 0.4:
            return {rng.choice("abc"): value(depth + 1) for _ in range(rng.randint(0, 3))}
        return rng.choice(_SAME_VALUES)

    disagreements = []
    for _ in range(50_000):
        declared, live = value(), value()
        if rng.random() < 0.3:
            live = declared
        expected = canon(project(live, declared)) == canon(declared)
        if same(live, declared) != expected:
            disagreements.append((live, declared, expected))
    assert disagreements == []


def test_same_tells_types_apart_where_normal_forms_do() -> None:
    from provisioner.diff import same

    assert same({"on": True, "n": 1500.0}, {"on": True, "n": 1500})
    assert same({"d": "2030-03-01T01:00:00+01:00", "amount": Decimal("100.25")}, {"d": "2030-03-01T00:00:00Z",
                                                                                  "amount": "100.25"})
    assert not same({"on": 1}, {"on": True})  # == in Python, not in normal form
    assert not same({"a": [1]}, {"a": [True]})
    assert not same({"a": None}, {"a": 0}) and not same({"a": 0}, {"a": None})
    assert same({"a": None, "extra": 1}, {"a": None})  # only what is declared is compared


def test_same_takes_an_amount_recorded_as_its_text_as_normal_forms_do() -> None:
    """An amount read as a number and recorded as text (Criteo) is compared by its text first."""
    from provisioner.diff import same

    amounts = [Decimal("100.25"), Decimal("100.250"), Decimal("1E+2"), Decimal("100"), Decimal("-0"), Decimal("0E-8"),
               Decimal("NaN"), Decimal("-Infinity"), Decimal("Infinity"), Decimal("1.5")]
    texts = ["100.25", "100.250", "1E+2", "100", "-0", "0E-8", "0", "NaN", "-Infinity", "Infinity", "1.50", "x", ""]
    for amount in amounts:
        for text in texts:
            assert same(amount, text) == (canon(amount) == canon(text)), (amount, text)
            assert same({"a": amount}, {"a": text}) == (canon(amount) == canon(text)), (amount, text)


def test_zero_has_one_normal_form_whatever_its_sign_and_whichever_came_first() -> None:
    zeros = [Decimal("-0"), 0, Decimal("0E-8"), -0.0, "-0.00", 0.0, "0", Decimal("-0E+3")]
    assert {canon(z) for z in zeros} == {("n", "0")}
    assert {canon(z) for z in reversed(zeros)} == {("n", "0")}


def test_same_projection_is_same_and_project_in_one_walk() -> None:
    """Where the recorded values == the declared ones, `same_projection` answers `same(live, recorded)`
    and gives `project(live, declared)` (the very live mapping where `project` keeps it, or the declared
    mapping where the projection is spelt as it is), or says it cannot decide alone; never anything else."""
    import copy
    import random

    from provisioner.diff import DIFFERENT, UNDECIDED, same, same_projection

    rng = random.Random(7)
    # other types' values that == it (keyed by type too: True == 1)
    respelt = {(int, 1): [True, 1.0, Decimal("1")], (int, 0): [False, 0.0], (int, 1500): [1500.0, Decimal("1500.0")],
               (bool, True): [1], (str, "100.25"): ["100.25"]}

    def value(depth: int = 0) -> object:
        if depth < 3 and rng.random() < 0.4:
            return {rng.choice("abcd"): value(depth + 1) for _ in range(rng.randint(0, 3))}
        return rng.choice(_SAME_VALUES)

    def respell(declared: object) -> object:
        if isinstance(declared, dict):
            return {k: respell(v) for k, v in declared.items()}
        choices = respelt.get((type(declared), declared)) if isinstance(declared, (int, str)) else None
        return rng.choice(choices) if choices and rng.random() < 0.3 else copy.deepcopy(declared)

    outcomes = []
    for _ in range(30_000):
        declared, live = value(), value()
        if not isinstance(declared, dict):
            continue
        if rng.random() < 0.5:
            live = copy.deepcopy(declared) if rng.random() < 0.5 else declared
            if rng.random() < 0.5:
                live["extra"] = 1
        if not isinstance(live, dict):
            continue
        # (the state's applied values may be the declared mapping itself: states/streamed.py)
        recorded = declared if rng.random() < 0.2 else respell(declared)
        if recorded != declared:
            continue
        result = same_projection(live, declared, recorded)
        outcomes.append("undecided" if result is UNDECIDED else "different" if result is DIFFERENT else "same")
        if result is UNDECIDED:
            continue
        assert same(live, recorded) == (result is not DIFFERENT), (live, declared, recorded)
        if result is not DIFFERENT:
            projected = project(live, declared)
            assert result == projected, (live, declared)
            assert repr(result) == repr(projected), (live, declared)  # spelt alike: True is not 1, nor 1.0 1
            if result is declared and declared is not live:
                outcomes.append("declared")  # the declared mapping stands for a projection spelt as it is
            else:
                assert (result is live) == (projected is live), (live, declared)
    assert "declared" in outcomes  # the declared mapping stood for a projection spelt as it is
    assert {"undecided", "different", "same"} <= set(outcomes)
