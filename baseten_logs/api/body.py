"""An answer's body read within the size cap and the deadline, and parsed as JSON.

Servers and proxies are untrusted: a gzip bomb, an endless or trickling body or JSON nested
too deep must end in one clear error, never in all the memory or a crash. gzip and deflate are
inflated here, a slice at a time, because httpx would inflate a whole network read (up to
1000x) before any cap could look at it. The client (the only module that touches httpx)
hands over the raw chunks; everything here is plain bytes.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable, Iterator
from typing import Any

from baseten_logs.api import clock
from baseten_logs.api.limits import (
    ENV_MAX_ANSWER_BYTES,
    ENV_REQUEST_DEADLINE,
    MIB,
    Limits,
    describe_bytes,
)
from baseten_logs.base.errors import ApiError

TOO_BIG_HINT = (
    f"no page of logs is that big: is --api-url pointing at the API? "
    f"({ENV_MAX_ANSWER_BYTES} raises the cap)"
)
TOO_SLOW_HINT = (
    f"the API or the network is too slow; try again later ({ENV_REQUEST_DEADLINE} sets "
    "the deadline in seconds)"
)
RETRY_HINT = "the API may be down or rate limiting; try again later"
# The encodings we ask for (Accept-Encoding) and undo ourselves, within the cap.
ACCEPTED_ENCODINGS = "gzip, deflate"
_INFLATED_HERE = ("gzip", "x-gzip", "deflate")


class OverLimit(Exception):
    """An answer too big, too slow or undecodable: a failed attempt, retried like a timeout."""

    def __init__(self, problem: str, hint: str) -> None:
        super().__init__(problem)
        self.problem = problem
        self.hint = hint


class TooDeep(ValueError):
    """JSON nested deeper than the parser recurses."""


def loads(content: bytes) -> tuple[Any, bool]:
    """Parsed JSON, and whether bytes that are not UTF-8 were replaced (U+FFFD) to read it.

    ValueError for anything unusable, also JSON nested too deep for the parser (TooDeep): that
    is the server's fault, not a bug of ours.
    """
    replaced = False
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        text = content.decode("utf-8", errors="replace")
        replaced = True
    try:
        return json.loads(text.removeprefix("\ufeff")), replaced
    except RecursionError:
        raise TooDeep from None  # too_deep words it for the user


def too_deep(path: str) -> ApiError:
    """The error for an answer whose JSON nests deeper than Python's parser recurses."""
    return ApiError(
        f"the API answered {path} with JSON nested too deep to read",
        hint="the endpoint is in beta; please report this with -v output",
    )


def too_slow(limits: Limits) -> str:
    return f"no complete answer within {limits.request_deadline_s:g} s (the per-request deadline)"


def check_size(size: int, limits: Limits) -> None:
    """OverLimit when `size` bytes are more than one answer may hold."""
    cap = limits.max_answer_bytes
    if size > cap:
        too_big = f"the answer is larger than {describe_bytes(cap)} (the size cap)"
        raise OverLimit(too_big, TOO_BIG_HINT)


def read_streamed(
    raw: Iterator[bytes], content_encoding: str, *, limits: Limits, deadline: float
) -> bytes:
    """The decompressed body of a streamed answer (its `raw` bytes as they arrive): at most
    the size cap, before `deadline` (on `clock.monotonic`).

    Answers compressed twice or more (`gzip, gzip`) are undone layer by layer, where httpx
    would multiply the factors. Any other encoding (br, zstd: never asked for) is refused in
    one line.
    """
    header = content_encoding.strip().lower()
    # Listed in the order they were applied, so undone from the last; identity is no layer.
    layers = [e for e in (p.strip() for p in header.split(",")) if e and e != "identity"]
    body = bytearray()

    def check_time() -> None:
        if clock.monotonic() > deadline:
            raise OverLimit(too_slow(limits), TOO_SLOW_HINT)

    if any(layer not in _INFLATED_HERE for layer in layers):
        # We ask for gzip or deflate only; httpx would undo br or zstd a whole read at a time.
        unread = f'the answer is encoded as "{header[:80]}", which was not asked for'
        raise OverLimit(unread, RETRY_HINT)
    chunks = raw
    for layer in reversed(layers):
        # One MiB slices at most: a slice, not a second copy of the capped body.
        chunks = _inflated(chunks, layer, check_time)
    try:
        for chunk in chunks:
            body.extend(chunk)
            check_size(len(body), limits)
            check_time()
    except zlib.error as exc:
        corrupt = f"the answer's {header} data is corrupt ({exc})"
        raise OverLimit(corrupt, RETRY_HINT) from None
    return bytes(body)


def _inflated(chunks: Iterator[bytes], encoding: str, tick: Callable[[], None]) -> Iterator[bytes]:
    """`chunks` with one layer of gzip or deflate undone, in slices of at most a MiB.

    `tick` runs after every slice, so that a layer producing little from a lot (empty deflate
    blocks, another layer's worth) still meets the deadline."""
    inflate: Any = None
    for raw in _first_two_joined(chunks):
        if inflate is None:
            # deflate is meant to be zlib-wrapped; some servers send it raw.
            wbits = zlib.MAX_WBITS | 16
            if encoding == "deflate":
                wbits = zlib.MAX_WBITS if _zlib_header(raw) else -zlib.MAX_WBITS
            inflate = zlib.decompressobj(wbits)
        data = raw
        while data:
            yield inflate.decompress(data, MIB)
            data = inflate.unconsumed_tail
            tick()
    if inflate is not None:
        yield inflate.flush()


def _first_two_joined(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """The same bytes, the first piece holding at least two (when there are): a network read
    of one byte would not tell zlib-wrapped deflate from raw."""
    head = b""
    for chunk in chunks:
        head += chunk
        if len(head) >= 2:
            break
    if head:
        yield head
    yield from chunks


def _zlib_header(data: bytes) -> bool:
    return len(data) >= 2 and data[0] & 0x0F == 8 and (data[0] << 8 | data[1]) % 31 == 0
