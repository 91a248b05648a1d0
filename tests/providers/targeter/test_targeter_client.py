"""The Targeter session against the emulator over real HTTP: the documented requests, both 201 forms,
the 200 create-or-retrieve answer, errors, token renewal, and a lost answer retried without a duplicate."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from provisioner.errors import ProviderError
from provisioner.providers import auth
from provisioner.providers.base import CreateRequest, Lists
from provisioner.providers.http import HttpContext
from provisioner.providers.targeter import PROVIDER
from provisioner.providers.targeter.resources import (
    NEXT_STEP,
    TargeterSession,
    to_result,
)
from provisioner.providers.targeter.schema import TargeterSettings
from provisioner.sandbox.faults import FaultInjector, FaultKind
from provisioner.sandbox.registry import make_emulator
from provisioner.sandbox.server import EmulatorServer

KEY, SECRET = "tg-key-SECRET-51c0", "tg-secret-SECRET-e93a"
DESIRED = {"name": "Majorstuenveien 14", "material": ["https://client-assets.com/property.jpg"],
           "target_url": "https://client-website.no/property/123"}


class ScriptedFaults(FaultInjector):
    """Serves the listed faults to the first requests, then none (deterministic, unlike a rate)."""

    def __init__(self, *script: FaultKind | None) -> None:
        super().__init__()
        self.script = list(script)

    def draw(self) -> FaultKind | None:
        return self.script.pop(0) if self.script else None


@pytest.fixture
def server(tmp_path: Path) -> Iterator[EmulatorServer]:
    with EmulatorServer(make_emulator("targeter", tmp_path / "platform")) as running:
        yield running


def _session(server: EmulatorServer, context: HttpContext | None = None, **extra: Any) -> TargeterSession:
    values = {"type": "targeter", "base_url": server.url, "api_key": KEY, "api_secret": SECRET,
              "max_retries": 2, **extra}
    settings = TargeterSettings.model_validate(values)
    context = context or HttpContext(sleep=lambda seconds: None)
    return TargeterSession(settings, context)


def _campaign_posts(server: EmulatorServer) -> list[Any]:
    return [r for r in server.emulator.requests if r.path == "/api/campaign"]


def test_plugin_declares_no_read_update_or_retire() -> None:
    capabilities = PROVIDER.capabilities
    assert "cannot read campaigns back" in capabilities.why_not("read")
    assert capabilities.why_not("retire") and capabilities.why_not("update") and capabilities.adopt_by == "key"
    assert capabilities.able == frozenset()
    session = TargeterSession(TargeterSettings(type="targeter", base_url="https://storhaug.targeter.tech",
                                               api_key=KEY, api_secret=SECRET), HttpContext())
    # A plan must never send the create-or-retrieve POST, so no capability may pretend to read.
    assert not isinstance(session, Lists)
    assert [name for name in ("find_campaign", "update_campaign", "update_campaigns", "retire_campaign",
                              "prepare") if hasattr(session, name)] == []
    session.close()


def test_automatic_201_sends_the_documented_requests(server: EmulatorServer) -> None:
    session = _session(server)
    result = session.create_campaign(CreateRequest("CLIENT-PROP-123456", DESIRED))
    token_request, create = server.emulator.requests
    assert (token_request.method, token_request.path) == ("POST", "/api/auth/token")
    assert token_request.body == {"api_key": KEY, "api_secret": SECRET}
    assert (create.method, create.status) == ("POST", 201)
    assert create.body == {"source": {"material": DESIRED["material"], "name": "Majorstuenveien 14",
                                      "reference_id": "CLIENT-PROP-123456",
                                      "target_url": DESIRED["target_url"]}}
    assert create.headers["authorization"].startswith("Bearer ") and create.headers["content-type"] == \
        "application/json"
    stored = server.emulator.backend.campaign("CLIENT-PROP-123456")
    assert not result.adopted and result.live.id == stored["campaign_id"]
    assert result.live.outputs == {
        "campaign_id": stored["campaign_id"],
        "ad_creation_link": f"https://sandbox.targeter.tech/campaigns/{stored['campaign_id']}/ads/create"}
    assert result.live.fields == {}  # nothing can be read back, so nothing is claimed

    again = session.create_campaign(CreateRequest("CLIENT-PROP-123456", DESIRED | {"name": "Renamed"}))
    assert again.adopted and again.live.id == stored["campaign_id"]  # the link names the same campaign
    link = f"https://sandbox.targeter.tech/campaigns/{stored['campaign_id']}"
    assert again.live.outputs == {"campaign_link": link}
    assert "cannot show them" in again.warnings[0]
    assert len(server.emulator.backend.campaigns()) == 1
    assert server.emulator.backend.campaign("CLIENT-PROP-123456")["name"] == "Majorstuenveien 14"
    assert [r.path for r in server.emulator.requests].count("/api/auth/token") == 1  # token reused
    session.close()


def test_prefilled_201_records_the_link_and_the_next_step(server: EmulatorServer) -> None:
    server.emulator.backend.set_creation_mode("prefilled")
    session = _session(server)
    result = session.create_campaign(CreateRequest("WM-123456", DESIRED))
    assert not result.adopted and result.live.id == ""  # no campaign (nor id) exists until a person finishes
    assert result.live.outputs == {
        "campaign_link": "https://sandbox.targeter.tech/campaigns?create=true&source_id=WM-123456",
        "next_step": NEXT_STEP}
    session.close()


def test_platform_error_keeps_its_message_and_details(server: EmulatorServer) -> None:
    session = _session(server)
    with pytest.raises(ProviderError) as caught:
        session.create_campaign(CreateRequest("K1", DESIRED | {"material": ["not a uri"]}))
    assert caught.value.code == "http_400" and caught.value.status == 400
    assert str(caught.value) == ("create or retrieve campaign: HTTP 400: Invalid field: source.material.0 "
                                 "(source.material.0: Invalid url)")
    session.close()


def test_a_401_gets_a_new_token_and_the_request_is_sent_again(server: EmulatorServer) -> None:
    context = HttpContext(sleep=lambda seconds: None)
    session = _session(server, context)
    session.create_campaign(CreateRequest("K1", DESIRED))
    server.emulator.clock = lambda: time.time() + 3700  # the platform expired the token
    session.create_campaign(CreateRequest("K2", DESIRED))
    assert [(r.path, r.status) for r in server.emulator.requests] == [
        ("/api/auth/token", 200), ("/api/campaign", 201),
        ("/api/campaign", 401), ("/api/auth/token", 200), ("/api/campaign", 201)]
    tokens = [r.headers["authorization"].split(" ", 1)[1] for r in _campaign_posts(server)]
    assert tokens[0] == tokens[1] != tokens[2]
    assert all(context.redactor(f"x {t} y") == "x *** y" for t in tokens)  # every token is redacted
    assert context.redactor(f"{KEY} {SECRET}") == "*** ***"
    session.close()


def test_an_expired_token_is_renewed_before_sending(server: EmulatorServer,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    now = [1000.0]
    monkeypatch.setattr(auth, "time", SimpleNamespace(monotonic=lambda: now[0]))
    session = _session(server)
    session.create_campaign(CreateRequest("K1", DESIRED))
    now[0] += 3600  # the token's expires_in has passed on our side
    session.create_campaign(CreateRequest("K2", DESIRED))
    assert [(r.path, r.status) for r in server.emulator.requests] == [
        ("/api/auth/token", 200), ("/api/campaign", 201), ("/api/auth/token", 200), ("/api/campaign", 201)]
    session.close()


def test_a_lost_answer_is_retried_and_resolved_by_the_200(server: EmulatorServer) -> None:
    # The platform commits the first POST but the connection drops before the answer arrives.
    server.emulator.faults = ScriptedFaults(None, FaultKind.DROP_AFTER)
    session = _session(server)
    result = session.create_campaign(CreateRequest("K1", DESIRED))
    assert [r.status for r in _campaign_posts(server)] == [201, 200]
    assert result.adopted and result.live.outputs["campaign_link"].startswith("https://sandbox.targeter.tech/")
    assert len(server.emulator.backend.campaigns()) == 1
    session.close()


def test_a_5xx_is_retried_safely(server: EmulatorServer) -> None:
    server.emulator.faults = ScriptedFaults(None, FaultKind.HTTP_500)
    session = _session(server)
    result = session.create_campaign(CreateRequest("K1", DESIRED))
    assert [r.status for r in _campaign_posts(server)] == [500, 201]
    assert not result.adopted and len(server.emulator.backend.campaigns()) == 1
    session.close()


def test_an_answer_without_link_or_id_is_an_error() -> None:
    with pytest.raises(ProviderError) as caught:
        to_result("K1", "n", 201, {"status": "queued"})
    assert caught.value.code == "unexpected_response" and "without a campaign link or id" in str(caught.value)


def test_bad_credentials_fail_without_showing_them(server: EmulatorServer) -> None:
    context = HttpContext(sleep=lambda seconds: None)
    session = _session(server, context, api_secret=" ")  # the emulator refuses a blank secret
    with pytest.raises(ProviderError) as caught:
        session.create_campaign(CreateRequest("K1", DESIRED))
    assert caught.value.code == "authentication" and caught.value.status == 401
    assert KEY not in str(caught.value) and _campaign_posts(server) == []
    session.close()
