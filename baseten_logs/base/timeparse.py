"""Reads the times users and CI systems type (`15m`, `20:00`, RFC 3339, `date +%s`) as epoch ms,
in a time zone, and writes times back with their zone marked."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone, tzinfo

from baseten_logs.base.errors import UsageError

FORMATS_HELP = (
    "a duration ago (90s, 15m, 2h30m, 3d, 1w), 'now', a time of day (20:00, the last one past), "
    "today, yesterday, a weekday (monday), an ISO-8601/RFC 3339 time "
    "(2026-11-27T10:00:00Z; no zone = local time), or epoch seconds/milliseconds"
)
ZONES_HELP = "utc, local, an IANA name such as Europe/Paris, or an offset such as +01:00"

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


_EPOCH_UTC = datetime(1970, 1, 1, tzinfo=timezone.utc)
_ONE_DAY = timedelta(days=1)


def _ms_of(moment: datetime) -> int:
    """Epoch ms of an aware datetime, rounded half up, in integers (a float loses microseconds)."""
    micros = (moment - _EPOCH_UTC) // timedelta(microseconds=1)
    return (micros + 500) // 1000


@dataclass(frozen=True)
class Zone:
    """Where wall-clock times are read and shown: UTC, the machine's local zone, an IANA zone or
    a fixed offset.

    Local is `tz=None`, not a fixed offset taken at start-up: its offset changes with daylight
    saving, and the C library's idea of it (TZ, /etc/localtime) is the one every other tool on
    the machine shows."""

    name: str
    tz: tzinfo | None

    @property
    def is_utc(self) -> bool:
        return self.tz is not None and self.tz == timezone.utc

    def wall(self, epoch_ms: int) -> datetime:
        """The wall-clock time (naive) that this zone shows at an instant."""
        aware = (_EPOCH_UTC + timedelta(milliseconds=epoch_ms)).astimezone(self.tz)
        return aware.replace(tzinfo=None)

    def instant_ms(self, wall: datetime) -> int:
        """Epoch ms of a wall-clock time in this zone. When clocks go back, the hour that comes
        twice is read as its first pass; a time skipped when they go forward as if they had not."""
        aware = wall.astimezone() if self.tz is None else wall.replace(tzinfo=self.tz)
        return _ms_of(aware)


UTC = Zone("UTC", timezone.utc)
LOCAL = Zone("local", None)
# Spellings of UTC itself, which shows `Z` (an IANA zone that happens to be at +00:00 does not).
_UTC_NAMES = frozenset(
    {"utc", "z", "zulu", "universal", "etc/utc", "etc/zulu", "etc/universal", "etc/uct", "uct"}
)
# +5, +05, +0530, +05:30, +5:30 (and UTC+2, GMT+2 as people say them); never +123, which
# could be +01:23 or +12:03.
_OFFSET = re.compile(
    r"(?:utc|gmt)?(?P<sign>[+-])"
    r"(?:(?P<h>\d{1,2}):(?P<m>\d{2})|(?P<hh>\d{2})(?P<mm>\d{2})|(?P<hours>\d{1,2}))",
    re.IGNORECASE,
)
MAX_ZONE_CHARACTERS = 80  # the longest IANA name has 32; more is not a zone, and is not echoed


def parse_zone(text: str, *, flag: str = "--tz") -> Zone:
    """The zone of `--tz`-style input: utc, local, an IANA name, or a fixed offset (+05:30).

    An IANA name is matched without regard to case (`europe/paris`), as people type it;
    zoneinfo itself is case-sensitive wherever the file system is."""
    value = text.strip()
    if not value:
        raise UsageError(flag, "is empty", hint=f"give {ZONES_HELP}")
    lowered = value.lower()
    if lowered == "local":
        return LOCAL
    if lowered in _UTC_NAMES:
        return UTC
    if (offset := _OFFSET.fullmatch(value)) is not None:
        return _fixed_zone(offset, text=value, flag=flag)
    return _iana_zone(value, flag=flag)


def _fixed_zone(match: re.Match[str], *, text: str, flag: str) -> Zone:
    hours = int(match["h"] or match["hh"] or match["hours"])
    minutes = int(match["m"] or match["mm"] or 0)
    sign = match["sign"]
    if hours > 23 or minutes > 59:
        raise UsageError(flag, f"{text!r} is not a UTC offset", hint="e.g. +01:00 or -05:30")
    delta = timedelta(hours=hours, minutes=minutes) * (-1 if sign == "-" else 1)
    return Zone(_offset_text(delta), timezone(delta))


def _iana_zone(value: str, *, flag: str) -> Zone:
    import zoneinfo  # only for a named zone: nothing else pays for it

    shown = value if len(value) <= MAX_ZONE_CHARACTERS else value[:MAX_ZONE_CHARACTERS] + "…"
    if len(value) <= MAX_ZONE_CHARACTERS:
        try:
            return Zone(value, zoneinfo.ZoneInfo(value))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
            pass  # not a zone (a path, a directory, a file that is no TZif): looked at below
    names = zoneinfo.available_timezones()
    if not names:
        raise UsageError(
            flag,
            f"cannot read the zone {shown!r}: this machine has no time zone database",
            hint="install one (the OS's tzdata package, or pip install tzdata), "
            "or give utc, local or an offset such as +01:00",
        )
    by_case = {name.lower(): name for name in names}
    if (name := by_case.get(value.lower())) is not None:
        return Zone(name, zoneinfo.ZoneInfo(name))
    import difflib  # an error's suggestion only

    close = difflib.get_close_matches(value.lower(), by_case, n=1)
    guess = f"did you mean {by_case[close[0]]}? " if close else ""
    raise UsageError(flag, f"unknown time zone {shown!r}", hint=f"{guess}give {ZONES_HELP}")


def _offset_text(offset: timedelta) -> str:
    """`+01:00`, `-05:30`; with seconds only when a zone's history has them (`+00:09:21`)."""
    seconds = int(offset.total_seconds())
    sign = "-" if seconds < 0 else "+"
    hours, rest = divmod(abs(seconds), 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{sign}{hours:02d}:{minutes:02d}" + (f":{seconds:02d}" if seconds else "")


_CLOCK = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,6}))?)?")
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_CLOCK_HINT = "hours 0-23, minutes and seconds 0-59, e.g. 20:00 or 20:00:30"


