"""Skala's orders read one at a time (stream.py) give exactly what the whole answer decoded at once
gives: the same objects (Decimals, strings shared, order kept) with a window edge at every
position, and the same error, whatever is wrong with the body and wherever it is."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import httpx
import pytest

from provisioner.errors import ProviderError
from provisioner.providers.skala.resources import SkalaSession, to_live
from provisioner.providers.skala.stream import each_streamed
from provisioner.providers.wire import answer, expect_objects, non_json_answer

WHAT = "Skala list campaign orders of brand 1"
ORDER: dict[str, Any] = {
    "id": 5001, "company": {"id": 10, "name": "Sandbox Company Øslo"}, "campaignType": {"id": 100, "name": "P"},
    "status": "PENDING", "startDate": "2030-04-01", "endDate": "2030-04-20",
    "campaignFieldValues": [
        {"id": 7, "reference": "headline", "type": "FREETEXT", "text": "Åpent hus 🏠 \\ \" \u2028", "picture": None},
        {"id": 8, "reference": "image", "type": "PICTURE", "picture": {"id": 3301}},
        {"id": 9, "reference": "rooms", "type": "MODEL",
         "model": {"selectedEntries": [{"id": 1, "campaignFieldModelEntry": {"id": 7}, "position": 0}]}},
    ],
    "landingPage": "https://example.com/x", "budgetOptionId": None, "customBudget": 12500.10,
    "customAdPlatformTypes": ["ADFORM"], "big": 12345678901234567890, "exp": 1e-7, "t": True, "n": None,
}


def orders(count: int) -> list[dict[str, Any]]:
    return [{**ORDER, "id": 5001 + i, "landingPage": f"https://example.com/{i}"} for i in range(count)]


GOOD: list[bytes] = [
    json.dumps(orders(5)).encode(),
    json.dumps(orders(4), indent=2).encode(),
    json.dumps(orders(3), separators=(",", ":"), ensure_ascii=False).encode(),
    b" \n\t\r [ ] \n", b"[]", b"[{}]", b"\n\n\n\n\n[{\"id\": 1}]\r\n",
    b'[ {"id":1} ,\n {"id":2}\t]', b'[{"a": NaN, "b": -Infinity, "c": 1.5e3}]',
    b"\xef\xbb\xbf" + json.dumps(orders(2)).encode(),  # json.loads(bytes) reads a UTF-8 BOM
    json.dumps(orders(2)).encode("utf-16"),  # ...and UTF-16 (goes the whole way)
]
BAD: list[bytes] = [
    b"", b"   ", b"<html>oops</html>", b"null", b"5", b'"text"', b'{"orders": []}', b"[", b"[{", b'[{"id": 1}',
    b'[{"id": 1},]', b'[{"id": 1} {"id": 2}]', b'[{"id": 1}] extra', b'[{"id": 1}]]', b"[1]", b'[{"id": 1}, 2]',
    b'[{"id": 1}, null, {"id": 3}]', b'[{"id": 1}, "x", {"id": 3} garbage',
    json.dumps(orders(3)).encode()[:-5],  # cut short
    json.dumps(orders(3)).encode().replace(b"PENDING", b"PEND\xffING"),  # not UTF-8 in the middle
    b'[{"id": 1}, {"id": 01}]', b'[{"id": 1e}]', b"[\x00]",
]


def response(content: bytes) -> httpx.Response:
    return httpx.Response(200, content=content, headers={"content-type": "application/json"},
                          request=httpx.Request("GET", "https://example.invalid/"))


def outcome(read: Any) -> Any:
    """What reading gives: the items, or the error's type and message."""
    try:
        return ("items", read())
    except (ProviderError, ValueError) as error:
        return ("error", type(error), str(error))


def decoded_at_once(content: bytes) -> Any:
    return outcome(lambda: expect_objects(answer(response(content), WHAT), WHAT))


@pytest.mark.parametrize("content", GOOD + BAD)
@pytest.mark.parametrize("window", [1, 2, 3, 7, 64, 1 << 18])
def test_a_body_in_one_chunk_is_the_whole_answer(content: bytes, window: int) -> None:
    streamed = outcome(lambda: list(each_streamed((content,), _whole, _not_json, WHAT, window)))
    assert streamed == decoded_at_once(content)
    if streamed[0] == "items":
        assert json.dumps(streamed[1], default=repr) == json.dumps(decoded_at_once(content)[1], default=repr)


