"""A line's time from every form the beta logs endpoint may send, and None when it has none."""

from __future__ import annotations

import pytest

from baseten_logs.base.timestamps import record_ms, record_ns, timestamp_ns

NS = 1_764_150_000_123_456_789  # 2025-11-26T09:40:00.123456789Z


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (str(NS), NS),  # the documented form
        (NS, NS),  # a JSON integer
        (1_764_150_000_123_456, NS // 1000 * 1000),  # microseconds
        ("1764150000123456", NS // 1000 * 1000),
        (1_764_150_000_123, NS // 1_000_000 * 1_000_000),  # milliseconds
        ("1764150000123", NS // 1_000_000 * 1_000_000),
        (1_764_150_000, NS // 10**9 * 10**9),  # seconds
        ("1764150000", NS // 10**9 * 10**9),
        ("1764150000.123456789", NS),  # seconds with every fraction digit kept
        (1764150000.5, 1_764_150_000_500_000_000),  # a JSON float
        ("1764150000123.456789", NS),  # milliseconds with a fraction
        ("2025-11-26T09:40:00.123456789Z", NS),
        ("2025-11-26T09:40:00.123456789123Z", NS),  # more digits than a nanosecond
        ("2025-11-26T09:40:00Z", NS // 10**9 * 10**9),
        ("2025-11-26T09:40:00.1z", 1_764_150_000_100_000_000),
        ("2025-11-26t09:40:00.123456789+00:00", NS),
        ("2025-11-26T11:40:00.123456789+02:00", NS),
        ("2025-11-26T04:10:00.123456789-05:30", NS),
        ("2025-11-26 09:40:00.123456789Z", NS),
        (" 1764150000123456789 ", NS),
    ],
)
def test_every_plausible_form_reads_as_nanoseconds(value: object, expected: int) -> None:
    assert timestamp_ns(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        None,
        True,
        "",
        "soon",
        "-1764150000",
        -5,
        float("nan"),
        float("inf"),
        "2025-11-26T09:40:00",  # no zone: not RFC 3339, and whose local time would it be?
        "2025-13-26T09:40:00Z",
        "2025-11-26T25:40:00Z",
        "१७६४१५००००",  # digits, but not ASCII ones
        ["1764150000"],
        {"seconds": 1},
    ],
)
def test_what_is_no_time_is_none(value: object) -> None:
    assert timestamp_ns(value) is None


def test_record_helpers_read_the_timestamp_field() -> None:
    assert record_ns({"timestamp": str(NS)}) == NS
    assert record_ms({"timestamp": str(NS)}) == NS // 1_000_000
    assert record_ms({"timestamp": "2025-11-26T09:40:00.123Z"}) == NS // 1_000_000
    assert record_ms({"message": "no time"}) is None
    assert record_ns({"timestamp": "later"}) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Each unit's first number: 1e11 is no longer seconds (the year 5138) but milliseconds.
        # Each unit's last number is the year 5138 too, past any line's time (2286): None. Read
        # in the next unit it would be a time (1973), so None still says which unit was used.
        ("99999999999", None),
        ("9999999999", 9_999_999_999 * 10**9),  # the last second that is a line's time (2286)
        ("100000000000", 10**11 * 10**6),
        ("99999999999999", None),
        ("100000000000000", 10**14 * 10**3),
        ("99999999999999999", None),
        ("100000000000000000", 10**17),
    ],
)
def test_an_epoch_number_is_read_in_the_unit_its_size_says(text: str, expected: int | None) -> None:
    assert timestamp_ns(text) == expected


def test_a_fraction_of_a_nanosecond_is_dropped() -> None:
    assert timestamp_ns("1764150000123456789.5") == NS


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.76415e+18", 1_764_150_000_000_000_000),  # a float's repr, sent as a string
        ("1.76415E+18", 1_764_150_000_000_000_000),
        ("1.76415e9", 1_764_150_000_000_000_000),  # seconds
        ("0e0", 0),
        ("1e999", None),  # infinite
        ("-1e999", None),
        ("-1.76415e9", None),
        ("1.2.3e4", None),
    ],
)
def test_a_number_in_e_notation_is_read(text: str, expected: int | None) -> None:
    assert timestamp_ns(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-11-26T23:59:60Z", 1_764_201_600 * 10**9),  # a leap second: the next midnight
        ("1970-01-01T00:00:00Z", 0),
        ("1969-12-31T23:59:59Z", None),  # before the epoch
        ("2025-11-26T24:00:00Z", None),
        ("2025-11-26T09:60:00Z", None),
        ("2025-11-26T09:40:61Z", None),
        ("2025-11-26T09:40:60+01:00", 1_764_146_460 * 10**9),
    ],
)
def test_rfc3339_times_are_checked_field_by_field(text: str, expected: int | None) -> None:
    assert timestamp_ns(text) == expected


@pytest.mark.parametrize("value", [0, 0.0, "0"])
def test_the_epoch_itself_is_a_time(value: object) -> None:
    assert timestamp_ns(value) == 0


HUGE_DIGITS = "9" * 5000  # more digits than int() reads (4,300): ValueError, if it got there


@pytest.mark.parametrize(
    "value",
    [
        float("inf"),  # what JSON's 1e400 reads as: int() raises OverflowError
        1e300,  # finite, but 10**300 seconds
        10**30,  # a JSON integer of 31 digits
        "1e400",
        HUGE_DIGITS,
        HUGE_DIGITS + ".5",
        "1" + "0" * 4999,
        "10000000000000000000",  # 1e19 ns: 2286-11-20T17:46:40Z, the first ns past the range
        "10000000000",  # 1e10 seconds: the same moment
        "9999-12-31T23:59:59Z",  # RFC 3339 allows it; no log line has it
    ],
)
def test_a_number_no_line_can_have_is_no_time_and_never_raises(value: object) -> None:
    assert timestamp_ns(value) is None
    assert record_ns({"timestamp": value}) is None
    assert record_ms({"timestamp": value}) is None


def test_leading_zeros_do_not_make_a_time_unreadable() -> None:
    assert timestamp_ns("0" * 30 + str(NS)) == NS


def test_the_last_nanosecond_a_line_can_have_is_a_time() -> None:
    assert timestamp_ns(str(10**19 - 1)) == 10**19 - 1
    assert record_ms({"timestamp": str(10**19 - 1)}) == (10**19 - 1) // 10**6
