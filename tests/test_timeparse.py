from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from baseten_logs.base.errors import UsageError
from baseten_logs.base.timeparse import (
    EARLIEST_MS,
    FORMATS_HELP,
    LOCAL,
    UTC,
    ZONES_HELP,
    format_in_zone,
    format_ms,
    parse_duration_ms,
    parse_when,
    parse_zone,
    span,
    zone_label,
)

NOW = 1_764_150_000_000  # 2025-11-26T09:40:00Z


@pytest.mark.parametrize(
    ("text", "ms"),
    [
        ("90s", 90_000),
        ("15m", 900_000),
        ("2h30m", 9_000_000),
        ("3d", 259_200_000),
        ("1w", 604_800_000),
        ("1d12h", 129_600_000),
        ("500ms", 500),
        ("1.5h", 5_400_000),
        ("2H", 7_200_000),
    ],
)
def test_durations(text: str, ms: int) -> None:
    assert parse_duration_ms(text) == ms
    assert parse_when(text, flag="--since", now_ms=NOW) == NOW - ms
    assert parse_when("-" + text, flag="--since", now_ms=NOW) == NOW - ms


@pytest.mark.parametrize(
    ("text", "ms"),
    [
        ("2025-11-26T09:40:00Z", NOW),
        ("2025-11-26T09:40:00.250Z", NOW + 250),
        ("2025-11-26T11:40:00+02:00", NOW),
        ("2025-11-26 09:40:00+00:00", NOW),
        ("1764150000", NOW),  # date +%s
        ("1764150000.5", NOW + 500),  # date +%s.%N
        ("@1764150000", NOW),
        ("1764150000000", NOW),  # epoch ms
        ("1764150000000000", NOW),  # epoch us
        ("1764150000000000000", NOW),  # epoch ns
        ("now", NOW),
        ("NOW", NOW),
    ],
)
def test_absolute_times(text: str, ms: int) -> None:
    assert parse_when(text, flag="--until", now_ms=NOW) == ms


