"""Log levels: the four the API knows, their order, the one table of their spellings, the level a
line shows, and the one predicate "shown at or above L" every filter and count uses.

A line's level is decided here and nowhere else (`effective_level`): the record's `level` when it
is a spelling of LEVEL_SPELLINGS, else the level its message shows (`detect_level`). The text
output shows that level, `-o jsonl` writes it as `shown_level`, and `--level` (locally),
`--fail-on`, `--summary` and `stats` select and count by it (`shown_at_least`, `level_at_least`).

Imported on the hot path of every renderer, so it stays stdlib-only and cheap: the regular
expressions are compiled on first use, and detection runs only for records whose `level` is not
a level spelling (null, empty, or a word such as "VERBOSE").
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any

__all__ = [
    "FLAG_SPELLINGS",
    "LEVELS",
    "LEVEL_RANK",
    "LEVEL_SPELLINGS",
    "detect_level",
    "effective_level",
    "level_at_least",
    "normalize_level",
    "shown_at_least",
]

LEVELS: tuple[str, ...] = ("DEBUG", "INFO", "WARNING", "ERROR")
LEVEL_RANK: dict[str, int] = {level: rank for rank, level in enumerate(LEVELS)}

# The one table of level spellings, lower case: the four the API sends (LEVELS) and those seen in
# the wild (Python logging, logfmt, glog, syslog, zap, pino, log4j), read leniently in a record's
# `level`, in a message's text and, for FLAG_SPELLINGS, in --level and --fail-on. Everything worse
# than an error collapses into ERROR: the API has no level above it.
LEVEL_SPELLINGS: dict[str, str] = {
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
# The spellings --level and --fail-on take: the API's four and the two short forms.
FLAG_SPELLINGS: frozenset[str] = frozenset({*(level.lower() for level in LEVELS), "warn", "err"})
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
    return LEVEL_SPELLINGS.get(text.strip().lower())


def effective_level(record: Mapping[str, Any]) -> str | None:
    """The level a line shows: its `level` field when that is a level spelling, else the one its
    message shows (a null, empty or unknown `level`, such as "VERBOSE", says nothing)."""
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


def level_at_least(level: str | None, min_level: str) -> bool:
    """Whether a shown level (one of LEVELS, or None for none) is `min_level` or above."""
    return level is not None and LEVEL_RANK[level] >= LEVEL_RANK[min_level]


def shown_at_least(min_level: str) -> Callable[[Mapping[str, Any]], bool]:
    """The one predicate "the line is shown at `min_level` or above", by `effective_level`: what
    the text output shows is what --level keeps locally and what --fail-on and stats count."""
    floor = LEVEL_RANK[min_level]
    # The four spellings the API sends, answered by one look-up: detection runs only for others.
    passing = {level: rank >= floor for level, rank in LEVEL_RANK.items()}

    def at_least(record: Mapping[str, Any]) -> bool:
        level = record.get("level")
        if level.__class__ is str and level in passing:
            return passing[level]
        found = effective_level(record)
        return found is not None and LEVEL_RANK[found] >= floor

    return at_least


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
        return _GLOG[glog] if glog else LEVEL_SPELLINGS[word.lower()]
    if _TRACEBACK in message:
        return "ERROR"
    head = message[:_SCAN].lower()
    for telltale, pattern in patterns.anywhere:
        if telltale in head:
            match = pattern.search(head)
            if match is not None:
                return LEVEL_SPELLINGS[match.group(1)]
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
