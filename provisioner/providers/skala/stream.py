"""The objects of a JSON list answer one at a time, decoded window by window from its bytes.

Skala lists every order of a brand in one answer (53 MB at 50,000 orders). Decoded whole, the
answer's text and every order's raw dicts (~3 KB each) were alive at once beside the workspace
and the state: the plan's peak memory. Decoded item by item, each raw order is dropped as soon as
it is converted, and only a window of the text is alive. Anything unusual about the body (not
UTF-8 text opening with `[`, invalid JSON, an item that is not an object) goes through the whole
answer's decode instead, so its error is exactly the one `answer` and `expect_objects` give.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from typing import Any

from provisioner.providers.wire import answer, describe, expect_objects, unexpected

WINDOW = 1 << 18  # bytes decoded at a time: large enough that an order rarely straddles two windows
_SPACE = re.compile(r"[ \t\n\r]*")  # JSON's whitespace, as json.decoder skips it
_JSON_SPACE = b" \t\n\r"

# the decoder json.loads(body, parse_float=Decimal) builds (wire.py): its C scanner reads one value
# from an index of a str (as its raw_decode does, without raw_decode's frame: StopIteration where no
# value starts, which raw_decode turns into a JSONDecodeError), what reading item by item needs
# (an attribute the decoder sets on itself, which the type stubs do not declare)
_scan: Callable[[str, int], tuple[Any, int]] = vars(json.JSONDecoder(parse_float=Decimal))["scan_once"]
_NEXT = re.compile(r"[ \t\n\r]*,[ \t\n\r]*")  # what separates two items (JSON's whitespace around a comma)


class _Unusual(Exception):
    """The body is not a plain list of objects in UTF-8: the whole answer's decode says what it is."""


def each_streamed(chunks: Iterable[bytes], whole: Callable[[bytes], list[dict[str, Any]]],
                  not_json: Callable[[], Exception], what: str,
                  window: int = WINDOW) -> Iterator[dict[str, Any]]:
    """Each object of the JSON list whose bytes arrive as `chunks`, decoded as they arrive: what
    `whole(body)` (the answer decoded at once) would give, without the body ever held whole.

    Until the first object is given, the bytes read are kept: anything unusual by then (an empty
    or non-JSON body, not a list, UTF-16, a first item that is not an object) goes through
    `whole(body)` with the rest read whole, so its outcome is the old one. After it, the body is
    a UTF-8 JSON text opening with a list, so decoded at once it could only fail two ways:
    invalid JSON anywhere (`not_json()`, which wins) or an item that is not an object (named by its
    position); the rest is read to tell them apart, and nothing more is given."""
    source = _Source(chunks)
    given = 0
    odd: Any = None
    odd_at = -1  # the position of the first item that is not an object
    try:
        for item in _items(source, window):
            if odd_at >= 0:
                continue  # reading on only to see whether the rest is valid JSON
            if type(item) is dict:
                source.kept = None  # an object is given: the old way can no longer be taken
                given += 1
                yield item
            else:
                odd, odd_at = item, given
    except _Unusual:
        if source.kept is None:
            raise not_json() from None
        yield from whole(source.rest())
        return
    if odd_at >= 0:
        if source.kept is not None:
            yield from whole(source.rest())  # raises: the old check names the item
            return
        raise unexpected(what, "a list of objects", f"{describe(odd)} at position {odd_at}")


def list_answer(response: Any, what: str) -> Callable[[], list[dict[str, Any]]]:
    """The answer decoded at once and checked to be a list of objects, as Skala's client reads any list."""
    return lambda: expect_objects(answer(response, what), what)


