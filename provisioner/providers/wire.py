"""JSON on the wire without floats: Decimals are written as exact JSON numbers and read back as
Decimals, so money never passes through binary floating point; and the checks that an answer has
the shape a provider relies on, so a malformed one is a clear ProviderError, never a traceback."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from provisioner.errors import AmbiguousOutcomeError, ProviderError
from provisioner.sharing import shared_json

if TYPE_CHECKING:  # annotations only: httpx loads when a client is built, not when a plugin's schema is read
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


def _decoded(content: bytes) -> Any:
    """A JSON body with exact decimals; live pages stay alive until the plan is made, so their
    repeated strings are kept as one object each."""
    return shared_json(json.loads(content, parse_float=Decimal))


def loads(response: httpx.Response) -> Any:
    """The response's JSON with every non-integer number as Decimal; None for an empty body."""
    if not response.content:
        return None
    try:
        return _decoded(response.content)
    except ValueError:
        return None


# -- the shape of an answer ------------------------------------------------------------------------
# A platform (or a proxy in front of it) may answer 2xx with a body of another shape than documented:
# an HTML page, a list for an object, `"data": 5`, an item without its id. Reading on would raise
# TypeError/KeyError far from the cause, or worse, read "no campaigns" and plan to create them all
# again. Every answer a provider relies on goes through these checks instead: a ProviderError that
# names the request and what was expected, so only that provider instance fails.
UNEXPECTED = "unexpected-answer"


def describe(value: Any) -> str:
    """A short, secret-free description of a JSON value's shape (never its content)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, Decimal, float)):
        return f"the number {value}" if len(str(value)) <= 20 else "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return f"a list of {len(value)} item(s)"
    if isinstance(value, dict):
        if not value:
            return "an object with no keys"
        return f"an object with keys {', '.join(map(repr, sorted(map(str, value))[:5]))}"
    return type(value).__name__


def unexpected(what: str, expected: str, got: str, ambiguous: bool = False) -> ProviderError:
    """The error for an answer of the wrong shape. `ambiguous` for the answer to a create: the
    platform said yes, so the campaign may exist; the caller looks it up instead of forgetting it."""
    message = f"{what}: unexpected answer from the platform: expected {expected}, got {got}"
    if ambiguous:
        return AmbiguousOutcomeError(message, code=UNEXPECTED)
    return ProviderError(message, code=UNEXPECTED)


def answer(response: httpx.Response, what: str, ambiguous: bool = False) -> Any:
    """The JSON body of a successful answer; an empty or non-JSON body is an error, not `None`."""
    if not response.content:
        raise unexpected(what, "a JSON body", f"an empty HTTP {response.status_code} answer", ambiguous)
    try:
        return _decoded(response.content)
    except ValueError:
        raise non_json_answer(response, what, ambiguous) from None


def non_json_answer(response: httpx.Response, what: str, ambiguous: bool = False) -> ProviderError:
    """The error for a successful answer whose body is not JSON (it names the status and type only,
    so a streamed answer can give it without its body)."""
    kind = response.headers.get("content-type", "").split(";")[0] or "no content type"
    return unexpected(what, "a JSON body", f"HTTP {response.status_code} with a non-JSON body ({kind})", ambiguous)


def expect_object(value: Any, what: str, expected: str = "an object", ambiguous: bool = False) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise unexpected(what, expected, describe(value), ambiguous)
    return value


def expect_list(value: Any, what: str, expected: str = "a list", ambiguous: bool = False) -> list[Any]:
    if not isinstance(value, list):
        raise unexpected(what, expected, describe(value), ambiguous)
    return value


def expect_objects(value: Any, what: str, expected: str = "a list of objects") -> list[dict[str, Any]]:
    """A list whose every item is an object (campaigns, orders, problems)."""
    items = expect_list(value, what, expected)
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise unexpected(what, expected, f"{describe(item)} at position {index}")
    return items


def expect_id(item: Any, field: str, what: str, ambiguous: bool = False) -> str:
    """`item[field]` as the id string: present, a non-empty string or an integer."""
    value = item.get(field) if isinstance(item, dict) else None
    if isinstance(value, bool) or not isinstance(value, (str, int)) or str(value).strip() == "":
        got = describe(item) if not isinstance(item, dict) else (
            f"no {field!r}" if field not in item else f"{field!r} = {describe(value)}")
        raise unexpected(what, f"an object with an id in {field!r}", got, ambiguous)
    return str(value)


def optional_text(value: Any) -> str | None:
    """A key or name read from an answer: text (or an integer) as str; anything else as unknown."""
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None
