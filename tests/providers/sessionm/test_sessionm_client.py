"""The SessionM client and session against the emulator over real loopback HTTP: the documented
paths and Basic auth, lookups by id and permalink, 200-with-error answers, an ambiguous create
found again by permalink, and the api_key kept out of errors and httpx's request log."""

from __future__ import annotations

import base64
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from provisioner.errors import AmbiguousOutcomeError
from provisioner.providers.base import CreateRequest
from provisioner.providers.http import HttpContext
from provisioner.providers.sessionm.client import SessionMClient
from provisioner.providers.sessionm.errors import SessionMError
from provisioner.providers.sessionm.resources import SessionMSession
from provisioner.providers.sessionm.schema import SessionMSettings
from provisioner.sandbox.faults import FaultInjector, FaultKind
from provisioner.sandbox.registry import make_emulator
from provisioner.sandbox.server import EmulatorServer

KEY, SECRET = "smk-CLIENT-8e21d0", "sms-CLIENT-3a77c4"
APP = f"/priv/v1/apps/{KEY}"
SPRING = {"name": "Spring", "status": "live", "starts_at": "2030-03-01T00:00:00Z",
          "ends_at": "2030-03-31T00:00:00Z", "campaign_type": "promotion"}


@pytest.fixture
def server(tmp_path: Path) -> Iterator[EmulatorServer]:
    with EmulatorServer(make_emulator("sessionm", tmp_path / "platform")) as running:
        yield running


def _settings(server: EmulatorServer, **extra: object) -> SessionMSettings:
    return SessionMSettings(type="sessionm", base_url=server.url, api_key=KEY, api_secret=SECRET,
                            max_retries=0, **extra)


@pytest.fixture
def context() -> HttpContext:
    return HttpContext(sleep=lambda seconds: None)


@pytest.fixture
def session(server: EmulatorServer, context: HttpContext) -> Iterator[SessionMSession]:
    opened = SessionMSession(_settings(server), context)
    yield opened
    opened.close()


def test_create_sends_the_documented_request_and_maps_the_answer(server: EmulatorServer,
                                                                  session: SessionMSession) -> None:
    result = session.create_campaign(CreateRequest("spring", {**SPRING, "metadata": {"season": "spring"}}))
    assert result.live.key == "spring" and result.live.fields["metadata"] == {"season": "spring"}
    [post] = server.emulator.requests
    assert (post.method, post.path, post.status) == ("POST", f"{APP}/campaigns", 200)
    assert post.body == {"campaign": {**SPRING, "metadata": {"season": "spring"}, "external_id": "spring"}}
    expected = base64.b64encode(f"{KEY}:{SECRET}".encode()).decode()
    assert post.headers["authorization"] == f"Basic {expected}"


def test_list_and_reads_by_id_and_permalink(server: EmulatorServer, session: SessionMSession,
                                            context: HttpContext) -> None:
    created = session.create_campaign(CreateRequest("spring", SPRING)).live
    [listed] = session.list_campaigns()
    assert (listed.id, listed.key, listed.fields["ends_at"]) == (created.id, "spring", "2030-03-31T00:00:00Z")
    client = session.client
    by_id = client.campaign_info(created.id)
    by_permalink = client.campaign_info_by_permalink("spring")
    assert by_id == by_permalink and by_id is not None and by_id["ends_at"] == "2030-03-31 00:00:00"
    found = session.find_campaign("spring", SPRING)
    assert found is not None and (found.id, found.key) == (created.id, "spring")
    assert found.fields["starts_at"] == "2030-03-01T00:00:00Z"  # non-ISO info dates normalised
    paths = [r.path for r in server.emulator.requests if r.method == "GET"]
    assert paths == [f"{APP}/campaigns", f"{APP}/campaigns/{created.id}/info",
                     f"{APP}/external/campaigns/spring/info", f"{APP}/external/campaigns/spring/info"]


def test_unknown_campaign_is_none_not_an_error(session: SessionMSession) -> None:
    assert session.find_campaign("nobody", SPRING) is None
    assert session.client.campaign_info("999999") is None


def test_a_200_with_error_is_a_failure_with_the_platforms_code(server: EmulatorServer,
                                                               session: SessionMSession) -> None:
    session.create_campaign(CreateRequest("spring", SPRING))
    with pytest.raises(SessionMError) as caught:
        session.create_campaign(CreateRequest("other", SPRING))  # same name
    assert caught.value.code == "validation" and caught.value.status == 200
    assert "Name has already been taken" in str(caught.value)
    assert server.emulator.requests[-1].status == 200  # the platform said 200 all the same


def test_configured_paths_are_used(server: EmulatorServer, context: HttpContext) -> None:
    client = SessionMClient(_settings(server, list_path="/priv/v2/apps/{api_key}/campaigns"), context)
    try:
        with pytest.raises(SessionMError) as caught:
            client.list_campaigns()
    finally:
        client.close()
    assert caught.value.code == "not_found" and caught.value.status == 404
    assert server.emulator.requests[-1].path == f"/priv/v2/apps/{KEY}/campaigns"
    assert KEY not in str(caught.value)


def test_lost_create_answer_is_ambiguous_and_found_again_by_permalink(server: EmulatorServer,
                                                                      session: SessionMSession) -> None:
    server.emulator.faults = FaultInjector(rate=1.0, kinds=(FaultKind.DROP_AFTER,))
    with pytest.raises(AmbiguousOutcomeError) as caught:
        session.create_campaign(CreateRequest("spring", SPRING))
    assert KEY not in str(caught.value) and "/priv/v1/apps/***/campaigns" in str(caught.value)
    server.emulator.faults = FaultInjector()
    found = session.find_campaign("spring", SPRING)
    assert found is not None and found.key == "spring"


def test_the_key_in_the_path_is_redacted_in_errors_and_in_the_httpx_log(
        server: EmulatorServer, context: HttpContext, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="httpx")
    session = SessionMSession(_settings(server), context)
    try:
        session.list_campaigns()
        server.emulator.faults = FaultInjector(rate=1.0, kinds=(FaultKind.DROP_BEFORE,))
        with pytest.raises(Exception) as caught:
            session.list_campaigns()
    finally:
        session.close()
    assert "HTTP Request: GET" in caplog.text and "/priv/v1/apps/***/campaigns" in caplog.text
    for text in (caplog.text, str(caught.value)):
        assert KEY not in text and SECRET not in text
    assert "GET /priv/v1/apps/***/campaigns" in str(caught.value)