class _Source:
    """The body's bytes from its chunks, `take`n a window at a time; what was taken is `kept`
    until the owner sets it to None."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks = iter(chunks)
        self._pending = b""
        self._at = 0  # bytes of `_pending` already taken
        self.kept: list[bytes] | None = []

    def _fill(self, wanted: int) -> None:
        """At least `wanted` bytes pending, unless the chunks end first."""
        left = len(self._pending) - self._at
        if left >= wanted:
            return
        parts = [self._pending[self._at:]] if left else []
        while left < wanted:
            chunk = next(self._chunks, None)
            if chunk is None:
                break
            parts.append(chunk)
            left += len(chunk)
        # one whole chunk (a body given at once) is taken from in place, never copied
        self._pending = parts[0] if len(parts) == 1 else b"".join(parts)
        self._at = 0

    def peek(self, size: int) -> bytes:
        self._fill(size)
        return self._pending[self._at:self._at + size]

    def take(self, size: int) -> bytes:
        self._fill(size)
        taken = self._pending[self._at:self._at + size]
        self._at += len(taken)
        if self.kept is not None:
            self.kept.append(taken)
        return taken

    def ended(self) -> bool:
        self._fill(1)
        return self._at >= len(self._pending)

    def rest(self) -> bytes:
        """The whole body: what was taken (kept) and all that is left."""
        kept = self.kept or []
        return b"".join([*kept, self._pending[self._at:], *self._chunks])


def _skip(text: str, pos: int) -> int:
    """The index after the JSON whitespace at `pos`."""
    match = _SPACE.match(text, pos)
    return match.end() if match else pos


def _items(source: _Source, window: int) -> Iterator[Any]:
    """The list's items, any JSON value, in order; _Unusual where the body is not such a list."""
    head = source.peek(4)
    # json.loads(bytes) guesses UTF-16/32 from zero bytes and honours BOMs (codecs.BOM_*: none of
    # their first bytes is JSON whitespace or `[`): a body opening with JSON text in UTF-8 has neither
    if not head or 0 in head or head.lstrip(_JSON_SPACE)[:1] not in (b"[", b""):
        raise _Unusual
    decoder = codecs.getincrementaldecoder("utf-8")("surrogatepass")  # as json.loads decodes bytes
    done = False  # every byte of the body is decoded

    def more(text: str, pos: int, at_least: int) -> str:
        """The text from `pos` on, with at least `at_least` more bytes of content decoded onto it."""
        nonlocal done
        if done:
            raise _Unusual  # the body ended inside a value: invalid JSON
        taken = source.take(max(window, at_least))
        done = source.ended()
        try:
            added = decoder.decode(taken, final=done)
        except UnicodeDecodeError:
            raise _Unusual from None
        return text[pos:] + added

    text, pos = more("", 0, window), 0
    pos = _skip(text, pos)
    while pos >= len(text):  # whitespace up to the window's edge: `[` is further on
        text, pos = more(text, pos, window), 0
        pos = _skip(text, pos)
    if text[pos] != "[":
        raise _Unusual
    pos += 1
    first = True
    while True:
        separator = None if first else _NEXT.match(text, pos)
        if separator is not None and separator.end() < len(text):
            pos = separator.end()  # (the usual way to the next item: a comma, all of it in the window)
        else:
            pos = _skip(text, pos)
            if pos >= len(text):
                text, pos = more(text, pos, window), 0
                continue
            char = text[pos]
            if char == "]" and first:
                pos += 1
                break
            if not first:
                if char == "]":
                    pos += 1
                    break
                if char != ",":
                    raise _Unusual
                pos = _skip(text, pos + 1)
                while pos >= len(text):
                    text, pos = more(text, pos, window), 0
                    pos = _skip(text, pos)
        # one value: a failure or a value ending at the window's edge (a number may go on) may only
        # be the window's fault, so it is tried again with more text, twice as much each time
        if len(text) - pos < window >> 2 and not done:
            # a value near the window's edge: more text first. Failing there cost a JSONDecodeError,
            # which counts the lines of the whole window before it (1.3 us per order at 10,000), and
            # a scan thrown away (as states/streamed.py reads the state)
            text, pos = more(text, pos, window), 0
        wanted = window
        while True:
            try:
                item, end = _scan(text, pos)
            except (StopIteration, ValueError):
                if done:
                    raise _Unusual from None
                end = -1
            if 0 <= end < len(text) or (end >= 0 and done):
                break
            text, pos = more(text, pos, wanted), 0
            wanted *= 2
        pos = end
        first = False
        yield item
    # only whitespace may follow the list (json.loads: "Extra data")
    while True:
        pos = _skip(text, pos)
        if pos < len(text):
            raise _Unusual
        if done:
            return
        text, pos = more(text, pos, window), 0
