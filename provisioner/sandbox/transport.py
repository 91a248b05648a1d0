"""Serve an emulator to httpx in-process: the client code under test is real, only the wire is not."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import httpx

from provisioner.sandbox.core import Emulator, Outcome, PlatformRequest, PlatformResponse
from provisioner.sandbox.faults import FaultKind


class EmulatorTransport(httpx.BaseTransport):
    """An httpx transport that hands each request to `emulator` and turns faults into the
    exceptions a real network would raise (timeouts, dropped connections)."""

    def __init__(self, emulator: Emulator[Any]) -> None:
        self.emulator = emulator

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        target = request.url.raw_path.decode("ascii")
        platform_request = PlatformRequest.build(request.method, target, dict(request.headers), body)
        outcome = self.emulator.handle(platform_request)
        if outcome.commit_late is not None:
            outcome = Outcome(_commit_late(outcome.commit_late, outcome.commit_delay, request))
        if outcome.fault in (FaultKind.TIMEOUT_BEFORE, FaultKind.TIMEOUT_AFTER):
            raise httpx.ReadTimeout("sandbox: injected timeout", request=request)
        if outcome.fault is FaultKind.DROP_BEFORE:
            raise httpx.ConnectError("sandbox: injected dropped connection", request=request)
        if outcome.fault is FaultKind.DROP_AFTER:
            raise httpx.RemoteProtocolError("sandbox: server disconnected without sending a response",
                                            request=request)
        if outcome.response is None:
            raise RuntimeError(f"sandbox: {self.emulator.name} produced no response and no fault")
        return httpx.Response(outcome.response.status, headers=outcome.response.all_headers(),
                              content=outcome.response.encoded(), request=request)


def _commit_late(commit: Callable[[], PlatformResponse], delay: float, request: httpx.Request) -> PlatformResponse:
    """What a network does to a client whose read timeout is shorter than the platform's delay: the
    client gives up at its timeout, and the platform commits at `delay` all the same."""
    read_timeout = (request.extensions.get("timeout") or {}).get("read")
    if read_timeout is None or delay <= read_timeout:
        time.sleep(delay)
        return commit()
    timer = threading.Timer(delay, commit)
    timer.daemon = True  # a process that ends before the delay loses the commit, as if the platform crashed
    timer.start()
    time.sleep(read_timeout)
    raise httpx.ReadTimeout(f"sandbox: no answer within {read_timeout} s (the platform commits at {delay} s)",
                            request=request)

