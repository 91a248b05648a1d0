"""Serve emulators over real HTTP on loopback, one port per platform, each in its own thread."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from provisioner.sandbox.core import Emulator, Outcome, PlatformRequest
from provisioner.sandbox.faults import FaultKind

# A hung answer must outlast any client timeout; the server thread is a daemon, so it never blocks exit.
HANG_SECONDS = 60.0


def _handler_for(emulator: Emulator[Any], hang_seconds: float) -> type[BaseHTTPRequestHandler]:
    class EmulatorHandler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass  # requests are recorded by the emulator; stderr stays quiet

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            request = PlatformRequest.build(self.command, self.path, dict(self.headers.items()), body)
            outcome = emulator.handle(request)
            if outcome.commit_late is not None:
                # The platform sits on the create; a client with a shorter timeout has gone by then.
                time.sleep(outcome.commit_delay)
                outcome = Outcome(outcome.commit_late())
            if emulator.faults.latency:
                time.sleep(emulator.faults.latency)
            if outcome.fault in (FaultKind.TIMEOUT_BEFORE, FaultKind.TIMEOUT_AFTER):
                time.sleep(hang_seconds)
            if outcome.response is None or outcome.fault in (FaultKind.TIMEOUT_BEFORE, FaultKind.TIMEOUT_AFTER):
                self.close_connection = True
                return  # drop: close the socket without an answer
            payload = outcome.response.encoded()
            try:
                self.send_response(outcome.response.status)
                for name, value in outcome.response.all_headers().items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except OSError:  # the client gave up waiting (a timeout): nobody is left to answer
                self.close_connection = True

        do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve

    return EmulatorHandler


class EmulatorServer:
    """One emulator on http://127.0.0.1:PORT (port 0 picks a free one)."""

    def __init__(self, emulator: Emulator[Any], port: int = 0, host: str = "127.0.0.1",
                 hang_seconds: float | None = None) -> None:
        self.emulator = emulator
        self.httpd = ThreadingHTTPServer((host, port), _handler_for(emulator, hang_seconds or HANG_SECONDS))
        self.httpd.daemon_threads = True
        self._thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> EmulatorServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