def _not_json() -> Exception:
    return non_json_answer(response(b""), WHAT)


def _whole(body: bytes) -> list[dict[str, Any]]:
    return expect_objects(answer(response(body), WHAT), WHAT)


ODD_FIRST = [b'[1, {"id": 1}]', b'[1, {"id": 1} x', b'[{"id": 1}, 2, 3, {"id": 4}]']


@pytest.mark.parametrize("content", GOOD + BAD + ODD_FIRST)
@pytest.mark.parametrize("chunk", [1, 3, 64, 1 << 20])
@pytest.mark.parametrize("window", [1, 7, 1 << 18])
def test_each_streamed_is_the_whole_answer(content: bytes, chunk: int, window: int) -> None:
    """Decoded as the chunks arrive, whatever their size: the whole answer's objects, or its error."""
    chunks = [content[i:i + chunk] for i in range(0, len(content), chunk)]
    streamed = outcome(lambda: list(each_streamed(iter(chunks), _whole, _not_json, WHAT, window)))
    assert streamed == decoded_at_once(content)
    if streamed[0] == "items":
        assert json.dumps(streamed[1], default=repr) == json.dumps(decoded_at_once(content)[1], default=repr)


def test_the_corpus_has_both_outcomes() -> None:
    assert all(decoded_at_once(c)[0] == "items" for c in GOOD)
    assert all(decoded_at_once(c)[0] == "error" for c in BAD)


def test_every_window_edge_inside_a_value() -> None:
    content = json.dumps([{"id": 1, "x": 123456789, "y": Decimal("0.25")}, {"id": 22, "z": "Ø🏠"}],
                         default=str, ensure_ascii=False).encode()
    expected = expect_objects(answer(response(content), WHAT), WHAT)
    for window in range(1, len(content) + 1):
        assert list(each_streamed((content,), _whole, _not_json, WHAT, window)) == expected


class _Client:
    def __init__(self, content: bytes) -> None:
        self.content = content

    def orders_by_brand(self) -> Any:
        return each_streamed((self.content,), _whole, _not_json, WHAT, 16)


def _session(content: bytes) -> SkalaSession:
    session = SkalaSession.__new__(SkalaSession)
    session.client = _Client(content)  # type: ignore[assignment]  # only orders_by_brand is read
    return session


ODD = [  # shapes an answer may take: each is converted as to_live converts it, whatever is shared
    {"id": 1, "company": {"id": 10, "name": "A"}, "campaignType": {"id": True, "name": None},
     "campaignFieldValues": [{"reference": "x", "type": "FREETEXT", "text": "1"},
                             {"reference": "y", "type": "FREETEXT", "text": 1},
                             {"reference": "z", "type": "FREETEXT", "text": 1.0},
                             {"reference": "w", "type": "FREETEXT", "text": True},
                             {"reference": "v", "type": "PICTURE", "picture": {"id": 1, "tags": ["a", "b"]}},
                             {"reference": "u", "type": "PICTURE", "picture": {"id": 1}},
                             {"reference": "t", "type": "PICTURE", "picture": {"id": "1"}},
                             {"reference": "s", "type": "MODEL", "model": {"selectedEntries": [
                                 {"campaignFieldModelEntry": {"id": 7}, "position": 0}]}}],
     "customAdPlatformTypes": ["ADFORM", "FACEBOOK"], "customBudget": 10.5, "status": "PENDING"},
    {"id": 2, "company": {"id": 1, "name": "A"}, "campaignType": {"id": 1, "name": None},
     "campaignFieldValues": [{"reference": "x", "type": "FREETEXT", "text": "1"},
                             {"reference": "y", "type": "FREETEXT", "text": True},
                             {"reference": "z", "type": "FREETEXT", "text": 1},
                             {"reference": "u", "type": "PICTURE", "picture": {"id": 1}},
                             {"reference": "v", "type": "PICTURE", "picture": {"id": 1, "tags": ["a", "b"]}}],
     "customAdPlatformTypes": "ADFORM", "customBudget": "10.50", "budgetOptionId": 5},
    {"id": 3, "company": {"id": "10", "name": "A", "extra": [1]}, "campaignType": "no", "campaignFieldValues": [
        {"reference": "x", "text": "1", "type": "FREETEXT"}, {"reference": "x", "type": "FREETEXT", "text": "1"}]},
]


