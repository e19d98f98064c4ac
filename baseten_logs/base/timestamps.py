"""A log line's time in epoch nanoseconds, from any form the (beta) logs endpoint may send.

The documented form is a string of epoch nanoseconds, and that is the hot path: one length
check, one `isdigit`, one `int`. The endpoint is beta, so every plausible other form is read
too: JSON integers and floats, epoch seconds, milliseconds, microseconds or nanoseconds as
strings or numbers (told apart by size), and RFC 3339 with any number of fraction digits and
`Z` or an offset. Anything else is None: the caller decides what an unreadable time means.

Nothing a server sends can raise here: a number too large for a float (`1e400` is inf), a string
of 5,000 digits (too long for `int`), a time past the year 2286 are all None, an unreadable time,
so every reader sees one range of times (what the text output can show), not a crash.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from typing import Any

__all__ = ["record_ms", "record_ns", "timestamp_ns"]

# Epoch numbers are read by size, as `--since` reads them: below 1e11 seconds (the year 5138),
# below 1e14 milliseconds, below 1e17 microseconds, else nanoseconds.
_SECONDS_BELOW = 10**11
_MILLIS_BELOW = 10**14
_MICROS_BELOW = 10**17
_NS_PER = {0: 1_000_000_000, 1: 1_000_000, 2: 1_000, 3: 1}
# Epoch ns from 2001-09-09 to 2286-11-20 (19 digits): every time a log line can have.
_NS_LOW = 10**18
_NS_HIGH = 10**19
# Digits in the whole part of an epoch number that can still be below _NS_HIGH (leading zeros
# aside): a longer one is no time, and is not handed to int(), which refuses 4,300 digits.
_MAX_WHOLE_DIGITS = 19
_DECIMAL = re.compile(r"(\d+)(?:\.(\d*))?")
_RFC3339 = re.compile(
    r"(\d{4}-\d{2}-\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d+))?\s*"
    r"(?:([Zz])|([+-])(\d{2}):?(\d{2}))"
)
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def timestamp_ns(value: object) -> int | None:
    """Epoch nanoseconds of a line's `timestamp`, or None when it cannot be read as a time.

    Always within 1970 to 2286 (19 digits of nanoseconds): a time outside it is no time."""
    if type(value) is str:
        try:
            ns = int(value)  # the documented form: 19 digits
        except ValueError:
            ns = -1
        if _NS_LOW <= ns < _NS_HIGH:
            return ns
    ns_or_none = _other_forms(value)
    return ns_or_none if ns_or_none is not None and 0 <= ns_or_none < _NS_HIGH else None


def _other_forms(value: object) -> int | None:
    """Nanoseconds of any other form (unchecked: the caller keeps what lies in the range)."""
    if type(value) is str:
        return _from_text(value)
    if type(value) is int:  # not bool: True is no time
        return _from_number(value, None) if value >= 0 else None
    if type(value) is float:
        if not math.isfinite(value) or value < 0:
            return None
        # repr is the shortest text that reads back as this float: no binary noise.
        return _from_text(repr(value))
    return None


def record_ns(record: Mapping[str, Any]) -> int | None:
    """Epoch nanoseconds of a record's time, or None when it has none that can be read."""
    return timestamp_ns(record.get("timestamp"))


def record_ms(record: Mapping[str, Any]) -> int | None:
    """The epoch millisecond of a record's time (what the API's windows are made of), or None."""
    # The hot path (every line, several times): as cheap as reading the documented form can be.
    # int() also takes other types and spellings; the range keeps only what is surely ns.
    try:
        ns = int(record["timestamp"])
    except (KeyError, TypeError, ValueError, OverflowError):  # OverflowError: inf, `1e400`
        ns = -1
    if _NS_LOW <= ns < _NS_HIGH:
        return ns // 1_000_000
    ns_or_none = timestamp_ns(record.get("timestamp"))
    return None if ns_or_none is None else ns_or_none // 1_000_000


def _from_text(text: str) -> int | None:
    text = text.strip()
    match = _DECIMAL.fullmatch(text)
    if match is not None:
        if not text.isascii() or len(match[1].lstrip("0")) > _MAX_WHOLE_DIGITS:
            return None
        return _from_number(int(match[1]), match[2] or None)
    if "e" in text.lower():  # a float's repr: 1.764e+18
        try:
            number = float(text)
        except ValueError:
            return None
        if not math.isfinite(number) or number < 0:  # 1e999 is inf
            return None
        return _from_number(int(number), None)
    return _from_rfc3339(text)


def _from_number(whole: int, fraction: str | None) -> int:
    """Nanoseconds of an epoch number in the unit its size says, fraction digits kept exactly."""
    if whole < _SECONDS_BELOW:
        unit = 0
    elif whole < _MILLIS_BELOW:
        unit = 1
    elif whole < _MICROS_BELOW:
        unit = 2
    else:
        unit = 3
    per = _NS_PER[unit]
    ns = whole * per
    if fraction and per > 1:
        digits = len(str(per)) - 1  # fraction digits that still fall on a whole nanosecond
        ns += int(fraction[:digits].ljust(digits, "0"))
    return ns


def _from_rfc3339(text: str) -> int | None:
    match = _RFC3339.fullmatch(text)
    if match is None or not text.isascii():
        return None
    day, hour, minute, second, fraction, zulu, sign, off_h, off_m = match.groups()
    base = _midnight_ns(day)
    if base is None:
        return None
    h, m, s = int(hour), int(minute), int(second)
    if h > 23 or m > 59 or s > 60:  # 60: a leap second, as RFC 3339 allows
        return None
    offset = 0 if zulu else (int(off_h) * 60 + int(off_m)) * (1 if sign == "+" else -1)
    seconds = h * 3600 + m * 60 + s - offset * 60
    ns = base + seconds * 1_000_000_000
    if fraction:
        ns += int(fraction[:9].ljust(9, "0"))
    return ns if ns >= 0 else None


@lru_cache(maxsize=64)
def _midnight_ns(day: str) -> int | None:
    """Epoch ns of 00:00 UTC on a `YYYY-MM-DD` day (a window spans few days: cached)."""
    try:
        moment = datetime.strptime(day, "%Y-%m-%d").replace(tzinfo=timezone.utc)
    except ValueError:
        return None
    return (moment - _EPOCH) // timedelta(microseconds=1) * 1000
