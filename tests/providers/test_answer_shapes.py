"""Unit checks of answer shapes: each provider's parsing of list and create answers raises a
ProviderError naming the platform and what was expected, never TypeError/KeyError."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from provisioner.errors import AmbiguousOutcomeError, ProviderError
from provisioner.providers import wire
from provisioner.providers.criteo.errors import raise_for_envelope
from provisioner.providers.criteo.resources import to_live as criteo_live
from provisioner.providers.sessionm.resources import info_to_live
from provisioner.providers.sessionm.resources import to_live as sessionm_live
from provisioner.providers.skala.resources import to_live as skala_live
from provisioner.providers.topsort.resources import to_live as topsort_live


@pytest.mark.parametrize("parse, body, expected", [
    (topsort_live, [1, 2], "Topsort campaign in the list answer: unexpected answer from the platform: expected "
                           "an object with an id in 'campaignId', got a list of 2 item(s)"),
    (topsort_live, {"campaignId": None}, "got 'campaignId' = null"),
    (topsort_live, {"campaignId": True}, "got 'campaignId' = a boolean"),
    (criteo_live, {"id": "1", "attributes": {"spendLimit": [1]}}, "expected 'spendLimit' to be an object"),
    (sessionm_live, {"name": "x"}, "SessionM campaign: unexpected answer from the platform: expected an object "
                                   "with an id in 'id', got no 'id'"),
    (info_to_live, {"campaign_id": ""}, "got 'campaign_id' = a string"),
    (skala_live, "order", "Skala campaign order: unexpected answer from the platform"),
])
def test_items_without_ids_are_refused(parse: Callable[[Any], Any], body: Any, expected: str) -> None:
    with pytest.raises(ProviderError) as raised:
        parse(body)
    assert expected in str(raised.value) and raised.value.code == "unexpected-answer"


def test_ids_and_names_of_other_types_do_not_break_indexing() -> None:
    live = topsort_live({"campaignId": 7, "externalCampaignId": ["a"], "name": {"x": 1}})
    assert live.id == "7" and live.key is None and live.name is None  # unhashable values are not keys
    assert skala_live({"id": 3, "campaignFieldValues": 5}).fields["campaignFieldValues"] == {}


def response(status: int, content: bytes, content_type: str = "application/json") -> httpx.Response:
    return httpx.Response(status, content=content, headers={"content-type": content_type},
                          request=httpx.Request("GET", "https://example.invalid/"))


def test_answer_needs_json() -> None:
    with pytest.raises(ProviderError) as empty:
        wire.answer(response(200, b""), "X list")
    assert "expected a JSON body, got an empty HTTP 200 answer" in str(empty.value)
    with pytest.raises(AmbiguousOutcomeError) as html:
        wire.answer(response(201, b"<html>", "text/html; charset=utf-8"), "X create", ambiguous=True)
    assert "non-JSON body (text/html)" in str(html.value)
    assert wire.answer(response(200, b'{"a": 1.10}'), "X")["a"] == wire.Decimal("1.10")


def test_criteo_envelope_of_the_wrong_shape() -> None:
    with pytest.raises(AmbiguousOutcomeError) as raised:
        raise_for_envelope(response(200, b"[1]"), "create campaign", ambiguous=True)
    assert "Criteo create campaign: unexpected answer" in str(raised.value)
    with pytest.raises(ProviderError) as errors_not_a_list:
        raise_for_envelope(response(400, b'{"errors": 5}'), "search campaigns")
    assert "HTTP 400" in str(errors_not_a_list.value)  # the usual refusal, not a TypeError


def test_describe_never_shows_values() -> None:
    assert wire.describe("tsk-SECRET") == "a string"
    assert wire.describe({"token": "s"}) == "an object with keys 'token'"
    assert wire.describe(10 ** 40) == "a number"