@pytest.mark.parametrize("content", [
    json.dumps(orders(6)).encode(), b"[]", json.dumps(ODD * 2).encode(),
    b'[{"id": 1}, {"no": "id"}, {"id": 3}]',  # an order without its id: to_live's error
    b'[{"id": 1}, {"no": "id"}, {"id": 3}, 4]',  # ...and an item that is not an object after it: that error
    b'[{"id": 1}, {"no": "id"}, {"id": 3} oops',  # ...or invalid JSON after it: that error
    b'{"id": 1}',
])
def test_list_campaigns_is_to_live_of_the_whole_answer(content: bytes) -> None:
    fast = outcome(lambda: _session(content).list_campaigns())
    slow = outcome(lambda: [to_live(o) for o in expect_objects(answer(response(content), WHAT), WHAT)])
    assert fast == slow
    if fast[0] == "items":  # equal, and spelt the same: key order and the types of equal numbers
        assert [json.dumps(c.fields, default=repr) for c in fast[1]] == \
            [json.dumps(c.fields, default=repr) for c in slow[1]]
        assert [[repr(v) for v in c.fields["campaignFieldValues"].values()] for c in fast[1]] == \
            [[repr(v) for v in c.fields["campaignFieldValues"].values()] for c in slow[1]]


def test_list_campaigns_keeps_repeated_strings_once() -> None:
    campaigns = _session(json.dumps(orders(3)).encode()).list_campaigns()
    first, last = campaigns[0].fields, campaigns[-1].fields
    assert first["startDate"] is last["startDate"] and first["company"]["name"] is last["company"]["name"]
    assert next(iter(first["campaignFieldValues"])) is next(iter(last["campaignFieldValues"]))  # keys too
    assert first["campaignFieldValues"]["headline"]["type"] is last["campaignFieldValues"]["headline"]["type"]
    # equal mappings once: the company, the campaign type, and field values of strings, numbers and ids
    assert first["company"] is last["company"] and first["campaignType"] is last["campaignType"]
    assert first["campaignFieldValues"]["image"] is last["campaignFieldValues"]["image"]
    assert first["campaignFieldValues"]["rooms"] is not last["campaignFieldValues"]["rooms"]  # holds a list
    # nothing listed: one empty mapping of outputs, one empty list (as to_live alone gives, equal: see above)
    assert campaigns[0].outputs is campaigns[-1].outputs and campaigns[0].outputs == {}
    empty = _session(json.dumps([{**o, "customAdPlatformTypes": []} for o in orders(2)]).encode()).list_campaigns()
    assert empty[0].fields["customAdPlatformTypes"] is empty[1].fields["customAdPlatformTypes"] == []


def test_equal_numbers_of_other_types_are_not_shared() -> None:
    one, two = (c.fields["campaignFieldValues"] for c in _session(json.dumps(ODD).encode()).list_campaigns()[:2])
    assert repr(one["y"]["text"]) == "1" and repr(two["y"]["text"]) == "True"
    assert repr(one["w"]["text"]) == "True" and repr(two["z"]["text"]) == "1"
    assert one["x"] is two["x"] and one["u"] is two["u"] and one["v"] is not two["v"]


def test_equal_numbers_spelt_apart_keep_their_spelling() -> None:
    body = json.dumps([ODD[0], {**ODD[0], "id": 3}, {**ODD[0], "id": 4}]).replace('"text": 1.0', '"text": 1.00', 1)
    values = [c.fields["campaignFieldValues"] for c in _session(body.encode()).list_campaigns()]
    assert [str(v["z"]["text"]) for v in values] == ["1.00", "1.0", "1.0"]
    assert values[0]["z"] is not values[1]["z"] and values[1]["z"] is values[2]["z"]
