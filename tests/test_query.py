from __future__ import annotations

import os
import warnings
from typing import Any

import pytest

from baseten_logs.base.errors import UsageError
from baseten_logs.base.timeparse import parse_zone
from baseten_logs.reading.query import (
    Filters,
    LogQuery,
    build_filters,
    follow_settings_for,
    logs_path,
    parse_choice,
    parse_count,
    parse_fail_on,
    parse_level,
    resolve_window,
    screenful,
)

NOW = 1_764_150_000_000


def test_params_always_carry_direction_and_limit() -> None:
    query = LogQuery(path=logs_path("m", "d"), since_ms=1, until_ms=2)
    assert query.params(start_ms=1, end_ms=3, direction="desc", limit=500) == [
        ("start_epoch_millis", "1"),
        ("end_epoch_millis", "3"),
        ("direction", "desc"),
        ("limit", "500"),
    ]


def test_filters_map_to_documented_keys_with_repeated_substrings() -> None:
    filters = build_filters(
        level="warn",
        replica="a1b2c",
        request_id="req-1",
        component="model",
        grep="time(out|d out)",
        includes=["GET", "POST"],
        excludes=["health"],
    )
    assert filters.params() == [
        ("min_level", "WARNING"),
        ("replica", "a1b2c"),
        ("request_id", "req-1"),
        ("component", "model"),
        ("search_pattern", "time(out|d out)"),
        ("includes", "GET"),
        ("includes", "POST"),
        ("excludes", "health"),
    ]


@pytest.mark.parametrize(
    ("level", "sent"),
    [
        ("debug", "DEBUG"),
        ("INFO", "INFO"),
        ("Warning", "WARNING"),
        ("error", "ERROR"),
        ("WARN", "WARNING"),
        ("err", "ERROR"),
        (" info ", "INFO"),
    ],
)
def test_levels_are_case_insensitive(level: str, sent: str) -> None:
    assert parse_level(level) == sent


@pytest.mark.parametrize(
    ("kwargs", "flag"),
    [
        ({"level": "verbose"}, "--level"),
        ({"replica": "x" * 257}, "--replica"),
        ({"request_id": ""}, "--request-id"),
        ({"component": "c" * 300}, "--component"),
        ({"grep": "(?=lookahead)"}, "--grep"),
        ({"grep": "(?<!behind)x"}, "--grep"),
        ({"grep": r"(a)\1"}, "--grep"),
        ({"grep": "(?P<n>a)(?P=n)"}, "--grep"),
        ({"includes": ["a"] * 9}, "--include"),
        ({"excludes": ["b"] * 9}, "--exclude"),
    ],
)
def test_bad_filters_name_their_flag(kwargs: dict[str, object], flag: str) -> None:
    with pytest.raises(UsageError) as caught:
        build_filters(**kwargs)  # type: ignore[arg-type]
    assert caught.value.flag == flag


def test_eight_substrings_and_256_characters_are_fine() -> None:
    filters = build_filters(includes=["i"] * 8, excludes=["e"] * 8, replica="r" * 256)
    assert len(filters.params()) == 17


def test_with_i_the_pattern_sent_is_what_the_length_cap_counts() -> None:
    """-i sends `(?i)` before the pattern: 253 typed is 257 sent, past the API's 256 (a 400 from
    the server, after the request): refused here, naming --grep and by how much to shorten it."""
    assert build_filters(grep="g" * 252, ignore_case=True).search_pattern == "(?i)" + "g" * 252
    with pytest.raises(UsageError) as caught:
        build_filters(grep="g" * 253, ignore_case=True)
    assert str(caught.value) == (
        "--grep: is 253 characters long, and -i sends it after (?i): 257; the API takes at most "
        "256 (shorten it by 1)"
    )
    assert build_filters(grep="g" * 256).search_pattern == "g" * 256  # without -i, as typed


@pytest.mark.parametrize("pattern", ["a(?m)^", "x(?i)y", "(?s).(?m)$"])
def test_a_flag_group_past_the_start_is_valid_re2_and_sent(pattern: str) -> None:
    """RE2 takes `(?m)` anywhere; Python 3.10's `re` warns on it (3.11 refuses it): the syntax
    check must not end the run on that warning when warnings are errors (PYTHONWARNINGS=error,
    and this suite), nor refuse the pattern."""
    assert build_filters(grep=pattern).search_pattern == pattern


def test_a_substring_of_any_length_is_sent_whole() -> None:
    # Baseten's schema caps the number of includes/excludes (8), not their length.
    long = "y" * 1000
    filters = build_filters(includes=[long], excludes=[long + "z"])
    assert filters.params() == [("includes", long), ("excludes", long + "z")]


def test_default_window_is_thirty_minutes_before_until() -> None:
    thirty_minutes = 30 * 60 * 1000  # as README and --help promise, not the constant restated
    assert resolve_window(since=None, until=None, now_ms=NOW) == (NOW - thirty_minutes, NOW)
    assert resolve_window(since=None, until="1h", now_ms=NOW) == (
        NOW - 3_600_000 - thirty_minutes,
        NOW - 3_600_000,
    )


