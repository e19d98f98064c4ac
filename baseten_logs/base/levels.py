"""Log levels: the four the API knows, their order, and detecting a level from a message's text.

Imported on the hot path of every renderer, so it stays stdlib-only and cheap: the regular
expressions are compiled once at import, and detection runs only for records whose `level` the API
left empty.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

__all__ = ["LEVELS", "LEVEL_RANK", "detect_level", "effective_level", "normalize_level"]

LEVELS: tuple[str, ...] = ("DEBUG", "INFO", "WARNING", "ERROR")
LEVEL_RANK: dict[str, int] = {level: rank for rank, level in enumerate(LEVELS)}

# Spellings seen in the wild (Python logging, logfmt, glog, syslog, zap, pino, log4j), lower case.
# Everything worse than an error collapses into ERROR: the API has no level above it.
_ALIASES: dict[str, str] = {
    "trace": "DEBUG",
    "debug": "DEBUG",
    "dbg": "DEBUG",
    "info": "INFO",
    "notice": "INFO",
    "warn": "WARNING",
    "warning": "WARNING",
    "err": "ERROR",
    "error": "ERROR",
    "crit": "ERROR",
    "critical": "ERROR",
    "fatal": "ERROR",
    "panic": "ERROR",
    "alert": "ERROR",
    "emerg": "ERROR",
    "exception": "ERROR",
}
_GLOG: dict[str, str] = {"I": "INFO", "W": "WARNING", "E": "ERROR", "F": "ERROR"}
_JSON_KEYS = ("levelname", "level", "severity")

# The alternation lists only level words, so the first match is the answer and no search has to
# skip past look-alikes such as "[main]" or "ERROR_COUNT".
_WORD = r"trace|debug|dbg|info|notice|warn(?:ing)?|err(?:or)?|crit(?:ical)?|fatal|panic|exception"


class _Patterns:
    """The detection patterns, compiled on first use: compiling them takes about a millisecond
    that JSON and raw output (and text whose records all carry a level) never need to spend."""

    def __init__(self) -> None:
        # Anchored at the start of the message: `INFO:     ...` (uvicorn), `WARNING:root:...`
        # (Python's basicConfig format), `Error: ...`, and glog's `W1127 10:00:00.123456`.
        self.prefix = re.compile(rf"(?i:({_WORD})):|([IWEF])\d{{4}} \d\d:\d\d:\d\d\.\d")
        # Anywhere in the first _SCAN characters of the lower-cased message: `[ERROR]`, logfmt
        # `level=warn` / `level="error"`, and Python logging's default format
        # `%(asctime)s - %(name)s - %(levelname)s - %(message)s`. Each is searched for only when
        # a C-speed substring test finds its telltale, and each starts with that literal, which
        # lets the regex engine skip ahead: a failing search costs microseconds otherwise.
        self.anywhere: tuple[tuple[str, re.Pattern[str]], ...] = (
            ("[", re.compile(rf"\[({_WORD})\]")),
            ("level=", re.compile(rf"level=\"?({_WORD})\b")),
            ("lvl=", re.compile(rf"lvl=\"?({_WORD})\b")),
            (" - ", re.compile(rf" - ({_WORD}) - ")),
        )


_patterns: _Patterns | None = None

# Level markers sit near the start of a line; bounding the scan keeps a long message (a request
# body, a base64 blob) from costing more than a short one.
_SCAN = 200
_TRACEBACK = "Traceback (most recent call last)"


def normalize_level(text: str) -> str | None:
    """Map a level spelling (`warn`, `Error`, `CRITICAL`, `trace`...) to one of LEVELS, or None."""
    return _ALIASES.get(text.strip().lower())


def effective_level(record: Mapping[str, Any]) -> str | None:
    """The record's level for display and filtering: the API's, else one detected in the message."""
    level = record.get("level")
    if isinstance(level, str):
        if level in LEVEL_RANK:
            return level
        found = normalize_level(level)
        if found is not None:
            return found
    message = record.get("message")
    if not isinstance(message, str) or not message:
        return None
    return detect_level(message)


def detect_level(message: str) -> str | None:
    """Guess a level from a message's text; None when nothing looks like one."""
    if message.startswith("{"):
        found = _json_level(message)
        if found is not None:
            return found
    global _patterns
    if _patterns is None:
        _patterns = _Patterns()
    patterns = _patterns
    match = patterns.prefix.match(message)
    if match is not None:
        word, glog = match.groups()
        return _GLOG[glog] if glog else _ALIASES[word.lower()]
    if _TRACEBACK in message:
        return "ERROR"
    head = message[:_SCAN].lower()
    for telltale, pattern in patterns.anywhere:
        if telltale in head:
            match = pattern.search(head)
            if match is not None:
                return _ALIASES[match.group(1)]
    return None


def _json_level(message: str) -> str | None:
    """The level of a structured (JSON) log line, from its top-level level-ish key."""
    try:
        parsed = json.loads(message)
    except ValueError:  # not JSON after all (or truncated): the text patterns may still match
        return None
    if not isinstance(parsed, dict):
        return None
    for key in _JSON_KEYS:
        value = parsed.get(key)
        if isinstance(value, str):
            found = normalize_level(value)
            if found is not None:
                return found
    return None
