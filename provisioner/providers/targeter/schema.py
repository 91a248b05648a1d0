"""Targeter settings and campaign as users write them: the `source` fields of POST /api/campaign,
with every URL checked up front so a bad one fails `provisioner validate`, not the platform."""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import AfterValidator, Field, HttpUrl, SecretStr, TypeAdapter, field_validator
from pydantic_core import PydanticCustomError

from provisioner.providers.base import CampaignModel, ProviderSettings

_HTTP_URL = TypeAdapter(HttpUrl)
CANNOT_CHANGE = ("the Targeter API cannot change a campaign once it exists (posting it again only returns "
                 "its link); edit it in the Targeter app, or give it a new key to create a new campaign")


def _http_url(value: str) -> str:
    """Check with pydantic's HttpUrl but keep the user's exact text: it is what we send and compare."""
    if any(ch.isspace() for ch in value):
        raise PydanticCustomError("url_spaces", "a URL must not contain spaces (percent-encode them as %20)")
    _HTTP_URL.validate_python(value)
    return value


def _not_blank(value: str) -> str:
    if not value.strip():
        raise PydanticCustomError("blank", "must not be blank (Targeter requires a name)")
    return value


Url = Annotated[str, AfterValidator(_http_url), Field(json_schema_extra={"format": "uri"})]
Name = Annotated[str, AfterValidator(_not_blank)]


class TargeterSettings(ProviderSettings):
    credentials: ClassVar[tuple[str, ...]] = ("api_key", "api_secret")
    api_key: SecretStr = Field(description="issued partner key, as ${env:NAME}")
    api_secret: SecretStr = Field(description="issued partner secret, as ${env:NAME}")

    @field_validator("base_url")
    @classmethod
    def _host_only(cls, value: str) -> str:
        if value.rstrip("/").endswith("/api"):
            raise ValueError("base_url is the client's host, e.g. https://storhaug.targeter.tech "
                             "(without /api: every path already begins with /api)")
        return value


class TargeterCampaign(CampaignModel):
    """One campaign source handed to Targeter; its workspace key is sent as `reference_id`."""

    create_only: ClassVar[dict[str, str]] = {
        "name": CANNOT_CHANGE, "material": CANNOT_CHANGE, "target_url": CANNOT_CHANGE}

    name: Name = Field(description="display name, e.g. the property address")
    material: list[Url] = Field(min_length=1, description="URLs of the campaign's images or videos")
    target_url: Url = Field(description="landing page URL")