def test_time_without_zone_is_local(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Asia/Kolkata")  # +05:30, no daylight saving
    time.tzset()
    try:
        assert parse_when("2025-11-26T15:10:00", flag="--since", now_ms=NOW) == NOW
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


def test_plus_counts_from_the_other_end() -> None:
    assert parse_when("+10m", flag="--until", now_ms=NOW, relative_to_ms=1000) == 601_000


@pytest.mark.parametrize("text", ["", "  ", "someday", "10x", "+10m", "+soon", "2025-13-01"])
def test_bad_times_name_the_flag(text: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_when(text, flag="--since", now_ms=NOW)
    assert str(caught.value).startswith("--since: ")


@given(st.integers(min_value=0, max_value=4_000_000_000_000))
def test_rfc3339_round_trip(ms: int) -> None:
    assert parse_when(format_ms(ms), flag="--since", now_ms=NOW) == ms


@given(
    st.lists(
        st.tuples(st.integers(min_value=1, max_value=999), st.sampled_from("smhdw")),
        min_size=1,
        max_size=4,
    )
)
def test_duration_sums_its_parts(parts: list[tuple[int, str]]) -> None:
    unit = {"s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 604_800_000}
    text = "".join(f"{n}{u}" for n, u in parts)
    assert parse_duration_ms(text) == sum(n * unit[u] for n, u in parts)


def test_format_ms() -> None:
    assert format_ms(NOW) == "2025-11-26T09:40:00.000Z"
    assert format_ms(NOW + 7) == "2025-11-26T09:40:00.007Z"  # milliseconds, always in UTC
    assert format_ms(10**18) == f"epoch ms {10**18}"  # beyond datetime: still a message


@pytest.mark.parametrize(
    ("text", "flag", "relative_to", "error"),
    [
        ("", "--since", None, f"--since: is empty (give {FORMATS_HELP})"),
        ("+soon", "--until", 1, "--until: cannot read '+soon' as +DURATION (e.g. +10m)"),
        (
            "+10m",
            "--until",
            None,
            "--until: '+10m' counts from --since, which is missing (e.g. --since 2h)",
        ),
        (
            "+10m",
            "--since",
            None,
            "--since: '+10m': only --until counts from the other end (e.g. 10m)",
        ),
        (
            "9" * 400,
            "--since",
            None,
            f"--since: {'9' * 40!r} is not a usable time ({FORMATS_HELP})",
        ),
        (
            "someday",
            "--until",
            None,
            f"--until: cannot read 'someday' as a time (give {FORMATS_HELP})",
        ),
    ],
)
def test_bad_times_say_what_is_wrong_and_how_to_fix_it(
    text: str, flag: str, relative_to: int | None, error: str
) -> None:
    with pytest.raises(UsageError) as caught:
        parse_when(text, flag=flag, now_ms=NOW, relative_to_ms=relative_to)
    assert str(caught.value) == error and caught.value.flag == flag


@pytest.mark.parametrize(
    ("text", "ms"),
    [
        ("99999999999", 99_999_999_999_000),  # below 1e11: seconds
        ("100000000000", 100_000_000_000),  # from 1e11: milliseconds
        ("100000000000000", 100_000_000_000),  # from 1e14: microseconds
        ("100000000000000000", 100_000_000_000),  # from 1e17: nanoseconds
    ],
)
def test_bare_numbers_are_read_by_magnitude_at_the_boundaries(text: str, ms: int) -> None:
    assert parse_when(text, flag="--since", now_ms=NOW) == ms


def test_a_lower_case_z_is_utc() -> None:
    assert parse_when("2025-11-26T09:40:00z", flag="--since", now_ms=0) == NOW


# Times as people type them, in a zone (issue #27). NOW is a Wednesday, 09:40 UTC.


def at(text: str) -> int:
    """Epoch ms of an RFC 3339 time with its offset (the expected values, written plainly)."""
    return parse_when(text, flag="--since", now_ms=NOW)


@pytest.fixture
def local_zone(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], None]]:
    """Sets the machine's local zone (TZ) for one test, and puts it back."""

    def use(name: str) -> None:
        monkeypatch.setenv("TZ", name)
        time.tzset()

    yield use
    monkeypatch.undo()
    time.tzset()


def test_an_explicit_zone_governs_input_without_an_offset(
    local_zone: Callable[[str], None],
) -> None:
    # The bug of #27: with TZ=America/Los_Angeles, `--utc --since 2026-12-06T12:00:00` was
    # read as local time. The zone asked for reads it; local stays the default.
    local_zone("America/Los_Angeles")
    text = "2026-12-06T12:00:00"
    assert parse_when(text, flag="--since", now_ms=NOW, zone=UTC) == at("2026-12-06T12:00:00Z")
    assert parse_when(text, flag="--since", now_ms=NOW, zone=parse_zone("utc")) == at(
        "2026-12-06T12:00:00Z"
    )
    assert parse_when(text, flag="--since", now_ms=NOW, zone=parse_zone("Europe/Paris")) == at(
        "2026-12-06T11:00:00Z"
    )
    assert parse_when(text, flag="--since", now_ms=NOW) == at("2026-12-06T20:00:00Z")
    assert parse_when(text, flag="--since", now_ms=NOW, zone=LOCAL) == at("2026-12-06T20:00:00Z")


@pytest.mark.parametrize("zone", ["utc", "local", "Asia/Tokyo", "-03:00"])
@pytest.mark.parametrize(
    "text", ["2026-12-06T12:00:00Z", "2026-12-06T13:00:00+01:00", "2026-12-06 07:00:00-05:00"]
)
def test_a_time_with_an_offset_keeps_its_own_zone(text: str, zone: str) -> None:
    assert parse_when(text, flag="--since", now_ms=NOW, zone=parse_zone(zone)) == at(
        "2026-12-06T12:00:00Z"
    )


@pytest.mark.parametrize("zone", ["utc", "local", "Asia/Tokyo"])
@pytest.mark.parametrize("text", ["15m", "now", "1764150000", "@1764150000", "-2h"])
def test_durations_epochs_and_now_are_the_same_in_every_zone(text: str, zone: str) -> None:
    expected = parse_when(text, flag="--since", now_ms=NOW)
    assert parse_when(text, flag="--since", now_ms=NOW, zone=parse_zone(zone)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("08:00", "2025-11-26T08:00:00Z"),  # earlier today
        ("09:40", "2025-11-26T09:40:00Z"),  # now is not the future
        ("09:40:01", "2025-11-25T09:40:01Z"),  # a second ahead: yesterday's
        ("20:00", "2025-11-25T20:00:00Z"),  # still to come today: last night's
        ("20:00:30", "2025-11-25T20:00:30Z"),
        ("8:05", "2025-11-26T08:05:00Z"),
        ("00:00", "2025-11-26T00:00:00Z"),
        ("09:00:00.250", "2025-11-26T09:00:00.250Z"),
        ("today", "2025-11-26T00:00:00Z"),
        ("Today", "2025-11-26T00:00:00Z"),
        ("yesterday", "2025-11-25T00:00:00Z"),
        ("YESTERDAY", "2025-11-25T00:00:00Z"),
        ("wednesday", "2025-11-26T00:00:00Z"),  # today is one: today at 00:00
        ("wed", "2025-11-26T00:00:00Z"),
        ("tuesday", "2025-11-25T00:00:00Z"),
        ("tues", "2025-11-25T00:00:00Z"),
        ("monday", "2025-11-24T00:00:00Z"),
        ("Mon", "2025-11-24T00:00:00Z"),
        ("sunday", "2025-11-23T00:00:00Z"),
        ("sat", "2025-11-22T00:00:00Z"),
        ("fri", "2025-11-21T00:00:00Z"),
        ("thursday", "2025-11-20T00:00:00Z"),  # never in the future: last week's
        ("thurs", "2025-11-20T00:00:00Z"),
        ("yesterday 20:00", "2025-11-25T20:00:00Z"),
        ("today 08:30", "2025-11-26T08:30:00Z"),
        ("today 23:00", "2025-11-26T23:00:00Z"),  # the day was said: taken as said
        ("monday 09:00", "2025-11-24T09:00:00Z"),
        ("wednesday 09:00", "2025-11-26T09:00:00Z"),
        ("wednesday 10:00", "2025-11-19T10:00:00Z"),  # today's is to come: a week ago
        ("  yesterday   20:00  ", "2025-11-25T20:00:00Z"),
    ],
)
def test_times_of_day_and_day_words_in_utc(text: str, expected: str) -> None:
    assert parse_when(text, flag="--since", now_ms=NOW, zone=UTC) == at(expected)


