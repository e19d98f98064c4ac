"""The bounds on what outside input may cost us: bytes per answer, seconds per request, memory.

Servers, proxies and files are untrusted: without these, a gzip bomb, an endless or trickling
body, a server that ignores `limit` or a file of one endless line would take all the memory or
hold a run forever. The defaults are what users get (README, "Safety"); each can be changed
with an environment variable, for unusual logs and so tests need not wait a minute.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

MIB = 1024 * 1024

MAX_ANSWER_BYTES = 64 * MIB  # one API answer, after decompression
REQUEST_DEADLINE_S = 60.0  # one request, from sending it to the last byte of its answer
PREFETCH_BYTES = 64 * MIB  # pages fetched ahead of the printer, all slices together
MAX_LINE_BYTES = 64 * MIB  # one line of a file or pipe read by `view`

ENV_MAX_ANSWER_BYTES = "BASETEN_LOGS_MAX_ANSWER_BYTES"
ENV_REQUEST_DEADLINE = "BASETEN_LOGS_REQUEST_DEADLINE"
ENV_PREFETCH_BYTES = "BASETEN_LOGS_PREFETCH_BYTES"
ENV_MAX_LINE_BYTES = "BASETEN_LOGS_MAX_LINE_BYTES"


@dataclass(frozen=True)
class Limits:
    max_answer_bytes: int = MAX_ANSWER_BYTES
    request_deadline_s: float = REQUEST_DEADLINE_S
    prefetch_bytes: int = PREFETCH_BYTES
    max_line_bytes: int = MAX_LINE_BYTES


def positive_from(environ: Mapping[str, str], name: str, default: float) -> float:
    """A positive number from `name`; anything else (unset, empty, junk) is the default."""
    try:
        value = float(environ.get(name, ""))
    except ValueError:
        return default
    return value if 0 < value < float("inf") else default


def _whole(environ: Mapping[str, str], name: str, default: int) -> int:
    return max(1, int(positive_from(environ, name, default)))


def limits_from(environ: Mapping[str, str]) -> Limits:
    """The limits, with any overrides from the environment (a bad value keeps the default)."""
    return Limits(
        max_answer_bytes=_whole(environ, ENV_MAX_ANSWER_BYTES, MAX_ANSWER_BYTES),
        request_deadline_s=positive_from(environ, ENV_REQUEST_DEADLINE, REQUEST_DEADLINE_S),
        prefetch_bytes=_whole(environ, ENV_PREFETCH_BYTES, PREFETCH_BYTES),
        max_line_bytes=_whole(environ, ENV_MAX_LINE_BYTES, MAX_LINE_BYTES),
    )


# What one JSON value costs Python beyond its text: an object header (a str, a float, an empty
# list: 24 to 64 bytes) and the slot that points at it. Counted per `,` `[` `{` of the answer,
# which is at least one per value (commas inside strings only count a little too much).
VALUE_BYTES = 64
# And a key of an object its entry in the table (a key repeated line after line is one string).
KEY_BYTES = 48
_WIDER_THAN_LATIN1 = re.compile(rb"[\xc4-\xef]|\\u(?:0[1-9a-fA-F]|[1-9a-fA-F])")
_BEYOND_BMP = re.compile(rb"[\xf0-\xf4]|\\u[dD][89abAB]")


def held_bytes(answer: bytes) -> int:
    """At least what the parsed JSON of `answer` holds in memory, from its bytes alone.

    Python keeps a string's characters at 1, 2 or 4 bytes each, the widest of the string
    deciding (one emoji makes a line 4 bytes a character), and gives every value an object of
    its own (`[]` is 3 bytes of JSON, 64 parsed). Measured against tracemalloc, this is 1.0 to
    2.1 times what the parsed answer holds, for log lines, lists of big strings, of empty lists,
    of numbers, and non-ASCII text (tests/test_prefetch_budget.py).
    """
    width = 1
    if not answer.isascii() or b"\\u" in answer:  # fast answers for the usual ASCII page
        if _BEYOND_BMP.search(answer):
            width = 4
        elif _WIDER_THAN_LATIN1.search(answer):
            width = 2
    values = answer.count(b",") + answer.count(b"[") + answer.count(b"{") + 1
    return len(answer) * width + VALUE_BYTES * values + KEY_BYTES * answer.count(b":")


def describe_bytes(count: int) -> str:
    """64 MiB, 512 KiB, 100 bytes: how a limit is named in messages."""
    for unit, size in (("GiB", 1024 * MIB), ("MiB", MIB), ("KiB", 1024)):
        if count >= size and count % size == 0:
            return f"{count // size} {unit}"
    return f"{count:,} bytes"