@pytest.mark.parametrize("flag", ["--since", "--until"])
def test_a_time_more_than_a_week_ahead_is_a_typo(flag: str) -> None:
    ahead = str(NOW + 7 * 86_400_000 + 1)
    window = (
        {"since": ahead, "until": None} if flag == "--since" else {"since": "1h", "until": ahead}
    )
    with pytest.raises(UsageError) as caught:
        resolve_window(**window, now_ms=NOW)
    assert caught.value.flag == flag and "more than a week ahead" in str(caught.value)


def test_until_up_to_a_week_ahead_is_accepted() -> None:
    week_ahead = NOW + 7 * 86_400_000
    assert resolve_window(since="1h", until=str(week_ahead), now_ms=NOW) == (
        NOW - 3_600_000,
        week_ahead,
    )


def test_until_plus_counts_from_since() -> None:
    since = "2025-11-26T09:00:00Z"
    assert resolve_window(since=since, until="+10m", now_ms=NOW) == (
        NOW - 40 * 60_000,
        NOW - 30 * 60_000,
    )


def test_until_before_since_is_refused() -> None:
    with pytest.raises(UsageError) as caught:
        resolve_window(since="1h", until="2h", now_ms=NOW)
    assert caught.value.flag == "--until"


@pytest.mark.parametrize("text", ["0", "-5", "ten", "1.5"])
def test_counts_must_be_positive_whole_numbers(text: str) -> None:
    with pytest.raises(UsageError):
        parse_count(text, flag="-n/--limit")


def test_until_plus_without_since_says_since_is_missing() -> None:
    with pytest.raises(UsageError) as caught:
        resolve_window(since=None, until="+10m", now_ms=NOW)
    assert caught.value.flag == "--until" and "--since, which is missing" in str(caught.value)


@pytest.mark.parametrize(("text", "ms"), [("1ms", 1), ("60s", 60_000), ("1h", 3_600_000)])
def test_overlap_takes_a_duration_up_to_an_hour(text: str, ms: int) -> None:
    assert follow_settings_for(text).overlap_ms == ms


@pytest.mark.parametrize("text", ["0s", "3600001ms", "2h", "soon"])
def test_overlap_outside_its_range_is_refused(text: str) -> None:
    with pytest.raises(UsageError) as caught:
        follow_settings_for(text)
    assert str(caught.value) == f"--overlap: {text!r} is not a duration up to 1h (e.g. 60s or 2m)"


@pytest.mark.parametrize(("rows", "lines"), [(40, 38), (12, 10), (5, 10)])
def test_follow_opens_with_a_screenful(
    monkeypatch: pytest.MonkeyPatch, rows: int, lines: int
) -> None:
    monkeypatch.setattr("os.get_terminal_size", lambda fd: os.terminal_size((80, rows)))
    assert screenful() == lines


def test_follow_opens_with_25_lines_off_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_terminal(fd: int) -> os.terminal_size:
        raise OSError("not a terminal")

    monkeypatch.setattr("os.get_terminal_size", no_terminal)
    assert screenful() == 25


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (
            lambda: build_filters(replica=""),
            "--replica: is empty (give a value or leave the flag out)",
        ),
        (
            lambda: build_filters(component="c" * 257),
            "--component: is 257 characters long; the API takes at most 256 (shorten it)",
        ),
        (
            lambda: build_filters(includes=["a"] * 9),
            "--include: given 9 times; the API takes at most 8"
            " (use --grep with an alternation for more)",
        ),
        (
            lambda: build_filters(grep="(?=x)"),
            "--grep: '(?=x)' uses look-around, a back-reference or an atomic group, which RE2 lacks"
            " (rewrite it without them, or use --include/--exclude)",
        ),
        (
            lambda: build_filters(grep="a[b"),
            "--grep: 'a[b' is not a valid RE2 regular expression: unterminated character set at"
            " position 1 (escape special characters with \\, e.g. \\[ for a literal [)",
        ),
        (
            lambda: parse_level("verbose"),
            "--level: unknown level 'verbose' (use one of DEBUG, INFO, WARNING, ERROR)",
        ),
        (
            lambda: parse_fail_on("verbose"),
            "--fail-on: unknown level 'verbose' (use one of DEBUG, INFO, WARNING, ERROR)",
        ),
        (
            lambda: parse_choice("blue", flag="--color", choices=("auto", "always", "never")),
            "--color: unknown value 'blue' (use one of auto, always, never)",
        ),
        (
            lambda: parse_count("ten", flag="-n/--limit"),
            "-n/--limit: 'ten' is not a whole number (e.g. 100)",
        ),
        (
            lambda: parse_count("0", flag="-n/--limit"),
            "-n/--limit: must be at least 1, not 0 (e.g. 100)",
        ),
        (
            lambda: resolve_window(since="90", until=None, now_ms=NOW),
            "--since: '90' is 1970-01-01T00:01:30.000Z, before any Baseten log"
            " (a bare number is epoch seconds or milliseconds; e.g. 2h or 2026-11-27T10:00Z)",
        ),
        (
            lambda: resolve_window(since=None, until="2030-01-01T00:00:00Z", now_ms=NOW),
            "--until: '2030-01-01T00:00:00Z' is 2030-01-01T00:00:00.000Z, more than a week ahead"
            " (check the date)",
        ),
        (
            lambda: resolve_window(since="2025-11-26T11:00:00Z", until=None, now_ms=NOW),
            "--since: '2025-11-26T11:00:00Z' is 2025-11-26T11:00:00.000Z, in the future, and"
            " --until defaults to now (give a past time, e.g. --since 2h (2 hours ago), or an"
            " --until after it)",
        ),
        (
            lambda: resolve_window(since="1h", until="2h", now_ms=NOW),
            "--until: is before --since (swap them, or give --until a later time)",
        ),
    ],
)
def test_bad_input_is_one_line_naming_the_flag_and_the_fix(call: Any, error: str) -> None:
    with pytest.raises(UsageError) as caught:
        call()
    assert str(caught.value) == error


