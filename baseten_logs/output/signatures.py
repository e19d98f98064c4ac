"""Message signatures: a log message with its variable parts as placeholders.

Apart from the counting (stats.py) because normalising text is its own job with its own tests and
cost budget (microseconds a line): the counters only key on its result.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable

__all__ = ["SIGNATURE_CHARS", "signature"]

_SIGNATURE_SCAN = 400  # normalise only the head of a long message: cost stays flat per line
SIGNATURE_CHARS = 160
_TRACEBACK = "Traceback (most recent call last)"
_JSON_MESSAGE_KEYS = ("message", "msg", "event")
_HEX = "[0-9a-fA-F]"


def _hex_run(match: re.Match[str]) -> str:
    """A long run of hex digits is an id only if it mixes digits and letters; else it is a
    number (the number rule takes it) or a word."""
    run = match.group()
    return run if run.isdigit() or run.isalpha() else "<hex>"


# Applied in order: the specific shapes first, since each would otherwise be cut up by the
# number rule. Each runs only when its telltale substring is present, and each starts with a
# character class (the word-boundary test comes after the first character, as a look-behind)
# so that the regex engine can skip ahead to candidate characters: a line costs microseconds.
_PLACEHOLDERS: tuple[tuple[str, re.Pattern[str], str | Callable[[re.Match[str]], str]], ...] = (
    (
        ":",
        re.compile(
            r"\d\d(?:\d\d-\d\d-\d\d[T ]\d\d)?:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?(?!\d)"
        ),
        "<time>",
    ),
    (
        "-",
        re.compile(
            rf"{_HEX}(?<!\w{_HEX}){_HEX}{{7}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{12}}\b"
        ),
        "<uuid>",
    ),
    (".", re.compile(r"\d(?<!\w\d)\d{0,2}(?:\.\d{1,3}){3}(?::\d{1,5})?\b"), "<ip>"),
    ("0x", re.compile(rf"0(?<!\w0)x{_HEX}+\b"), "<hex>"),
    ("", re.compile(rf"{_HEX}(?<!\w{_HEX}){_HEX}{{7,}}\b"), _hex_run),
    # Numbers not glued to a word before them (`v2`, `x86_64`, `utf8`, `worker-5` stay); units
    # after them stay (`<n>ms`, `<n>GiB`). An access log's `HTTP/1.1" 200` keeps its version and
    # status: a 200 and a 500 are different stories.
    (
        "",
        re.compile(r"\d(?<![\w.]\d)(?<!\w-\d)(?<!HTTP/\d)(?<!HTTP/\d\.\d\" \d)\d*(?:\.\d+)*"),
        "<n>",
    ),
)
_DIGIT = re.compile(r"\d")  # every placeholder above stands for something with a digit in it


def signature(message: str) -> str:
    """A message with its variable parts (numbers, ids, uuids, hex, times, IPs) as placeholders.

    Lines that differ only in those parts are one kind of event, so counting signatures shows
    what a deployment is saying, not that every request id is unique.
    """
    text = _headline(message)[:_SIGNATURE_SCAN]
    if _DIGIT.search(text) is not None:
        for telltale, pattern, placeholder in _PLACEHOLDERS:
            if telltale in text:
                text = pattern.sub(placeholder, text)
    text = " ".join(text.split())  # aligned columns (`INFO:     ...`) vary only in padding
    return text if len(text) <= SIGNATURE_CHARS else text[: SIGNATURE_CHARS - 1] + "…"


def _headline(message: str) -> str:
    """The part of a message that names the event: a JSON log's message, a traceback's exception,
    else the first line."""
    if message.startswith("{"):
        inner = _json_message(message)
        if inner is not None:
            message = inner
    if "\n" not in message:
        return message
    lines = [line for line in message.splitlines() if line.strip()]
    if not lines:
        return ""
    if _TRACEBACK in message:
        return f"Traceback: {lines[-1].strip()}"  # the exception line says what went wrong
    return lines[0] + " …"


def _json_message(message: str) -> str | None:
    """The human part of a structured log line: its keys and their order vary, its message not."""
    try:
        parsed = json.loads(message)
    except ValueError:
        return None
    if isinstance(parsed, dict):
        for key in _JSON_MESSAGE_KEYS:
            value = parsed.get(key)
            if isinstance(value, str):
                return value
    return None
