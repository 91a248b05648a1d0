"""Serve an emulator to httpx in-process: the client code under test is real, only the wire is not."""

from __future__ import annotations

import httpx

from provisioner.sandbox.core import Emulator, PlatformRequest
from provisioner.sandbox.faults import FaultKind


class EmulatorTransport(httpx.BaseTransport):
    """An httpx transport that hands each request to `emulator` and turns faults into the
    exceptions a real network would raise (timeouts, dropped connections)."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        target = request.url.raw_path.decode("ascii")
        platform_request = PlatformRequest.build(request.method, target, dict(request.headers), body)
        outcome = self.emulator.handle(platform_request)
        if outcome.fault in (FaultKind.TIMEOUT_BEFORE, FaultKind.TIMEOUT_AFTER):
            raise httpx.ReadTimeout("sandbox: injected timeout", request=request)
        if outcome.fault is FaultKind.DROP_BEFORE:
            raise httpx.ConnectError("sandbox: injected dropped connection", request=request)
        if outcome.fault is FaultKind.DROP_AFTER:
            raise httpx.RemoteProtocolError("sandbox: server disconnected without sending a response",
                                            request=request)
        assert outcome.response is not None
        return httpx.Response(outcome.response.status, headers=outcome.response.all_headers(),
                              content=outcome.response.encoded(), request=request)
