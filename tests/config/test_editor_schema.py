"""Editor support: the committed JSON Schema is what `provisioner schema` writes, every example file
points at it, and a standard validator accepts every example and rejects a campaign of the wrong platform."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

from tests.conftest import REPO, cli

SCHEMA_FILE = REPO / "schema" / "workspace.schema.json"
MODELINE = "# yaml-language-server: $schema="
WORKSPACE_FILES = sorted(p for p in (REPO / "examples").rglob("*.y*ml") if "ci" not in p.relative_to(REPO).parts)
EXAMPLE_DIRS = sorted({p.parent for p in WORKSPACE_FILES})


class _EditorLoader(yaml.SafeLoader):
    """YAML as yaml-language-server reads it (YAML 1.2): a timestamp is a string, not a datetime."""


_EditorLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}


def _validator() -> Draft202012Validator:
    schema = json.loads(SCHEMA_FILE.read_text("utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def _errors(document: Any) -> list[str]:
    return [f"{e.json_path}: {e.message}" for e in _validator().iter_errors(document)]


def test_committed_schema_is_what_provisioner_schema_writes(tmp_path: Path) -> None:
    assert cli("schema", "--out", str(tmp_path / "schema.json")).exit_code == 0
    assert (tmp_path / "schema.json").read_text("utf-8") == SCHEMA_FILE.read_text("utf-8"), (
        "schema/workspace.schema.json is stale: run `provisioner schema --out schema/workspace.schema.json`")


@pytest.mark.parametrize("path", WORKSPACE_FILES, ids=lambda p: str(p.relative_to(REPO / "examples")))
def test_example_file_points_at_the_committed_schema_and_validates(path: Path) -> None:
    first_line = path.read_text("utf-8").splitlines()[0]
    assert first_line.startswith(MODELINE), f"{path} must start with `{MODELINE}...`"
    assert (path.parent / first_line.removeprefix(MODELINE)).resolve() == SCHEMA_FILE
    assert _errors(yaml.load(path.read_text("utf-8"), Loader=_EditorLoader)) == []  # _EditorLoader is a SafeLoader


@pytest.mark.parametrize("directory", EXAMPLE_DIRS, ids=lambda p: p.name)
def test_every_example_workspace_is_also_valid_for_provisioner(directory: Path) -> None:
    """The schema and the loader agree on the shipped examples (neither is looser on its own)."""
    result = cli("validate", str(directory))
    assert result.exit_code == 0, result.output


TOPSORT_FIELDS = {"name": "Spring sale", "budget": {"amount": 50000, "type": "daily"},
                  "startDate": "2030-03-01T00:00:00Z", "endDate": "2030-03-31T00:00:00Z",
                  "bids": [{"amount": 25, "target": {"type": "product", "id": "p_8983"}}]}
PROVIDERS = {"topsort": {"base_url": "sandbox", "vendor_id": "acme"},
             "criteo": {"base_url": "sandbox", "advertiser_id": "12345"}}


def _workspace(**campaign: Any) -> dict[str, Any]:
    return {"providers": PROVIDERS, "campaigns": {"spring-sale": campaign}}


def test_a_topsort_campaign_validates_under_topsort_and_not_under_criteo() -> None:
    assert _errors(_workspace(provider="topsort", **TOPSORT_FIELDS)) == []
    errors = _errors(_workspace(provider="criteo", **TOPSORT_FIELDS))
    assert any("'bids'" in e and "unexpected" in e for e in errors), errors
    assert any("'goal' is a required property" in e for e in errors), errors


def test_the_right_platform_fields_are_checked() -> None:
    wrong_value = _errors(_workspace(provider="topsort", **{**TOPSORT_FIELDS, "campaignType": "sponsored"}))
    assert any("campaignType" in e for e in wrong_value), wrong_value
    no_provider = _errors(_workspace(**TOPSORT_FIELDS))
    assert any("'provider' is a required property" in e for e in no_provider), no_provider


def test_an_instance_of_another_name_falls_back_to_any_platform() -> None:
    providers = {**PROVIDERS, "topsort-outlet": {"type": "topsort", "base_url": "sandbox", "vendor_id": "o"}}
    good = {"providers": providers, "campaigns": {"x": {"provider": "topsort-outlet", **TOPSORT_FIELDS}}}
    assert _errors(good) == []
    typo = {"providers": providers, "campaigns": {"x": {"provider": "topsort-outlet", **TOPSORT_FIELDS,
                                                       "bidz": []}}}
    assert _errors(typo) != []  # fits no platform


def test_provider_settings_as_the_loader_reads_them() -> None:
    assert _errors({"providers": {"outlet": {"base_url": "sandbox", "vendor_id": "o"}}}) != []  # needs type:
    assert _errors({"providers": {"topsort": {"type": "criteo", "base_url": "sandbox"}}}) != []
    real = {"base_url": "https://api.topsort.com", "vendor_id": "acme"}
    assert any("'api_key' is a required property" in e for e in _errors({"providers": {"topsort": real}}))
    assert _errors({"providers": {"topsort": {**real, "api_key": "${env:TOPSORT_API_KEY}"}}}) == []
    assert _errors({"providers": {"topsort": {**real, "api_key": "sk-literal"}}}) != []  # secrets: ${env:} only
    env_int = {"skala": {"base_url": "sandbox", "brand_id": "${env:SKALA_BRAND}"}}
    assert _errors({"providers": env_int}) == []  # any setting may come from the environment
