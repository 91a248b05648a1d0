"""Rate limits and tokens belong to the platform's credential, not to a provider instance: instances
of a run under the same credential share one limiter and one login (issue 12)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from provisioner.providers.base import RateLimit
from provisioner.providers.criteo.client import CriteoClient
from provisioner.providers.criteo.schema import CriteoSettings
from provisioner.providers.http import CredentialKey, HttpContext, SharedCredentials
from provisioner.sandbox.registry import make_emulator
from provisioner.sandbox.server import EmulatorServer
from tests.conftest import Platforms, cli, make_workspace


def _criteo(secret: str, advertiser: str = "12345", **extra: object) -> CriteoSettings:
    return CriteoSettings.model_validate({"type": "criteo", "base_url": "https://api.criteo.com",
                                          "client_id": "agency-app", "client_secret": secret,
                                          "advertiser_id": advertiser, **extra})


def test_same_credential_one_limiter_and_login_other_credential_its_own() -> None:
    context = HttpContext(shared=SharedCredentials())
    first = CriteoClient(_criteo("s3cret-one", "111"), context)
    second = CriteoClient(_criteo("s3cret-one", "222"), context)
    other = CriteoClient(_criteo("s3cret-two", "111"), context)
    assert first.api.limiter is second.api.limiter
    assert first.api.http.auth is second.api.http.auth  # httpx keeps the Auth it was given
    assert other.api.limiter is not first.api.limiter
    assert other.api.http.auth is not first.api.http.auth
    # the key holds a digest of the secret, never the secret
    assert "s3cret-one" not in repr(first.api.credential)
    assert first.api.credential == CredentialKey.of("criteo", _criteo("s3cret-one", "999"))
    # the last holder of a login is told so (it may log out); the first is not
    assert (first.api.release_login(), second.api.release_login(), other.api.release_login()) == (False, True, True)
    assert first.api.release_login() is False  # releasing twice changes nothing
    for client in (first, second, other):
        client.close()


def test_one_verifying_tls_context_per_run() -> None:
    """The CA bundle is loaded once per run, not once per provider instance, and always verifies."""
    import ssl

    context = HttpContext(shared=SharedCredentials())
    clients = [CriteoClient(_criteo(secret, advertiser), context)
               for secret, advertiser in (("s3cret-one", "111"), ("s3cret-one", "222"), ("s3cret-two", "111"))]
    # httpx keeps the context in its connection pool (private: no public accessor exists)
    contexts = {id(client.api.http._transport._pool._ssl_context) for client in clients}  # type: ignore[attr-defined]
    assert len(contexts) == 1
    tls = context.shared.tls() if context.shared else None
    assert tls is not None and tls.verify_mode is ssl.CERT_REQUIRED and tls.check_hostname
    for client in clients:
        client.close()


def test_a_loopback_http_client_loads_no_ca_bundle_and_trusts_no_certificate() -> None:
    """Plain http (loopback only) never makes a TLS connection: no CA bundle is loaded for it, and
    the context it holds still verifies, trusting no CA, so an https URL through it would fail closed."""
    import ssl

    shared = SharedCredentials()
    client = CriteoClient(_criteo("s3cret-one", base_url="http://127.0.0.1:9"), HttpContext(shared=shared))
    tls = client.api.http._transport._pool._ssl_context  # type: ignore[attr-defined]
    assert shared._tls is None  # the run's CA bundle was not loaded
    assert tls.verify_mode is ssl.CERT_REQUIRED and tls.check_hostname and tls.cert_store_stats()["x509_ca"] == 0
    client.close()
    https = CriteoClient(_criteo("s3cret-one"), HttpContext(shared=shared))
    assert https.api.http._transport._pool._ssl_context is shared._tls is not None  # type: ignore[attr-defined]
    https.close()


def test_a_shared_limiter_keeps_the_strictest_declared_limit() -> None:
    sleeps: list[float] = []
    shared = SharedCredentials()
    context = HttpContext(shared=shared, sleep=sleeps.append)
    key = CredentialKey.of("criteo", _criteo("x-secret"))
    limiter = shared.limiter(key, RateLimit(requests=5, per_seconds=1), context.sleep)
    assert shared.limiter(key, RateLimit(requests=2, per_seconds=1), context.sleep) is limiter
    for _ in range(3):
        limiter.release(limiter.acquire())
    assert len(sleeps) == 1  # the third start waits: 2 per second, not 5


def test_without_a_run_each_client_keeps_its_own_limiter() -> None:
    context = HttpContext()
    first, second = (CriteoClient(_criteo("s3cret-one"), context) for _ in range(2))
    assert first.api.limiter is not second.api.limiter
    assert first.api.release_login() is True
    for client in (first, second):
        client.close()


# -- through the CLI, against the emulators over HTTP -----------------------------------------------
def _criteo_instance(name: str, url: str, secret: str, advertiser: str) -> str:
    return (f"  {name}: {{type: criteo, base_url: \"{url}\", client_id: agency-app, "
            f"client_secret: \"${{env:{secret}}}\", advertiser_id: \"{advertiser}\", currency: EUR}}\n")


def test_plan_logs_in_once_per_credential(tmp_path: Path, platforms: Platforms,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APP_SECRET_1", "first-app-secret")
    monkeypatch.setenv("APP_SECRET_2", "second-app-secret")
    url = platforms.url("criteo")
    providers = ("providers:\n" + _criteo_instance("adv-a", url, "APP_SECRET_1", "101")
                 + _criteo_instance("adv-b", url, "APP_SECRET_1", "102")
                 + _criteo_instance("adv-c", url, "APP_SECRET_1", "103")
                 + _criteo_instance("other-app", url, "APP_SECRET_2", "104"))
    workspace = make_workspace(tmp_path / "ws", providers, "campaigns: {}\n")
    result = cli("plan", str(workspace), "--no-save")
    assert result.exit_code == 0, result.output
    tokens = [r for r in platforms.requests("criteo", "POST") if r.path.endswith("/oauth2/token")]
    searches = [r for r in platforms.requests("criteo", "POST") if r.path.endswith("/campaigns/search")]
    assert len(searches) == 4
    assert len(tokens) == 2  # one for the three advertisers of app-secret-1, one for app-secret-2


@pytest.fixture
def skala(tmp_path: Path) -> Iterator[EmulatorServer]:
    server = EmulatorServer(make_emulator("skala", tmp_path / "skala-data")).start()
    yield server
    server.stop()


def test_skala_instances_under_one_login_log_in_once_and_out_once_after_every_read(
        tmp_path: Path, skala: EmulatorServer, monkeypatch: pytest.MonkeyPatch) -> None:
    for user in ("agency", "other"):
        monkeypatch.setenv(f"PW_{user.upper()}", f"pw-{user}-secret")

    def instance(name: str, user: str) -> str:
        return (f"  {name}: {{type: skala, base_url: \"{skala.url}\", username: {user}, "
                f"password: \"${{env:PW_{user.upper()}}}\", brand_id: 1, currency: NOK}}\n")

    providers = "providers:\n" + "".join(instance(f"brand-{i}", "agency") for i in range(3)) + instance("solo", "other")
    workspace = make_workspace(tmp_path / "ws", providers, "campaigns: {}\n")
    result = cli("plan", str(workspace), "--no-save")
    assert result.exit_code == 0, result.output
    paths = [r.path for r in skala.emulator.requests]
    assert paths.count("/api/login") == 2 and paths.count("/api/logout") == 2
    reads = [i for i, p in enumerate(paths) if p.startswith("/api/campaign-order/by-brand/")]
    assert len(reads) == 4
    # the shared token is ended only once nobody uses it: no read comes after the last logout
    assert max(reads) < max(i for i, p in enumerate(paths) if p == "/api/logout")
    assert all(r.status == 200 for r in skala.emulator.requests), [(r.path, r.status) for r in skala.emulator.requests]
