from __future__ import annotations

import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from baseten_logs.base.errors import UsageError
from baseten_logs.base.timeparse import FORMATS_HELP, format_ms, parse_duration_ms, parse_when

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


@pytest.mark.parametrize("text", ["", "  ", "yesterday", "10x", "+10m", "+soon", "2025-13-01"])
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
            "yesterday",
            "--until",
            None,
            f"--until: cannot read 'yesterday' as a time (give {FORMATS_HELP})",
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
