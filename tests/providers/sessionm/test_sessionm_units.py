"""SessionM provider units: the 200-with-error envelope, datetime and field mapping, the campaign and
settings rules as the loader reports them, and the capabilities the provider does (not) have."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from provisioner.config.workspace import load_workspace
from provisioner.errors import ConfigError
from provisioner.providers.base import Finds, Lists, Retires, Updates
from provisioner.providers.http import HttpContext
from provisioner.providers.sessionm import PROVIDER
from provisioner.providers.sessionm.errors import SessionMError, checked
from provisioner.providers.sessionm.resources import (
    create_attributes,
    info_to_live,
    to_live,
    utc_iso,
)
from provisioner.providers.sessionm.schema import SessionMCampaign, SessionMSettings
from provisioner.sandboxing import Sandboxes

ENV = {"SM_KEY": "unit-key-1234", "SM_SECRET": "unit-secret-5678"}
GOOD = {"name": "Spring", "status": "live", "starts_at": "2030-03-01T00:00:00Z",
        "ends_at": "2030-03-31T00:00:00Z"}


def _response(status: int, body: object) -> httpx.Response:
    return httpx.Response(status, json=body)


# -- errors ------------------------------------------------------------------------------------
def test_ok_body_is_returned() -> None:
    assert checked(_response(200, {"status": "ok", "campaigns": []}), "list")["campaigns"] == []


@pytest.mark.parametrize("body, code", [
    ({"status": "error", "errors": {"code": "validation", "message": "Name has been taken"}}, "validation"),
    ({"status": "ERROR", "errors": {"code": "MISSING_DATA"}}, "MISSING_DATA"),
    ({"status": "error", "errors": [{"code": "argument_error"}]}, "argument_error"),
    ({"status": "error", "errors": "not_available"}, "not_available"),
    ({"campaign": {"id": 1}}, "malformed_response"),
])
def test_a_200_that_is_not_ok_is_an_error_with_the_platforms_code(body: dict, code: str) -> None:
    with pytest.raises(SessionMError) as caught:
        checked(_response(200, body), "create campaign 'x'")
    assert caught.value.code == code and caught.value.status == 200
    assert str(caught.value).startswith(f"create campaign 'x': HTTP 200 {code}")


def test_codes_compare_case_insensitively() -> None:
    error = SessionMError("x", code="No_Active_Campaign_Found", status=200)
    assert error.not_found and error.has_code("no_active_campaign_found")
    assert SessionMError("x", code="VALIDATION").has_code("validation", "missing_data")
    assert not SessionMError("x", code="validation").not_found


def test_http_errors_carry_the_envelope_code_or_the_status() -> None:
    with pytest.raises(SessionMError) as unauthorised:
        checked(_response(401, {"status": "error", "errors": {"code": "invalid_api_key"}}), "list")
    assert (unauthorised.value.code, unauthorised.value.status) == ("invalid_api_key", 401)
    with pytest.raises(SessionMError) as bare:
        checked(httpx.Response(502, content=b"<html>bad gateway</html>"), "list")
    assert bare.value.code == "http_502"


# -- mapping -----------------------------------------------------------------------------------
@pytest.mark.parametrize("value, expected", [
    ("2017-05-09 17:36:48", "2017-05-09T17:36:48Z"),  # the info endpoints' form is UTC
    ("2030-01-01T09:00:00+01:00", "2030-01-01T08:00:00Z"),
    ("2030-01-01T08:00:00Z", "2030-01-01T08:00:00Z"),
    ("soon", "soon"),
    (None, None),
])
def test_datetimes_read_back_in_either_form_become_utc_iso(value: object, expected: object) -> None:
    assert utc_iso(value) == expected


def test_list_campaign_maps_to_config_vocabulary_with_external_id_as_key() -> None:
    live = to_live({"id": 367, "external_id": "spring", "name": "Spring", "status": "draft",
                    "starts_at": "2017-10-01 18:59:00", "ends_at": "2018-02-28T19:59:00Z", "weight": 5,
                    "total_budget": 0, "campaign_type": "messaging", "metadata": {"v": 2},
                    "targeting": {"user.tags": {"$in": ["a"]}}})
    assert (live.id, live.key, live.name) == ("367", "spring", "Spring")
    assert live.fields["starts_at"] == "2017-10-01T18:59:00Z"
    assert "weight" not in live.fields and "total_budget" not in live.fields and "id" not in live.fields
    assert live.fields["targeting"] == {"user.tags": {"$in": ["a"]}}
    assert live.outputs == {"external_id": "spring"}


def test_info_answer_maps_to_a_live_campaign() -> None:
    live = info_to_live({"campaign_id": 1, "permalink": "flock", "starts_at": "2017-05-09 17:36:48",
                         "ends_at": "2017-05-13 17:36:48", "optin_required": True})
    assert (live.id, live.key) == ("1", "flock")
    assert live.fields == {"starts_at": "2017-05-09T17:36:48Z", "ends_at": "2017-05-13T17:36:48Z"}


def test_create_attributes_send_the_key_as_external_id_in_utc_without_nulls() -> None:
    body = create_attributes("spring", {**GOOD, "starts_at": "2030-03-01T01:00:00+01:00", "targeting": None})
    assert body == {"name": "Spring", "status": "live", "starts_at": "2030-03-01T00:00:00Z",
                    "ends_at": "2030-03-31T00:00:00Z", "external_id": "spring"}


# -- campaign and settings rules -----------------------------------------------------------------
def _workspace(tmp_path: Path, campaigns: str, settings: str = "") -> Path:
    (tmp_path / "providers.yaml").write_text(
        "providers:\n  sessionm:\n    base_url: https://api-acme.ent-sessionm.com\n"
        "    api_key: ${env:SM_KEY}\n    api_secret: ${env:SM_SECRET}\n" + settings)
    (tmp_path / "campaigns.yaml").write_text("campaigns:\n" + campaigns)
    return tmp_path


def _errors(tmp_path: Path, campaigns: str, settings: str = "") -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_workspace([_workspace(tmp_path, campaigns, settings)], environ=ENV)
    return [str(d) for d in caught.value.diagnostics]


CAMPAIGN = """\
  {key}:
    provider: sessionm
    name: {name}
    status: live
    starts_at: 2030-03-01T00:00:00Z
    ends_at: 2030-03-31T00:00:00Z
