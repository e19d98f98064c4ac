"""Reads the times users and CI systems type (`15m`, RFC 3339, `date +%s`) as epoch ms."""

from __future__ import annotations

import re
from datetime import datetime, timezone

from baseten_logs.base.errors import UsageError

FORMATS_HELP = (
    "a duration ago (90s, 15m, 2h30m, 3d, 1w), 'now', an ISO-8601/RFC 3339 time "
    "(2026-11-27T10:00:00Z; no zone = local time), or epoch seconds/milliseconds"
)

EARLIEST_MS = 1_420_070_400_000  # 2015-01-01T00:00:00Z: older than any Baseten deployment

_UNIT_MS = {
    "ms": 1,
    "s": 1_000,
    "m": 60_000,
    "h": 3_600_000,
    "d": 86_400_000,
    "w": 604_800_000,
}
_DURATION = re.compile(r"(?:(\d+(?:\.\d+)?)(ms|s|m|h|d|w))", re.IGNORECASE)
_DURATION_FULL = re.compile(r"(?:\d+(?:\.\d+)?(?:ms|s|m|h|d|w))+", re.IGNORECASE)
_EPOCH = re.compile(r"@?\d+(?:\.\d+)?")

# Bare numbers are read by magnitude, so both `date +%s` and `date +%s%3N` work:
# below 1e11 they are seconds (1e11 s is the year 5138; 1e11 ms is 1973).
_SECONDS_BELOW = 10**11
_MILLIS_BELOW = 10**14
_MICROS_BELOW = 10**17


def parse_duration_ms(text: str) -> int | None:
    """`2h30m` -> 9_000_000; None when `text` is not a duration."""
    if not _DURATION_FULL.fullmatch(text):
        return None
    total = 0.0
    for number, unit in _DURATION.findall(text):
        total += float(number) * _UNIT_MS[unit.lower()]
    return int(min(total, 1e18))  # 300 digits would be inf; callers refuse absurd times


def _parse_epoch(text: str) -> int:
    if text.startswith("@"):  # GNU date's explicit seconds
        return int(float(text[1:]) * 1000)
    value = float(text)
    if value < _SECONDS_BELOW:
        return int(value * 1000)
    if value < _MILLIS_BELOW:
        return int(value)
    if value < _MICROS_BELOW:
        return int(value // 1000)
    return int(value // 1_000_000)


def _parse_iso(text: str) -> int | None:
    candidate = text.strip()
    if candidate[-1:] in ("Z", "z"):
        candidate = candidate[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(candidate)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.astimezone()  # a time without a zone is local time
    return int(moment.astimezone(timezone.utc).timestamp() * 1000 + 0.5)


def parse_when(
    text: str,
    *,
    flag: str,
    now_ms: int,
    relative_to_ms: int | None = None,
) -> int:
    """Epoch milliseconds for one `--since`/`--until` value.

    Durations count back from `now_ms` (an optional leading `-` says the same). A leading `+`
    counts forward from `relative_to_ms` (the other end of the window), so a CI job can say
    `--since $START --until +10m`.
    """
    value = text.strip()
    if not value:
        raise UsageError(flag, "is empty", hint=f"give {FORMATS_HELP}")
    if value.lower() == "now":
        return now_ms
    if value[0] == "+":
        duration = parse_duration_ms(value[1:])
        if duration is None:
            raise UsageError(flag, f"cannot read {text!r} as +DURATION", hint="e.g. +10m")
        if relative_to_ms is None:
            if flag == "--until":
                raise UsageError(
                    flag, f"{text!r} counts from --since, which is missing", hint="e.g. --since 2h"
                )
            raise UsageError(
                flag, f"{text!r}: only --until counts from the other end", hint="e.g. 10m"
            )
        return relative_to_ms + duration
    duration = parse_duration_ms(value[1:] if value[0] == "-" else value)
    if duration is not None:
        return now_ms - duration
    if _EPOCH.fullmatch(value):
        try:
            return _parse_epoch(value)
        except (OverflowError, ValueError):  # 300 digits: a float's inf or nan
            raise UsageError(
                flag, f"{text[:40]!r} is not a usable time", hint=FORMATS_HELP
            ) from None
    parsed = _parse_iso(value)
    if parsed is not None:
        return parsed
    raise UsageError(flag, f"cannot read {text!r} as a time", hint=f"give {FORMATS_HELP}")


def format_ms(epoch_ms: int) -> str:
    """An epoch millisecond as RFC 3339 UTC, for messages."""
    try:
        moment = datetime.fromtimestamp(epoch_ms / 1000, tz=timezone.utc)
    except (OverflowError, ValueError, OSError):  # beyond the years datetime can hold
        return f"epoch ms {epoch_ms}"
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def span(ms: int) -> str:
    """A duration the way people say it: `45s`, `3h 10m`, `20d 4h`."""
    seconds = ms // 1000
    units = (("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1))
    parts = []
    for name, size in units:
        if seconds >= size:
            parts.append(f"{seconds // size}{name}")
            seconds %= size
        if len(parts) == 2:
            break
    return " ".join(parts) if parts else f"{ms}ms"
