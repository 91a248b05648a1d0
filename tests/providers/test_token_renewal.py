"""Token renewal: a token is renewed a margin before it expires, and the margin is at most a
quarter of its lifetime, so short-lived tokens are not renewed before every request."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from provisioner.errors import ProviderError
from provisioner.providers.auth import JsonLogin, OAuthClientCredentials, renewal_delay
from provisioner.sandbox.criteo import backend as criteo_backend
from tests.conftest import Platforms, cli


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def client_with(auth: Any, token_answer: dict[str, Any]) -> tuple[httpx.Client, list[str]]:
    """An httpx client whose token endpoint answers `token_answer`; returns (client, log of paths)."""
    log: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        log.append(request.url.path)
        if request.url.path == "/token":
            return httpx.Response(200, json=token_answer)
        return httpx.Response(200, json={"ok": True})

    return httpx.Client(base_url="https://platform.example", transport=httpx.MockTransport(handler), auth=auth), log


def test_a_twenty_second_token_is_not_renewed_before_every_request() -> None:
    clock = FakeClock()
    auth = JsonLogin("/token", {"u": "x"}, "access_token", lambda token: None)
    auth.clock = clock  # type: ignore[method-assign]
    client, log = client_with(auth, {"access_token": "t1", "expires_in": 20})
    for _ in range(15):  # one request a second for 15 s: 20 s less a quarter is still valid
        client.get("/campaigns")
        clock.now += 1
    assert log.count("/token") == 1
    clock.now += 1  # 16 s after the login: within the last quarter, renew before it expires
    client.get("/campaigns")
    assert log.count("/token") == 2


def test_long_tokens_keep_the_thirty_second_margin() -> None:
    assert renewal_delay(3600) == 3570
    assert renewal_delay(20) == 15
    assert renewal_delay(0) == 0


@pytest.mark.parametrize("lifetime, renewed_after", [("120", 90), (None, 3570), ("soon", 3570), (-5, 3570),
                                                     (True, 3570)])
def test_lifetime_as_sent(lifetime: Any, renewed_after: float) -> None:
    clock = FakeClock()
    auth = OAuthClientCredentials("/token", "id", "secret", lambda token: None)
    auth.clock = clock  # type: ignore[method-assign]
    client, log = client_with(auth, {"access_token": "t", "expires_in": lifetime})
    client.get("/a")
    clock.now += renewed_after - 0.5
    client.get("/b")
    assert log.count("/token") == 1
    clock.now += 1
    client.get("/c")
    assert log.count("/token") == 2


@pytest.mark.parametrize("answer", [{}, {"access_token": None}, {"access_token": 5}, {"access_token": ""}])
def test_a_login_answer_without_a_token_is_a_clear_error(answer: dict[str, Any]) -> None:
    auth = OAuthClientCredentials("/token", "id", "secret", lambda token: None)
    client, _ = client_with(auth, answer)
    with pytest.raises(ProviderError, match="login failed: the answer carries no token"):
        client.get("/a")


def test_through_the_cli_a_short_lived_criteo_token_is_not_renewed_before_every_request(
        workspace: Path, platforms: Platforms, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 9 item 8 on the emulator: a 20-second token (shorter than the 30-second margin) serves
    the whole plan-and-apply with one login, not one login per request."""
    monkeypatch.setattr(criteo_backend, "TOKEN_SECONDS", 20)
    applied = cli("apply", str(workspace), "--auto-approve")
    assert applied.exit_code == 0, applied.output
    paths = [r.path for r in platforms.requests("criteo")]
    assert len(paths) >= 4  # the search and one create per campaign, at least
    assert sum(p.endswith("/oauth2/token") for p in paths) == 1, paths
