"""`--message-only`: a JSON log read as its message, a Python logging line without our prefix twice.

`{"levelname": "INFO", "message": "Received request", "path": "/predict"}` becomes
`Received request  path=/predict` (the other fields dimmed, compact, as lnav and humanlog show
them); `2026-11-27 10:00:00,123 - INFO - model - Loaded` becomes `model - Loaded` when that time
and level repeat the line's own. Nothing is lost: a field is dropped only when it says what the
prefix already says (the level shown, a time within a second of ours), every other field stays.

Only text output reshapes; `-o jsonl`/`json`/`raw` carry the server's message as it came. A
message that is neither shape costs one character test.
"""

from __future__ import annotations

import calendar
import json
import re
import time
from typing import Any

from baseten_logs.base.timestamps import timestamp_ns
from baseten_logs.output.inert import inert

__all__ = ["FIELDS_MARK", "shape_message"]

# Where structured loggers put the message, the level and the time (stdlib's JSON formatters,
# structlog, loguru's serialize, pino, zap, GCP's and Datadog's conventions).
MESSAGE_KEYS = ("message", "msg", "event", "text", "log")
LEVEL_KEYS = frozenset({"levelname", "level", "severity", "lvl", "log.level", "loglevel"})
TIME_KEYS = frozenset({"timestamp", "time", "asctime", "ts", "@timestamp", "created", "datetime"})
LEVEL_WORDS = {
    "DEBUG": "DEBUG",
    "INFO": "INFO",
    "WARNING": "WARNING",
    "WARN": "WARNING",
    "ERROR": "ERROR",
    "CRITICAL": "ERROR",
    "FATAL": "ERROR",
}
# A JSON log too large to be worth parsing per line is shown as it came.
MAX_JSON_CHARACTERS = 64 * 1024
# `2026-11-27 10:00:00,123`, `[2026-11-27T10:00:00.123Z]`, then a separator (` - `, ` | `,
# `: `, spaces), then maybe the level the same way: Python logging's usual formats.
_LOGGER_TIME = re.compile(
    r"\[?(\d{4})-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)(?:[.,]\d{1,9})?"
    r"(?:Z|[+-]\d\d:?\d\d| ?UTC)?\]?(?: *[-|:] *| +)"
)
_LEVELS = "DEBUG|INFO|WARNING|WARN|ERROR|CRITICAL|FATAL"
# After a time any separator will do; a line that starts with its level needs a bracket, a
# colon or a dash after it (`INFO:root:...`, uvicorn's `INFO:     ...`, `[INFO] ...`), so that
# a message which merely starts with an upper-case word ("ERROR budget ...") keeps it.
_LOGGER_LEVEL = re.compile(rf"\[?({_LEVELS})\]?(?: *[-|:] *| +)")
# Python's own example format puts the logger's name between: `%(asctime)s - %(name)s -
# %(levelname)s - %(message)s`; the name stays, the level after it goes.
_NAMED_LEVEL = re.compile(rf"([\w.-]+ *[-|:] *)({_LEVELS})(?: *[-|:] *| +)")
_LEADING_LEVEL = re.compile(rf"(?:\[({_LEVELS})\] *|({_LEVELS})(?: *[-|] *|: *))")
# Marks where a JSON log's fields start in a shaped message: the renderer makes it the dim
# style's start once the message is escaped and fitted (a private-use character, one column,
# never escaped; one arriving in a line is shown as U+FFFD, so that only the shaper's dims).
FIELDS_MARK = "\ue000"
# A value shown bare unless it holds what would make `key=value` ambiguous.
_BARE = re.compile(r"[^\s=\"']+")


def shape_message(message: str, level: str | None, timestamp: Any) -> str:
    """`message` as a person reads it; `level` is the one shown in the prefix, `timestamp` the
    record's (epoch nanoseconds as a string, as the API sends it). A JSON log's fields follow
    its message after a space and FIELDS_MARK, each escaped, for the renderer to dim."""
    if FIELDS_MARK in message:
        message = message.replace(FIELDS_MARK, "\ufffd")
    first = message[:1]
    if first == "{":
        return _json(message, level, timestamp)
    # A logging line starts with its time, a bracket or an upper-case level: nothing else is
    # looked at further (most messages are answered by this one test).
    if first.isdigit() or first == "[" or first.isupper():
        return _logger_line(message, level, timestamp)
    return message


