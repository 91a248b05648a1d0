"""Unit tests: the CI run read from the environment, target globs, import key slugs."""

from __future__ import annotations

from provisioner.environment import read_environment
from provisioner.importer import _unique, slug
from provisioner.targeting import Targeting


def test_ci_run_from_github_gitlab_or_nothing() -> None:
    github = read_environment({"GITHUB_SHA": "abc", "GITHUB_RUN_ID": "9", "GITHUB_SERVER_URL": "https://github.com/",
                               "GITHUB_REPOSITORY": "acme/ads"}).ci
    assert github.as_dict() == {"commit": "abc", "run": "https://github.com/acme/ads/actions/runs/9"}
    assert read_environment({"GITHUB_SHA": "abc", "GITHUB_RUN_ID": "9"}).ci.as_dict() == {"commit": "abc", "run": "9"}
    gitlab = read_environment({"CI_COMMIT_SHA": "def", "CI_PIPELINE_ID": "4",
                               "CI_PIPELINE_URL": "https://gitlab.com/acme/ads/-/pipelines/4"}).ci
    assert gitlab.as_dict() == {"commit": "def", "run": "https://gitlab.com/acme/ads/-/pipelines/4"}
    assert read_environment({"CI_COMMIT_SHA": "def", "CI_PIPELINE_ID": "4"}).ci.run == "4"
    assert read_environment({}).ci.as_dict() == {}


def test_targets_match_keys_or_addresses_and_excludes_win() -> None:
    targeting = Targeting(("spring-*", "criteo.*"), ("spring-old",))
    assert targeting.selects("spring-sale", "topsort") and targeting.selects("anything", "criteo")
    assert not targeting.selects("spring-old", "topsort") and not targeting.selects("summer", "topsort")
    assert Targeting().selects("x", "y") and not Targeting().active
    assert Targeting(("nope*",)).unmatched([("spring", "topsort")]) == ["nope*"]


def test_slugs_are_readable_valid_and_unique() -> None:
    assert slug("Retargeting EU — Q3 (2030)") == "retargeting-eu-q3-2030"
    assert len(slug("x" * 200)) == 56 and slug("!!!") == ""
    assert _unique("spring", {"spring", "spring-2"}) == "spring-3"
