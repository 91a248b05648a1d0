"""An answer is freed as soon as its reader drops it, even while the cyclic collector is paused
(as it is while a plan reads): httpx binds a response's stream to the response, a cycle that kept
every answer (53 MB of Skala orders at 50,000) alive until the plan was made."""

from __future__ import annotations

import gc
import weakref

import httpx

from provisioner.providers.base import RateLimit
from provisioner.providers.http import ApiClient, HttpContext
from provisioner.providers.topsort.schema import TopsortSettings


def test_an_answer_dropped_by_its_reader_is_freed_with_the_collector_paused() -> None:
    settings = TopsortSettings(type="topsort", base_url="https://api.topsort.com", api_key="k" * 8, vendor_id="v")
    client = ApiClient(settings, "topsort", HttpContext(), RateLimit(requests=1000, per_seconds=1),
                       transport=httpx.MockTransport(lambda request: httpx.Response(200, content=b"[1, 2]")))
    gc.collect()
    gc.disable()
    try:
        response = client.request("GET", "/campaigns")
        assert response.content == b"[1, 2]" and response.json() == [1, 2]  # still readable as before
        freed = weakref.ref(response)
        del response
        assert freed() is None
    finally:
        gc.enable()
        client.close()