@pytest.mark.parametrize(
    ("text", "zone", "expected"),
    [
        ("15:00", "Asia/Kolkata", "2025-11-26T15:00:00+05:30"),  # it is 15:10 there
        ("15:20", "Asia/Kolkata", "2025-11-25T15:20:00+05:30"),
        ("today", "Asia/Kolkata", "2025-11-26T00:00:00+05:30"),
        ("today", "America/Los_Angeles", "2025-11-26T00:00:00-08:00"),  # 01:40 there
        ("yesterday", "Pacific/Kiritimati", "2025-11-25T00:00:00+14:00"),  # 23:40 there
        ("20:00", "Pacific/Kiritimati", "2025-11-26T20:00:00+14:00"),  # past there: today's
        ("wednesday", "Pacific/Kiritimati", "2025-11-26T00:00:00+14:00"),
        ("tuesday", "America/Los_Angeles", "2025-11-25T00:00:00-08:00"),
        ("20:00", "+01:00", "2025-11-25T20:00:00+01:00"),
    ],
)
def test_times_of_day_and_day_words_are_read_in_the_zone(
    text: str, zone: str, expected: str
) -> None:
    assert parse_when(text, flag="--since", now_ms=NOW, zone=parse_zone(zone)) == at(expected)


def test_times_of_day_use_the_local_zone_by_default(local_zone: Callable[[str], None]) -> None:
    local_zone("Asia/Kolkata")
    assert parse_when("15:00", flag="--since", now_ms=NOW) == at("2025-11-26T15:00:00+05:30")
    assert parse_when("today", flag="--since", now_ms=NOW) == at("2025-11-26T00:00:00+05:30")