def test_window_edges_that_are_still_fine() -> None:
    earliest = 1_420_070_400_000  # 2015-01-01: the oldest time accepted
    assert resolve_window(since=str(earliest), until=None, now_ms=NOW) == (earliest, NOW)
    assert resolve_window(since="1h", until="1h", now_ms=NOW) == (NOW - 3_600_000,) * 2


def test_both_ends_of_the_window_are_read_in_the_zone_given() -> None:
    """--tz +09:00: a wall-clock --since and --until are both Tokyo's, nine hours before UTC's
    (and the machine's own zone, whatever it is, has no say)."""
    tokyo = parse_zone("+09:00")
    since, until = resolve_window(
        since="2025-11-26T09:00", until="2025-11-26T10:00", now_ms=NOW, zone=tokyo
    )
    nine_hours = 9 * 3_600_000
    assert since == 1_764_147_600_000 - nine_hours  # 2025-11-26T09:00Z, less nine hours
    assert until == since + 3_600_000


def test_the_default_window_ends_now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("baseten_logs.reading.query.time.time", lambda: NOW / 1000)
    assert resolve_window(since=None, until=None) == (NOW - 30 * 60_000, NOW)


def test_replica_given_more_than_once_is_one_query_each() -> None:
    filters = build_filters(replica=["a1b2c", "d3e4f", "a1b2c"])
    assert filters.replica is None and filters.replicas == ("a1b2c", "d3e4f")
    assert filters.asked_replicas() == ("a1b2c", "d3e4f")
    assert [f.params() for f in filters.each_replica()] == [
        [("replica", "a1b2c")],
        [("replica", "d3e4f")],
    ]
    with pytest.raises(
        ValueError, match=r"^several replicas are one query each: send each_replica\(\)$"
    ):
        filters.params()  # never sent as if no replica were asked for
    one = build_filters(replica=["a1b2c"])
    assert one == build_filters(replica="a1b2c") and one.replicas == ()
    assert one.each_replica() == (one,)
    assert build_filters(replica=[]) == build_filters()


def test_with_i_the_includes_and_excludes_are_applied_here_and_not_sent() -> None:
    """The endpoint matches substrings case-sensitively: with -i they are kept back from the
    request and applied here (local_only), the other filters still sent."""
    both = build_filters(level="error", includes=["OOM"], excludes=["Health"], ignore_case=True)
    assert both.params() == [("min_level", "ERROR")]
    assert both.local_only() == Filters(includes=("OOM",), excludes=("Health",), ignore_case=True)
    excludes = build_filters(excludes=["health"], ignore_case=True).local_only()
    assert excludes == Filters(excludes=("health",), ignore_case=True)
    includes = build_filters(includes=["oom"], ignore_case=True).local_only()
    assert includes == Filters(includes=("oom",), ignore_case=True)
    # Without -i the endpoint applies them; -i with no substrings leaves nothing to apply here.
    sent = build_filters(includes=["OOM"], excludes=["Health"])
    assert sent.local_only() is None
    assert sent.params() == [("includes", "OOM"), ("excludes", "Health")]
    assert build_filters(level="error", ignore_case=True).local_only() is None


def test_too_many_or_empty_replicas_are_bad_input() -> None:
    sixteen = [f"r{i:04d}" for i in range(16)]
    assert build_filters(replica=sixteen).replicas == tuple(sixteen)
    with pytest.raises(UsageError) as caught:
        build_filters(replica=[*sixteen, "r9999"])
    assert str(caught.value) == (
        "--replica: given 17 times; at most 16 (each is a query of its own) "
        "(leave --replica out to see every replica)"
    )
    with pytest.raises(UsageError, match="--replica: is empty"):
        build_filters(replica=["a1b2c", ""])


@pytest.mark.parametrize("grep", ["[[a]", "a(?m)^b", "[a-z&&b]"])
def test_a_valid_re2_pattern_python_warns_about_is_checked_in_silence(grep: str) -> None:
    """RE2 reads these; Python's `re` warns on them (FutureWarning, or on 3.10 a
    DeprecationWarning), which was printed with a source line, or with -W error an internal
    error."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert build_filters(grep=grep).search_pattern == grep
