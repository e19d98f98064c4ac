"""The bounds on what outside input may cost us: bytes per answer, seconds per request, memory.

Servers, proxies and files are untrusted: without these, a gzip bomb, an endless or trickling
body, a server that ignores `limit` or a file of one endless line would take all the memory or
hold a run forever. The defaults are what users get (README, "Safety"); each can be changed
with an environment variable, for unusual logs and so tests need not wait a minute.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
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
# The widest character of an answer, from its UTF-8 bytes (lead bytes F0-F4: beyond the BMP,
# 4 bytes a character; C4 and up: past Latin-1, 2 bytes at least) or its \u escapes (a high
# surrogate: 4; \u0100 and up: 2). One byte class or one literal-led pattern each: an
# alternation of the two made `re` try every byte of a 200 KB page, 2 ms of GIL a page.
_FOUR_BYTE_LEADS = tuple(bytes((lead,)) for lead in range(0xF0, 0xF5))
_WIDE_LEAD = re.compile(rb"[\xc4-\xf4]")  # any character past Latin-1, raw
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89abAB]")
_WIDE_ESCAPE = re.compile(rb"\\u(?:0[1-9a-fA-F]|[1-9a-fA-F])")
# Strings past Latin-1 counted one by one (see _text_bytes), and the characters looked at to
# find them; past either, the page is counted whole at its widest width.
MAX_WIDE_STRINGS = 64
MAX_WIDE_PLACES = 1024
# Bytes counted as a value's start, and a key's `:` (see held_bytes).
_VALUE_STARTS = b",[{"
_KEY_ENDS = b":"


def held_bytes(answer: bytes) -> int:
    """At least what the parsed JSON of `answer` holds in memory, from its bytes alone.

    Python keeps a string's characters at 1, 2 or 4 bytes each, the widest of the string
    deciding (one emoji makes a line 4 bytes a character), and gives every value an object of
    its own (`[]` is 3 bytes of JSON, 64 parsed). Measured against tracemalloc, this is 1.0 to
    2.1 times what the parsed answer holds, for log lines, lists of big strings, of empty lists,
    of numbers, and non-ASCII text (tests/test_prefetch_budget.py). Every page passes here, so
    each check is one C-speed pass: 0.3 ms for a page of 200 KB.
    """
    values = len(answer) - len(answer.translate(None, _VALUE_STARTS)) + 1
    keys = len(answer) - len(answer.translate(None, _KEY_ENDS))
    return _text_bytes(answer) + VALUE_BYTES * values + KEY_BYTES * keys


def _text_bytes(answer: bytes) -> int:
    """What the characters of `answer` hold parsed: a byte each, and in each string that holds
    a character past Latin-1 the page's widest width (every string at that width, when more
    than MAX_WIDE_STRINGS hold one). A string's JSON text is never shorter than its characters.

    Typical pages are ASCII with an arrow or an accent here and there: counting the whole page
    at the width of its one `…` made it 2.3 times what it holds, and the prefetch budget, 2.3
    times too small, stalled the fetch of big windows."""
    width = _char_width(answer)
    if width == 1:
        return len(answer)
    wide = 0
    counted: set[int] = set()  # the strings counted, by where they start
    last = (0, 0)  # the last one's [start, end)
    for found, at in enumerate(_wide_places(answer)):
        if found == MAX_WIDE_PLACES:
            return len(answer) * width  # text past Latin-1 throughout: no use telling apart
        if last[0] <= at < last[1]:
            continue  # in the string just counted
        last = _string_around(answer, at)
        if last[0] in counted:
            continue
        counted.add(last[0])
        if len(counted) > MAX_WIDE_STRINGS:
            return len(answer) * width
        wide += last[1] - last[0]
    return len(answer) + (width - 1) * min(wide, len(answer))  # spans of bad JSON may overlap


def _wide_places(answer: bytes) -> Iterator[int]:
    """Where characters past Latin-1 start: raw UTF-8 ones, then escaped ones."""
    if not answer.isascii():
        for match in _WIDE_LEAD.finditer(answer):
            yield match.start()
    for match in _WIDE_ESCAPE.finditer(answer):
        yield match.start()


def _string_around(answer: bytes, at: int) -> tuple[int, int]:
    """[start, end) of the JSON string holding byte `at`, its quotes included (the whole
    answer's edge where a quote is missing)."""
    start = at
    while True:
        start = answer.rfind(b'"', 0, start)
        if start < 0 or not _escaped(answer, start):
            break
    end = at
    while True:
        end = answer.find(b'"', end + 1)
        if end < 0 or not _escaped(answer, end):
            break
    return max(start, 0), len(answer) if end < 0 else end + 1


def _escaped(answer: bytes, quote: int) -> bool:
    """Whether the quote at `quote` follows an odd run of backslashes."""
    run = quote
    while run > 0 and answer[run - 1] == 0x5C:
        run -= 1
    return (quote - run) % 2 == 1


def _char_width(answer: bytes) -> int:
    """Bytes a character of the widest string `answer` parses into: 1, 2 or 4."""
    raw = not answer.isascii()  # the usual ASCII page: its escapes alone can be wide
    if (raw and any(lead in answer for lead in _FOUR_BYTE_LEADS)) or _SURROGATE_ESCAPE.search(
        answer
    ):
        return 4
    # Past the 4-byte leads, any lead past Latin-1 left is a 2-byte character's.
    if (raw and _WIDE_LEAD.search(answer)) or _WIDE_ESCAPE.search(answer):
        return 2
    return 1


def describe_bytes(count: int) -> str:
    """64 MiB, 512 KiB, 100 bytes: how a limit is named in messages."""
    for unit, size in (("GiB", 1024 * MIB), ("MiB", MIB), ("KiB", 1024)):
        if count >= size and count % size == 0:
            return f"{count // size} {unit}"
    return f"{count:,} bytes"