def test_an_until_time_of_day_is_never_before_since() -> None:
    since = at("2025-11-26T09:00:00Z")
    # 09:50 is still to come (it is 09:40): alone it is yesterday's, before --since
    until = parse_when("09:50", flag="--until", now_ms=NOW, relative_to_ms=since, zone=UTC)
    assert until == at("2025-11-26T09:50:00Z")
    # at or after --since already: the most recent past one stays
    until = parse_when("09:20", flag="--until", now_ms=NOW, relative_to_ms=since, zone=UTC)
    assert until == at("2025-11-26T09:20:00Z")
    earlier = at("2025-11-24T21:00:00Z")
    until = parse_when("22:00", flag="--until", now_ms=NOW, relative_to_ms=earlier, zone=UTC)
    assert until == at("2025-11-25T22:00:00Z")
    # a --since from days ago: the first 08:00 after it, not today's
    until = parse_when("08:00", flag="--until", now_ms=NOW, relative_to_ms=earlier, zone=UTC)
    assert until == at("2025-11-26T08:00:00Z")
    until = parse_when("20:00", flag="--until", now_ms=NOW, relative_to_ms=earlier, zone=UTC)
    assert until == at("2025-11-25T20:00:00Z")


def test_day_words_follow_daylight_saving() -> None:
    new_york = parse_zone("America/New_York")  # clocks went back at 02:00 on 2025-11-02
    monday = at("2025-11-03T12:00:00Z")
    assert parse_when("yesterday", flag="--since", now_ms=monday, zone=new_york) == at(
        "2025-11-02T00:00:00-04:00"
    )
    assert parse_when("today", flag="--since", now_ms=monday, zone=new_york) == at(
        "2025-11-03T00:00:00-05:00"
    )
    # 01:30 came twice that night: the first pass
    assert parse_when("yesterday 01:30", flag="--since", now_ms=monday, zone=new_york) == at(
        "2025-11-02T01:30:00-04:00"
    )