def _day_of(word: str, today: date) -> tuple[date, bool] | None:
    """(the day, whether it was a weekday) for `today`, `yesterday` or a weekday (`mon`,
    `tues`, `monday`: its most recent one, today included); None for any other word."""
    if word == "today":
        return today, False
    if word == "yesterday":
        return today - _ONE_DAY, False
    if len(word) >= 3:  # three letters tell every weekday apart
        for number, name in enumerate(_WEEKDAYS):
            if name.startswith(word):
                return today - timedelta(days=(today.weekday() - number) % 7), True
    return None


def _clock_of(text: str, *, flag: str) -> time | None:
    match = _CLOCK.fullmatch(text)
    if match is None:
        return None
    hour, minute, second = (int(match.group(n) or 0) for n in (1, 2, 3))
    if hour > 23 or minute > 59 or second > 59:
        raise UsageError(flag, f"{text!r} is not a time of day", hint=_CLOCK_HINT)
    micros = int((match.group(4) or "").ljust(6, "0"))
    return time(hour, minute, second, micros)


def _wall_clock(
    value: str, *, flag: str, now_ms: int, zone: Zone, relative_to_ms: int | None
) -> int | None:
    """`20:00`, `today`, `yesterday`, `monday`, or a day and a time (`yesterday 20:00`), read
    in `zone`; None when `value` is none of these.

    A time of day alone is its most recent past occurrence (at 02:00, `20:00` is last night,
    as `--since 20:00` is meant after midnight), except that an `--until` time of day is never
    before `--since`: then it is the first one after it. A weekday is never in the future:
    `monday` on a Monday is today at 00:00, and `monday 09:00` at 08:00 is a week ago.
    """
    words = value.lower().split()
    if not 1 <= len(words) <= 2:
        return None
    today = zone.wall(now_ms).date()
    day = _day_of(words[0], today)
    if day is None:
        clock = _clock_of(words[0], flag=flag) if len(words) == 1 else None
        if clock is None:
            return None
        return _time_of_day(clock, today, zone=zone, now_ms=now_ms, since=relative_to_ms)
    clock = time() if len(words) == 1 else _clock_of(words[1], flag=flag)
    if clock is None:
        return None
    (when, weekday) = day
    moment = zone.instant_ms(datetime.combine(when, clock))
    if weekday and moment > now_ms:
        moment = zone.instant_ms(datetime.combine(when - timedelta(days=7), clock))
    return moment