def _json(message: str, level: str | None, timestamp: Any) -> str:
    """A JSON log's message, then its fields that the prefix does not already show."""
    text = message.rstrip()
    if not text.endswith("}") or len(text) > MAX_JSON_CHARACTERS:
        return message
    try:
        fields = json.loads(text)
    except (ValueError, RecursionError):
        return message
    if not isinstance(fields, dict):
        return message
    key = next((k for k in MESSAGE_KEYS if isinstance(fields.get(k), str)), None)
    if key is None:
        return message
    shown: str = fields.pop(key)
    rest = [
        f"{inert(str(name))}={_value(value)}"
        for name, value in fields.items()
        if not _repeats(name, value, level, timestamp)
    ]
    return f"{shown} {FIELDS_MARK}{' '.join(rest)}" if rest else shown


def _value(value: Any) -> str:
    """A field's value, compact and on one line: a plain word bare, anything else as JSON."""
    if isinstance(value, str) and _BARE.fullmatch(value):
        return inert(value)
    return inert(json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str))


def _repeats(name: object, value: Any, level: str | None, timestamp: Any) -> bool:
    """Whether a JSON field says what the prefix says: the level shown, or a time within a
    second of the line's."""
    if not isinstance(name, str):
        return False
    lowered = name.lower()
    if lowered in LEVEL_KEYS:
        return isinstance(value, str) and LEVEL_WORDS.get(value.upper()) == level
    if lowered in TIME_KEYS:
        seconds = _seconds_of(value)
        return seconds is not None and _near(seconds, timestamp)
    return False


def _seconds_of(value: Any) -> float | None:
    """Epoch seconds of a JSON log's time: a number (seconds, milliseconds or nanoseconds) or
    an ISO 8601 text; None if it is neither."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
        while number > 1e11:  # milliseconds, microseconds, nanoseconds
            number /= 1000
        return number
    if isinstance(value, str):
        match = _LOGGER_TIME.match(value + " ")
        if match is not None:
            return _epoch(match)
    return None


def _epoch(match: re.Match[str]) -> float:
    """The matched date and time (to the second) as epoch seconds, read as UTC."""
    parts = tuple(int(group) for group in match.groups())
    return float(calendar.timegm((*parts, 0, 0, 0)))


def _near(seconds: float, timestamp: Any) -> bool:
    """Whether `seconds` is the line's own time, to the second: read as UTC, or as this
    machine's local time (a logger formats in its container's zone, mostly UTC). The line's
    time in any form the prefix reads (the API's nanoseconds, a number, RFC 3339)."""
    ns = timestamp_ns(timestamp)
    if ns is None:
        return False
    ours = ns // 1_000_000_000
    local_offset = -time.localtime(ours).tm_gmtoff
    return any(abs(seconds + shift - ours) <= 1 for shift in (0, local_offset))


def _logger_line(message: str, level: str | None, timestamp: Any) -> str:
    """A Python logging line without the time and level that repeat ours; otherwise as it came.
    A time that is not ours (a line about another moment) keeps the level after it too."""
    rest = message
    match = _LOGGER_TIME.match(rest)
    if match is not None:
        if not _near(_epoch(match), timestamp):
            return message
        rest = rest[match.end() :]
        found = _LOGGER_LEVEL.match(rest)
        if found is not None and LEVEL_WORDS[found.group(1)] == level:
            return rest[found.end() :] or message
        named = _NAMED_LEVEL.match(rest)
        if named is not None and LEVEL_WORDS[named.group(2)] == level:
            return named.group(1) + rest[named.end() :]
        return rest or message
    found = _LEADING_LEVEL.match(rest)
    if found is not None and LEVEL_WORDS[found.group(found.lastindex or 1)] == level:
        return rest[found.end() :] or message
    return message  # no time of ours and no level of ours: nothing repeats