@pytest.mark.parametrize("text", ["25:00", "12:60", "12:00:60", "24:00", "99:99:99"])
def test_an_impossible_time_of_day_says_so(text: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_when(text, flag="--since", now_ms=NOW, zone=UTC)
    assert str(caught.value) == (
        f"--since: {text!r} is not a time of day "
        "(hours 0-23, minutes and seconds 0-59, e.g. 20:00 or 20:00:30)"
    )


@pytest.mark.parametrize(
    "text", ["mo", "tomorrow", "monday yesterday", "today 8", "yesterday 20:00 x", "12:0", "1:2:3"]
)
def test_words_that_are_no_time_are_refused(text: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_when(text, flag="--until", now_ms=NOW, zone=UTC)
    assert str(caught.value) == f"--until: cannot read {text!r} as a time (give {FORMATS_HELP})"


def test_a_year_that_a_zone_cannot_reach_is_refused_in_one_line(
    local_zone: Callable[[str], None],
) -> None:
    local_zone("America/Los_Angeles")  # year 1 at midnight here is year 0 in UTC
    with pytest.raises(UsageError) as caught:
        parse_when("0001-01-01T00:00:00", flag="--since", now_ms=NOW)
    assert str(caught.value) == (
        f"--since: '0001-01-01T00:00:00' is not a usable time ({FORMATS_HELP})"
    )


@pytest.mark.parametrize(
    ("text", "name", "offset_hours"),
    [
        ("utc", "UTC", 0.0),
        ("UTC", "UTC", 0.0),
        ("Z", "UTC", 0.0),
        ("Etc/UTC", "UTC", 0.0),
        (" utc ", "UTC", 0.0),
        ("Europe/Paris", "Europe/Paris", 1.0),
        ("europe/paris", "Europe/Paris", 1.0),  # as people type it
        ("AMERICA/NEW_YORK", "America/New_York", -5.0),
        ("Asia/Kolkata", "Asia/Kolkata", 5.5),
        ("Europe/London", "Europe/London", 0.0),
        ("+05:30", "+05:30", 5.5),
        ("-0800", "-08:00", -8.0),
        ("+5", "+05:00", 5.0),
        ("+5:30", "+05:30", 5.5),
        ("-09", "-09:00", -9.0),
        ("UTC+2", "+02:00", 2.0),  # as people say it (Etc/GMT+2 counts the other way)
        ("GMT-3", "-03:00", -3.0),
        ("Etc/GMT+2", "Etc/GMT+2", -2.0),  # the IANA name keeps IANA's meaning
    ],
)
def test_zones(text: str, name: str, offset_hours: float) -> None:
    zone = parse_zone(text)
    assert zone.name == name
    wall = zone.wall(NOW)
    assert wall - datetime(2025, 11, 26, 9, 40) == timedelta(hours=offset_hours)
    assert zone.is_utc == (name == "UTC")


def test_local_is_the_machines_zone(local_zone: Callable[[str], None]) -> None:
    local_zone("Asia/Kolkata")
    for text in ("local", "Local", "LOCAL"):
        assert parse_zone(text) == LOCAL
    assert LOCAL.wall(NOW) == datetime(2025, 11, 26, 15, 10)
    assert not LOCAL.is_utc


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("", f"--tz: is empty (give {ZONES_HELP})"),
        ("Mars/Olympus", f"--tz: unknown time zone 'Mars/Olympus' (give {ZONES_HELP})"),
        (
            "Europe/Pariss",
            "--tz: unknown time zone 'Europe/Pariss' "
            f"(did you mean Europe/Paris? give {ZONES_HELP})",
        ),
        ("+25:00", "--tz: '+25:00' is not a UTC offset (e.g. +01:00 or -05:30)"),
        ("+01:75", "--tz: '+01:75' is not a UTC offset (e.g. +01:00 or -05:30)"),
        ("+123", f"--tz: unknown time zone '+123' (give {ZONES_HELP})"),  # +01:23 or +12:03?
        ("a\x00b", f"--tz: unknown time zone 'a\\x00b' (give {ZONES_HELP})"),
        ("x" * 500, f"--tz: unknown time zone {'x' * 80 + '…'!r} (give {ZONES_HELP})"),
    ],
)
def test_a_bad_zone_says_what_is_wrong_and_how_to_fix_it(text: str, error: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_zone(text)
    assert str(caught.value) == error and caught.value.flag == "--tz"


@pytest.mark.parametrize(
    "text",
    [
        "../../etc/passwd",
        "/etc/localtime",
        "zone.tab",  # a file in the database that is no zone
        "Europe",  # a directory
        "Europe/",
        "Europe/Paris/x",
    ],
)
def test_paths_and_files_of_the_database_are_no_zone(text: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_zone(text)
    assert str(caught.value).startswith(f"--tz: unknown time zone {text!r} (")
    assert str(caught.value).endswith(f"give {ZONES_HELP})")


def test_a_bad_zone_names_the_flag_or_key_it_came_from() -> None:
    with pytest.raises(UsageError) as caught:
        parse_zone("Mars/Olympus", flag="BASETEN_LOGS_TZ")
    assert str(caught.value).startswith("BASETEN_LOGS_TZ: unknown time zone")


def test_a_machine_without_a_zone_database_is_told_so(monkeypatch: pytest.MonkeyPatch) -> None:
    import zoneinfo

    monkeypatch.setitem(sys.modules, "tzdata", None)  # nor the tzdata package's copy
    zoneinfo.reset_tzpath(to=[])
    zoneinfo.ZoneInfo.clear_cache()
    try:
        with pytest.raises(UsageError) as caught:
            parse_zone("Europe/Paris")
        assert str(caught.value) == (
            "--tz: cannot read the zone 'Europe/Paris': this machine has no time zone database "
            "(install one (the OS's tzdata package, or pip install tzdata), or give utc, local "
            "or an offset such as +01:00)"
        )
        assert parse_zone("utc") == UTC and parse_zone("+01:00").name == "+01:00"
    finally:
        zoneinfo.reset_tzpath()
        zoneinfo.ZoneInfo.clear_cache()
    assert parse_zone("Europe/Paris").name == "Europe/Paris"


@pytest.mark.parametrize(
    ("zone", "shown"),
    [
        ("utc", "2025-11-26 09:40:00.007Z"),
        ("Europe/Paris", "2025-11-26 10:40:00.007+01:00"),
        ("Asia/Kolkata", "2025-11-26 15:10:00.007+05:30"),
        ("America/New_York", "2025-11-26 04:40:00.007-05:00"),
        ("Europe/London", "2025-11-26 09:40:00.007+00:00"),  # UTC's time, but not UTC
        ("-03:00", "2025-11-26 06:40:00.007-03:00"),
    ],
)
def test_format_in_zone_marks_the_zone(zone: str, shown: str) -> None:
    assert format_in_zone(NOW + 7, parse_zone(zone)) == shown
    assert format_in_zone(NOW + 7, parse_zone(zone), sep="T") == shown.replace(" ", "T")


def test_format_in_zone_marks_the_local_offset_of_each_time(
    local_zone: Callable[[str], None],
) -> None:
    local_zone("Europe/Paris")
    assert format_in_zone(NOW, LOCAL) == "2025-11-26 10:40:00.000+01:00"
    summer = at("2025-07-01T12:00:00Z")
    assert format_in_zone(summer, LOCAL) == "2025-07-01 14:00:00.000+02:00"


def test_format_in_zone_never_raises() -> None:
    assert format_in_zone(10**18, UTC) == f"epoch ms {10**18}"
    assert format_in_zone(-(10**18), parse_zone("Europe/Paris")) == f"epoch ms {-(10**18)}"
    # a zone's old local mean time has seconds in its offset: shown, not rounded away
    assert format_in_zone(-2_000_000_000_000, parse_zone("Europe/Amsterdam")).endswith("+00:19:32")


@given(
    st.integers(min_value=EARLIEST_MS, max_value=4_000_000_000_000),
    st.sampled_from(["utc", "Europe/Paris", "America/Los_Angeles", "Asia/Kolkata", "+14:00"]),
    st.sampled_from(["utc", "local", "Australia/Lord_Howe"]),
)
def test_format_in_zone_reads_back_in_any_zone(ms: int, shown_in: str, read_in: str) -> None:
    text = format_in_zone(ms, parse_zone(shown_in))
    assert parse_when(text, flag="--since", now_ms=NOW, zone=parse_zone(read_in)) == ms


@given(
    st.datetimes(min_value=datetime(2015, 1, 1), max_value=datetime(2099, 12, 31)),
    st.sampled_from(["utc", "Europe/Paris", "America/Los_Angeles", "Asia/Kolkata", "+14:00"]),
)
def test_a_wall_time_read_in_a_zone_shows_as_typed_there(wall: datetime, name: str) -> None:
    zone = parse_zone(name)
    typed = wall.replace(microsecond=wall.microsecond // 1000 * 1000)
    ms = parse_when(typed.isoformat(), flag="--since", now_ms=NOW, zone=zone)
    if zone.wall(ms) == typed:  # a time skipped when clocks go forward shows an hour later
        assert format_in_zone(ms, zone).startswith(
            typed.isoformat(sep=" ", timespec="milliseconds")
        )
    else:
        assert name in ("Europe/Paris", "America/Los_Angeles")
        assert zone.wall(ms) - typed == timedelta(hours=1)


# Boundaries each of `make mutate`'s survivors showed untested.


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-11-26T09:40:00.000499Z", NOW),  # rounded half up: under half a ms is down
        ("2025-11-26T09:40:00.0005Z", NOW + 1),
        ("2025-11-26T09:40:00.000999Z", NOW + 1),
    ],
)
def test_a_time_is_rounded_to_the_nearest_millisecond(text: str, expected: int) -> None:
    assert parse_when(text, flag="--since", now_ms=NOW) == expected


def test_the_last_minute_and_second_of_a_day_are_times_of_day() -> None:
    assert parse_when("23:59:59", flag="--since", now_ms=NOW, zone=UTC) == at(
        "2025-11-25T23:59:59Z"
    )
    assert parse_when("00:59", flag="--since", now_ms=NOW, zone=UTC) == at("2025-11-26T00:59:00Z")


@pytest.mark.parametrize(("text", "name"), [("+23:59", "+23:59"), ("-23:59", "-23:59")])
def test_the_widest_offsets_are_zones(text: str, name: str) -> None:
    zone = parse_zone(text)
    sign = -1 if text[0] == "-" else 1
    assert zone.name == name
    assert zone.wall(NOW) - datetime(2025, 11, 26, 9, 40) == sign * timedelta(hours=23, minutes=59)


@pytest.mark.parametrize("text", ["+24:00", "-24", "+01:60", "+2400"])
def test_offsets_just_past_the_widest_are_refused(text: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_zone(text)
    assert str(caught.value) == f"--tz: {text!r} is not a UTC offset (e.g. +01:00 or -05:30)"


def test_a_zone_name_of_the_longest_length_shown_is_shown_whole() -> None:
    with pytest.raises(UsageError) as caught:
        parse_zone("x" * 80)
    assert str(caught.value) == f"--tz: unknown time zone {'x' * 80!r} (give {ZONES_HELP})"


def test_an_until_time_of_day_equal_to_since_is_that_moment() -> None:
    since = at("2025-11-26T09:00:00Z")
    until = parse_when("09:00", flag="--until", now_ms=NOW, relative_to_ms=since, zone=UTC)
    assert until == since  # not before --since: kept, not moved a day on
    later = at("2025-11-26T09:50:00Z")  # a --since still to come (a clock behind the server's)
    until = parse_when("09:50", flag="--until", now_ms=NOW, relative_to_ms=later, zone=UTC)
    assert until == later


def test_an_until_time_of_day_before_since_on_its_day_is_the_next_days() -> None:
    since = at("2025-11-26T09:00:00Z")
    until = parse_when("08:00", flag="--until", now_ms=NOW, relative_to_ms=since, zone=UTC)
    assert until == at("2025-11-27T08:00:00Z")


def test_a_weekday_at_this_very_moment_is_today() -> None:
    assert parse_when("wednesday 09:40", flag="--since", now_ms=NOW, zone=UTC) == NOW
    assert parse_when("wednesday 09:40:00.001", flag="--since", now_ms=NOW, zone=UTC) == at(
        "2025-11-19T09:40:00.001Z"
    )


@pytest.mark.parametrize("text", ["20:00 x", "20:00 today", "08:00 08:00"])
def test_a_time_of_day_then_more_words_is_no_time(text: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_when(text, flag="--since", now_ms=NOW, zone=UTC)
    assert str(caught.value) == f"--since: cannot read {text!r} as a time (give {FORMATS_HELP})"


@pytest.mark.parametrize(
    ("ms", "shown"),
    [(90_061_000, "1d 1h"), (3_661_000, "1h 1m"), (61_000, "1m 1s"), (86_400_000, "1d")],
)
def test_a_span_says_its_two_largest_units(ms: int, shown: str) -> None:
    assert span(ms) == shown


@pytest.mark.parametrize(
    ("zone", "at_text", "label"),
    [
        ("Europe/Paris", "2025-07-01T00:00:00Z", "Europe/Paris +02:00"),
        ("Europe/Paris", "2025-01-01T00:00:00Z", "Europe/Paris +01:00"),
        ("+05:30", "2025-07-01T00:00:00Z", "+05:30"),
        ("utc", "2025-07-01T00:00:00Z", "UTC"),
    ],
)
def test_a_zone_is_labelled_with_its_offset_at_that_time(
    zone: str, at_text: str, label: str
) -> None:
    assert zone_label(parse_zone(zone), at(at_text)) == label


def test_an_unusable_time_is_echoed_cut_to_40_characters(
    local_zone: Callable[[str], None],
) -> None:
    local_zone("America/Los_Angeles")  # year 1 at midnight here is year 0 in UTC
    text = "0001-01-01T00:00:00" + " " * 30
    with pytest.raises(UsageError) as caught:
        parse_when(text, flag="--since", now_ms=NOW)
    assert str(caught.value) == f"--since: {text[:40]!r} is not a usable time ({FORMATS_HELP})"
    huge = "9" * 400  # a float's inf
    with pytest.raises(UsageError) as caught:
        parse_when(huge, flag="--since", now_ms=NOW)
    assert str(caught.value) == f"--since: {huge[:40]!r} is not a usable time ({FORMATS_HELP})"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-11-26T09:40:00.5Z", NOW + 500),
        ("2025-11-26T09:40:00.25Z", NOW + 250),
        ("2025-11-26T09:40:00.123456789Z", NOW + 123),  # the API's nanoseconds, as jq prints
        ("2025-11-26T09:40:00,5Z", NOW + 500),
        ("2025-11-26T10:40:00.5+01:00", NOW + 500),
    ],
)
def test_a_fraction_of_a_second_of_any_length_is_read_on_every_python(
    text: str, expected: int
) -> None:
    """Python 3.10 reads only 3 or 6 digits after the point: these were no time there."""
    assert parse_when(text, flag="--since", now_ms=NOW) == expected
    wall = text.replace("Z", "")
    if "+" not in wall:  # the same, without a zone: read in the zone asked for
        assert parse_when(wall, flag="--since", now_ms=NOW, zone=UTC) == expected
