"""Skala's orders are decoded from the answer as it arrives (ApiClient.stream): in process and over
real HTTP, split into chunks of any size, through the emulator's faults and connections that fail
mid-body; the orders are exactly the whole answer's, a failed request is sent again whole as before,
and the body is never read whole before the first order is given."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from provisioner.errors import ProviderError
from provisioner.providers.base import CreateRequest
from provisioner.providers.http import HttpContext
from provisioner.providers.skala.resources import SkalaSession
from provisioner.providers.skala.schema import SkalaCampaign, SkalaSettings
from provisioner.sandbox.faults import FaultInjector, FaultKind
from provisioner.sandbox.registry import make_emulator
from provisioner.sandbox.server import EmulatorServer
from provisioner.sandbox.skala.backend import ORDERS
from provisioner.sandbox.transport import EmulatorTransport

BY_BRAND = "/api/campaign-order/by-brand/1"
BASE: dict[str, Any] = {"company": {"id": 10}, "campaignType": {"id": 100}, "startDate": "2030-04-01",
                        "endDate": "2030-04-14", "budgetOptionId": 500,
                        "campaignFieldValues": {"headline": {"type": "FREETEXT", "text": "Hello Ø 🏠"},
                                                "image": {"type": "PICTURE", "picture": {"id": 7}}}}


class Chunked(httpx.BaseTransport):
    """Passes requests on; the orders answer's body comes in `size`-byte chunks, and the first
    `drops` of them fail (httpx.ReadError) after `fail_after` bytes. Counts the bytes delivered."""

    def __init__(self, inner: httpx.BaseTransport, size: int, drops: int = 0, fail_after: int = 0,
                 change: bool = False) -> None:
        self.inner, self.size, self.drops, self.fail_after, self.change = inner, size, drops, fail_after, change
        self.delivered = 0
        self.orders_requests = 0

    def close(self) -> None:
        self.inner.close()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if request.url.path != BY_BRAND or response.status_code != 200:
            return response
        self.orders_requests += 1
        body = response.read()
        response.close()
        if self.change and self.orders_requests > 1:
            body = body.replace(b"Hello", b"Hallo", 1)  # the answer sent again is not the same
        fail = self.drops > 0
        self.drops -= int(fail)
        headers = [(k, v) for k, v in response.headers.items() if k.lower() != "content-length"]
        return httpx.Response(200, headers=headers, stream=_Body(self, body, fail), request=request)


class _Body(httpx.SyncByteStream):
    def __init__(self, owner: Chunked, body: bytes, fail: bool) -> None:
        self.owner, self.body, self.fail = owner, body, fail

    def __iter__(self) -> Iterator[bytes]:
        for start in range(0, len(self.body), self.owner.size):
            if self.fail and start >= self.owner.fail_after:
                raise httpx.ReadError("connection reset mid-body")
            self.owner.delivered += min(self.owner.size, len(self.body) - start)
            yield self.body[start:start + self.owner.size]


def settings(base_url: str, **more: Any) -> SkalaSettings:
    return SkalaSettings(type="skala", base_url=base_url, username="ola", password="pw-1234", brand_id=1, **more)


def seeded(count: int, faults: FaultInjector | None = None) -> Any:
    """A Skala emulator holding `count` orders of brand 1 (one created, the rest copies of it)."""
    emulator = make_emulator("skala", faults=faults)
    creator = SkalaSession(settings("sandbox"), HttpContext(transport=EmulatorTransport(emulator)))
    desired = SkalaCampaign.model_validate(BASE).declared()
    first = creator.create_campaign(CreateRequest("a", desired)).live.id
    creator.close()
    order = emulator.backend.store.get(ORDERS, str(first))
    for number in range(1, count):
        emulator.backend.store.put(ORDERS, str(int(first) + number),
                                   {**copy.deepcopy(order), "id": int(first) + number})
    return emulator


def whole_answer(emulator: Any) -> list[dict[str, Any]]:
    """The orders as the platform answers them, decoded at once (JSON numbers as the answer spells them)."""
    user = next(u for u in emulator.backend.store.values("users") if u["username"] == "ola")
    return json.loads(json.dumps(emulator.backend.orders_by_brand(user, 1)))


def read(session: SkalaSession) -> list[dict[str, Any]]:
    return json.loads(json.dumps(list(session.client.orders_by_brand()), default=str))


@pytest.fixture(params=["in-process", "http"])
def platform(request: pytest.FixtureRequest) -> Iterator[tuple[Any, str, Any]]:
    """(emulator, base_url, a transport to it) for the in-process emulator and the real-HTTP one."""
    emulator = seeded(40)
    if request.param == "in-process":
        yield emulator, "sandbox", EmulatorTransport(emulator)
        return
    with EmulatorServer(emulator, hang_seconds=1.0) as server:
        yield emulator, server.url, httpx.HTTPTransport(retries=0)


def session_over(base_url: str, transport: httpx.BaseTransport, **more: Any) -> SkalaSession:
    return SkalaSession(settings(base_url, **more), HttpContext(transport=transport, sleep=lambda _: None))


@pytest.mark.parametrize("size", [1, 7, 4096, 1 << 20])
def test_orders_split_into_chunks_are_the_whole_answer(platform: tuple[Any, str, Any], size: int) -> None:
    emulator, base_url, transport = platform
    session = session_over(base_url, Chunked(transport, size))
    assert read(session) == whole_answer(emulator)
    assert [c.id for c in session.list_campaigns()] == [str(o["id"]) for o in whole_answer(emulator)]
    session.close()


@pytest.mark.parametrize("fail_after", [0, 1, 5000, 20000])
def test_a_connection_failing_mid_body_is_sent_again_and_nothing_is_given_twice(
        platform: tuple[Any, str, Any], fail_after: int) -> None:
    emulator, base_url, transport = platform
    chunked = Chunked(transport, 1000, drops=2, fail_after=fail_after)
    session = session_over(base_url, chunked)
    assert read(session) == whole_answer(emulator)
    assert chunked.orders_requests == 3
    stats = session.client.api.context.stats
    assert stats.by_status.get("no-answer") == 2 and stats.by_status.get("200", 0) >= 1
    session.close()


def test_retries_exhausted_mid_body_fail_as_before_and_never_give_a_partial_list(
        platform: tuple[Any, str, Any]) -> None:
    _emulator, base_url, transport = platform
    chunked = Chunked(transport, 1000, drops=10, fail_after=10000)
    session = session_over(base_url, chunked, max_retries=2)
    with pytest.raises(ProviderError) as error:
        session.list_campaigns()
    assert str(error.value) == f"GET {BY_BRAND}: ReadError: connection reset mid-body"
    assert chunked.orders_requests == 3
    session.close()


def test_an_answer_that_changed_after_a_failure_is_an_error_not_a_mix(platform: tuple[Any, str, Any]) -> None:
    _emulator, base_url, transport = platform
    session = session_over(base_url, Chunked(transport, 1000, drops=1, fail_after=15000, change=True))
    with pytest.raises(ProviderError, match="the answer sent again differs from the part already read"):
        session.list_campaigns()
    session.close()


def test_the_body_is_not_read_whole_before_the_first_order() -> None:
    emulator = seeded(4000)  # ~3 MB: eleven decoding windows
    chunked = Chunked(EmulatorTransport(emulator), 16384)
    session = session_over("sandbox", chunked)
    orders = session.client.orders_by_brand()
    next(orders)
    total = len(json.dumps(whole_answer(emulator)).encode())
    assert chunked.delivered <= 2 * 262144 < total // 4
    orders.close()  # abandoned: the request ends, and the limiter's slot is free
    assert all(slot.done is not None for slot in session.client.api.limiter._slots)
    session.close()


@pytest.mark.parametrize("kind", [FaultKind.HTTP_500, FaultKind.HTTP_429, FaultKind.DROP_AFTER,
                                  FaultKind.TIMEOUT_AFTER])
def test_emulator_faults_over_http_are_retried(kind: FaultKind) -> None:
    faults = FaultInjector()
    emulator = seeded(30, faults)
    with EmulatorServer(emulator, hang_seconds=1.0) as server:
        session = session_over(server.url, httpx.HTTPTransport(retries=0), timeout_seconds=0.5)
        session.client.brand()  # logged in: the fault goes to the orders request
        faults.force(kind, creates_only=False)
        assert read(session) == whole_answer(emulator)
        assert faults.counts == {kind.value: 1}
        session.close()


def test_an_error_status_is_raised_when_the_call_is_made() -> None:
    emulator = seeded(3)
    session = SkalaSession(settings("sandbox").model_copy(update={"brand_id": 999}),
                           HttpContext(transport=EmulatorTransport(emulator)))
    with pytest.raises(ProviderError, match=r"list campaign orders of brand 999: HTTP 404"):
        session.client.orders_by_brand()
    session.close()
