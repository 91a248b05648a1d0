"""Targeter settings and campaign validation: URLs checked up front and kept verbatim, the host-only
base_url, and credentials that only come from the environment."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from provisioner.config.workspace import load_workspace
from provisioner.errors import ConfigError
from provisioner.providers.targeter.schema import TargeterCampaign, TargeterSettings

GOOD = {"name": "Ivan Bjørndals Gate 9", "material": ["https://cdn.megler.no/bilde1.jpg"],
        "target_url": "https://megler.no/eiendom/123"}


def _messages(**changes: object) -> list[tuple[str, str]]:
    with pytest.raises(ValidationError) as caught:
        TargeterCampaign.model_validate(GOOD | changes)
    return [(".".join(map(str, e["loc"])), e["msg"]) for e in caught.value.errors()]


def test_urls_are_kept_exactly_as_written() -> None:
    campaign = TargeterCampaign.model_validate(GOOD | {"target_url": "https://megler.no"})
    assert campaign.declared() == GOOD | {"target_url": "https://megler.no"}  # no trailing '/' added


@pytest.mark.parametrize(("field", "value", "message"), [
    ("material", ["ftp://cdn.megler.no/a.jpg"], "URL scheme should be 'http' or 'https'"),
    ("material", ["https://cdn.megler.no/a b.jpg"],
     "a URL must not contain spaces (percent-encode them as %20)"),
    ("target_url", "megler.no/eiendom/123", "Input should be a valid URL, relative URL without a base"),
    ("target_url", "https://", "Input should be a valid URL, empty host"),
])
def test_bad_urls_are_refused(field: str, value: object, message: str) -> None:
    location = f"{field}.0" if isinstance(value, list) else field
    assert _messages(**{field: value}) == [(location, message)]


def test_material_and_name_are_required_and_not_blank() -> None:
    assert _messages(material=[]) == [("material", "List should have at least 1 item after validation, not 0")]
    assert _messages(name="  ") == [("name", "must not be blank (Targeter requires a name)")]
    assert TargeterCampaign.create_only.keys() == {"name", "material", "target_url"}


def test_base_url_is_the_clients_host() -> None:
    settings = TargeterSettings(type="targeter", base_url="https://storhaug.targeter.tech/", api_key="k",
                                api_secret="s")
    assert settings.base_url == "https://storhaug.targeter.tech"
    with pytest.raises(ValidationError, match="without /api"):
        TargeterSettings(type="targeter", base_url="https://storhaug.targeter.tech/api", api_key="k",
                         api_secret="s")


def test_credentials_must_reference_the_environment(tmp_path: Path) -> None:
    (tmp_path / "providers.yaml").write_text(
        "providers:\n  targeter:\n    base_url: https://storhaug.targeter.tech\n"
        "    api_key: literal-key-value\n    api_secret: ${env:TG_SECRET}\n")
    with pytest.raises(ConfigError) as caught:
        load_workspace([tmp_path], environ={"TG_SECRET": "s3cret-value"})
    text = str(caught.value)
    assert "providers.yaml:4" in text and "'api_key' holds a secret and must reference the environment" in text
    assert "literal-key-value" not in text and "s3cret-value" not in text
