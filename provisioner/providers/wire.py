"""JSON on the wire without floats: Decimals are written as exact JSON numbers and read back as
Decimals, so money never passes through binary floating point."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import httpx


def dumps(body: Any) -> bytes:
    """json.dumps where Decimal values become number literals with their exact digits."""
    numbers: list[str] = []

    def default(value: Any) -> Any:
        if isinstance(value, Decimal):
            numbers.append(format(value, "f"))
            return f"\x00{len(numbers) - 1}\x00"
        raise TypeError(f"{type(value).__name__} is not JSON serialisable")

    text = json.dumps(body, default=default, separators=(",", ":"))
    for index, number in enumerate(numbers):
        text = text.replace(f'"\\u0000{index}\\u0000"', number, 1)
    return text.encode("utf-8")


def json_request(body: Any) -> dict[str, Any]:
    """kwargs for ApiClient.request carrying `body` as exact JSON."""
    return {"content": dumps(body), "headers": {"content-type": "application/json"}}


def loads(response: httpx.Response) -> Any:
    """The response's JSON with every non-integer number as Decimal; None for an empty body."""
    if not response.content:
        return None
    try:
        return json.loads(response.content, parse_float=Decimal)
    except ValueError:
        return None