def _time_of_day(clock: time, today: date, *, zone: Zone, now_ms: int, since: int | None) -> int:
    moment = zone.instant_ms(datetime.combine(today, clock))
    if moment > now_ms:
        moment = zone.instant_ms(datetime.combine(today - _ONE_DAY, clock))
    if since is not None and moment < since:
        after = zone.wall(since).date()
        moment = zone.instant_ms(datetime.combine(after, clock))
        if moment < since:
            moment = zone.instant_ms(datetime.combine(after + _ONE_DAY, clock))
    return moment


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


# A second's fraction of any length, with a point or a comma (RFC 3339, ISO 8601).
_FRACTION = re.compile(r"(?<=:\d\d)[.,](\d+)")


def _parse_iso(text: str, zone: Zone) -> int | None:
    candidate = text.strip()
    if candidate[-1:] in ("Z", "z"):
        candidate = candidate[:-1] + "+00:00"
    # Python 3.10's fromisoformat reads only 3 or 6 digits after a point (`.5`, the API's 9 of
    # nanoseconds and a comma were no time there); 3.11 reads any, keeping 6. Read so on each.
    candidate = _FRACTION.sub(lambda m: "." + m[1][:6].ljust(6, "0"), candidate, count=1)
    try:
        moment = datetime.fromisoformat(candidate)
    except ValueError:
        return None
    if moment.tzinfo is None:
        return zone.instant_ms(moment)  # a time without a zone is read in the zone asked for
    return _ms_of(moment)  # an explicit offset or Z keeps its own zone


def parse_when(
    text: str,
    *,
    flag: str,
    now_ms: int,
    relative_to_ms: int | None = None,
    zone: Zone = LOCAL,
) -> int:
    """Epoch milliseconds for one `--since`/`--until` value.

    Durations count back from `now_ms` (an optional leading `-` says the same). A leading `+`
    counts forward from `relative_to_ms` (the other end of the window), so a CI job can say
    `--since $START --until +10m`. Wall-clock input (`20:00`, `yesterday`, `monday`, an ISO
    time without an offset) is read in `zone`; an ISO time with an offset or `Z` keeps its own.
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
    try:
        parsed = _wall_clock(
            value, flag=flag, now_ms=now_ms, zone=zone, relative_to_ms=relative_to_ms
        )
        if parsed is None:
            parsed = _parse_iso(value, zone)
    except (OverflowError, ValueError, OSError):  # year 1 in a zone west of UTC: year 0
        raise UsageError(flag, f"{text[:40]!r} is not a usable time", hint=FORMATS_HELP) from None
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


def format_in_zone(epoch_ms: int, zone: Zone, *, sep: str = " ") -> str:
    """`2026-12-06 12:00:00.123+01:00`, or `...Z` in UTC: a time in `zone` with its zone marked,
    so that a reader (or a program) never mistakes a local time for UTC."""
    try:
        moment = (_EPOCH_UTC + timedelta(milliseconds=epoch_ms)).astimezone(zone.tz)
    except (OverflowError, ValueError, OSError):  # beyond the years datetime can hold
        return f"epoch ms {epoch_ms}"
    text = moment.replace(tzinfo=None).isoformat(sep=sep, timespec="milliseconds")
    return text + zone_marker(moment.utcoffset(), utc=zone.is_utc)


def zone_marker(offset: timedelta | None, *, utc: bool) -> str:
    """`Z` for UTC itself, else the offset (`+01:00`; `+00:00` for a zone at UTC's time that is
    not UTC, as London in winter: RFC 3339 keeps the two apart)."""
    return "Z" if utc else _offset_text(offset or timedelta())


def zone_label(zone: Zone, at_ms: int) -> str:
    """How messages and table headers name a zone: `UTC`, `+05:30`, or a named zone with its
    offset at `at_ms` (`Europe/Paris +01:00`, `local -08:00`), so the reader can compare it
    with the lines' markers."""
    if zone.is_utc:
        return "UTC"
    if zone.name[:1] in "+-":
        return zone.name
    try:
        moment = (_EPOCH_UTC + timedelta(milliseconds=at_ms)).astimezone(zone.tz)
    except (OverflowError, ValueError, OSError):
        return zone.name
    return f"{zone.name} {zone_marker(moment.utcoffset(), utc=False)}"