"""


def test_a_valid_workspace_loads(tmp_path: Path) -> None:
    workspace = load_workspace([_workspace(tmp_path, CAMPAIGN.format(key="a", name="A"))], environ=ENV)
    settings = workspace.providers["sessionm"].settings
    assert isinstance(settings, SessionMSettings)
    assert settings.create_path == settings.list_path == "/priv/v1/apps/{api_key}/campaigns"
    assert workspace.campaigns["a"].desired["starts_at"] == "2030-03-01T00:00:00Z"


@pytest.mark.parametrize("field, says", [
    ("id: 5", "id is set by SessionM"),
    ("weight: 5", "weight is a legacy field"),
    ("total_budget: 0", "total_budget is a legacy field"),
    ("external_id: other", "external_id is the campaign's key"),
])
def test_read_only_fields_are_refused_with_a_reason(tmp_path: Path, field: str, says: str) -> None:
    errors = _errors(tmp_path, CAMPAIGN.format(key="a", name="A") + f"    {field}\n")
    assert len(errors) == 1 and says in errors[0] and "campaigns.a" in errors[0]


@pytest.mark.parametrize("extra, says", [
    ("    campaign_type: promotion\n    template: messaging\n", "same value as campaign_type"),
    ("    campaign_type: display\n", "campaign_type"),
])
def test_campaign_type_rules(tmp_path: Path, extra: str, says: str) -> None:
    assert says in " ".join(_errors(tmp_path, CAMPAIGN.format(key="a", name="A") + extra))


def test_dates_must_be_ordered_zoned_and_whole_seconds(tmp_path: Path) -> None:
    base = CAMPAIGN.format(key="a", name="A")
    unordered = base.replace("2030-03-31", "2030-02-01")
    fraction = base.replace("00:00:00Z\n    ends", "00:00:00.5Z\n    ends")
    naive = base.replace("2030-03-01T00:00:00Z", '"2030-03-01 00:00:00"')
    assert "ends_at must be after starts_at" in " ".join(_errors(tmp_path, unordered))
    assert "to the second" in " ".join(_errors(tmp_path, fraction))
    assert "timezone" in " ".join(_errors(tmp_path, naive))


def test_names_must_be_unique(tmp_path: Path) -> None:
    errors = _errors(tmp_path, CAMPAIGN.format(key="a", name="Same") + CAMPAIGN.format(key="b", name="Same"))
    assert len(errors) == 1 and "'Same' is also used by campaign 'a'" in errors[0]


def test_credentials_must_come_from_the_environment(tmp_path: Path) -> None:
    root = _workspace(tmp_path, CAMPAIGN.format(key="a", name="A"))
    text = (root / "providers.yaml").read_text().replace("${env:SM_KEY}", "literal-key-value")
    (root / "providers.yaml").write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_workspace([root], environ=ENV)
    assert "must reference the environment" in str(caught.value)
    assert "literal-key-value" not in str(caught.value)


@pytest.mark.parametrize("setting, ok", [
    ("create_path: /v2/apps/{api_key}/campaigns", True),
    ("list_path: /priv/v1/apps/{api_key}/campaigns/active", True),
    ("create_path: /priv/v1/apps/{key}/campaigns", False),
    ("lookup_path: /priv/v1/apps/{api_key}/external/campaigns", False),  # needs {permalink}
    ("list_path: priv/v1/campaigns", False),
])
def test_paths_are_settings_with_checked_placeholders(tmp_path: Path, setting: str, ok: bool) -> None:
    root = _workspace(tmp_path, CAMPAIGN.format(key="a", name="A"), f"    {setting}\n")
    if ok:
        load_workspace([root], environ=ENV)
    else:
        with pytest.raises(ConfigError):
            load_workspace([root], environ=ENV)


def test_every_field_is_create_only_with_a_reason_and_enums_ignore_case() -> None:
    reason = SessionMCampaign.update_blocker("ends_at", "a", "b")
    assert reason is not None and "no update endpoint" in reason and "ends_at" in reason
    assert SessionMCampaign.live_equivalent("status", "live", "Live")
    assert not SessionMCampaign.live_equivalent("name", "Spring", "spring")


def test_capabilities_lists_and_finds_only(tmp_path: Path) -> None:
    settings = SessionMSettings(type="sessionm", base_url="sandbox", api_key="sandbox", api_secret="sandbox")
    session = PROVIDER.connect(settings, HttpContext(transport=Sandboxes(state_dir=tmp_path).transport("sessionm")))
    try:
        assert isinstance(session, Lists) and isinstance(session, Finds)
        assert not isinstance(session, Updates) and not isinstance(session, Retires)
    finally:
        session.close()
    capabilities = PROVIDER.capabilities
    assert capabilities.adopt_by == "key" and capabilities.lookup_before_create and capabilities.why_not("retire")
    assert capabilities.able == {"read", "find"} and capabilities.unique_names
