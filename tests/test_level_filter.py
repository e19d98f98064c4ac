"""--level shows every line the output shows at that level, unlevelled ones included."""

from __future__ import annotations

from collections import Counter
from typing import Any

import httpx
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from baseten_logs.api.page import Page
from baseten_logs.base.levels import LEVEL_RANK, LEVELS, detect_level, effective_level
from baseten_logs.reading.level_filter import (
    _UnlevelledWalk,
    detected_at_least,
    levelled_and_detected,
    marker_pattern,
)
from baseten_logs.reading.pager import Direction, Pager, page_bytes, record_key
from tests.fakeapi import FakeLogs, record

MS = 1_000_000
T0 = 1_764_150_000_000

MESSAGES = (
    "Traceback (most recent call last):\n  File x\nValueError: bad",
    "ERROR: disk full",
    "[error] worker died",
    "level=warn slow",
    "E1127 10:00:00.123456 1 main.go:1] boom",
    "INFO:     200 OK",
    "plain text, no level",
    '{"severity": "CRITICAL", "msg": "x"}',
    "stderr: nothing wrong",
)


def fetcher(fake: FakeLogs, **filters: str) -> Any:
    def fetch(start: int, end: int, direction: Direction, limit: int) -> list[dict[str, Any]]:
        params = {
            "start_epoch_millis": start,
            "end_epoch_millis": end,
            "direction": direction,
            "limit": limit,
            **filters,
        }
        request = httpx.Request("GET", "https://api.test/logs", params=params)
        logs: list[dict[str, Any]] = fake(request).json()["logs"]
        return logs

    return fetch


def shown_at_least(records: list[dict[str, Any]], level: str) -> Counter[Any]:
    """What the text output shows at `level` or above: the API's level, else the detected one."""
    floor = LEVEL_RANK[level]
    return Counter(
        record_key(r)
        for r in records
        if (found := effective_level(r)) is not None and LEVEL_RANK[found] >= floor
    )


@pytest.mark.parametrize("level", LEVELS)
def test_every_detected_message_matches_the_marker_pattern(level: str) -> None:
    import re

    pattern = re.compile(marker_pattern(level))
    for message in MESSAGES:
        found = detect_level(message)
        if found is not None and LEVEL_RANK[found] >= LEVEL_RANK[level]:
            assert pattern.search(message), message
    assert len(marker_pattern(level)) <= 256  # the API's limit on search_pattern


def test_a_line_the_api_gave_a_level_is_left_to_the_min_level_query() -> None:
    keep = detected_at_least("ERROR")
    assert keep({"message": "Traceback (most recent call last):", "level": None})
    assert keep({"message": "ERROR: x"})  # no level key at all
    assert not keep({"message": "ERROR: x", "level": "INFO"})
    assert not keep({"message": "WARNING: x", "level": None})
    assert not keep({"message": None, "level": None})


@settings(max_examples=80, deadline=None)
@given(
    picks=st.lists(
        st.tuples(
            st.integers(0, 40),  # millisecond
            st.integers(0, 2),  # nanosecond within it
            st.sampled_from(MESSAGES),
            st.sampled_from([None, None, "ERROR", "WARNING", "INFO"]),
        ),
        max_size=60,
    ),
    level=st.sampled_from(LEVELS),
    page_size=st.integers(2, 9),
    end_inclusive=st.booleans(),
    newest_first=st.booleans(),
)
def test_paging_the_merged_query_returns_exactly_the_lines_shown_at_the_level(
    picks: list[tuple[int, int, str, str | None]],
    level: str,
    page_size: int,
    end_inclusive: bool,
    newest_first: bool,
) -> None:
    records = [record((T0 + ms) * MS + ns, text, level=lv) for ms, ns, text, lv in picks]
    # A millisecond holding a whole page cannot be paged past (the pager says so): not this test.
    assume(max(Counter(ms for ms, *_ in picks).values(), default=0) < page_size)
    fake = FakeLogs(records, end_inclusive=end_inclusive)
    fetch = levelled_and_detected(
        fetcher(fake, min_level=level),
        fetcher(fake, search_pattern=marker_pattern(level)),
        detected_at_least(level),
    )
    pager = Pager(fetch, page_size=page_size)
    if newest_first:
        pages = list(pager.newest(T0, T0 + 40, None))
    else:
        pages = list(pager.oldest(T0, T0 + 40))
    got = [r for page in pages for r in page]
    assert Counter(record_key(r) for r in got) == shown_at_least(records, level)
    ns = [int(r["timestamp"]) for r in got]
    assert ns == sorted(ns, reverse=newest_first)
    assert not pager.gaps


def test_a_line_with_a_level_the_api_cannot_rank_is_kept_by_the_level_its_text_shows() -> None:
    # The API's min_level compares one of its four levels; "VERBOSE" it drops, so this query
    # brings the line, by the level the text output shows (levels.shown_at_least).
    keep = detected_at_least("ERROR")
    assert keep({"message": "ERROR: disk full", "level": "VERBOSE"})
    assert keep({"message": "ERROR: disk full", "level": ""})
    assert not keep({"message": "INFO: fine", "level": "VERBOSE"})
    assert not keep({"message": "ERROR: x", "level": "ERROR"})  # the min_level query brings it


def window_fetch(
    records: list[dict[str, Any]], asked: list[tuple[int, int, str, int]] | None = None
) -> Any:
    """A fake endpoint over `records` (in time order): `end` exclusive, like the API."""

    def fetch(start: int, end: int, direction: Direction, limit: int) -> list[dict[str, Any]]:
        if asked is not None:
            asked.append((start, end, direction, limit))
        found = [r for r in records if start <= int(r["timestamp"]) // MS < end]
        return (found[::-1] if direction == "desc" else found)[:limit]

    return fetch


def nothing(start: int, end: int, direction: Direction, limit: int) -> list[dict[str, Any]]:
    return []


def messages_of(page: list[dict[str, Any]]) -> list[str]:
    return [r["message"] for r in page]


def test_an_unlevelled_error_without_a_readable_time_is_shown_first() -> None:
    levelled = [record((T0 + 1) * MS, "ERROR: a", level="ERROR")]
    untimed = {**record(0, "ERROR: untimed", level=None), "timestamp": "bad"}
    unlevelled = [record((T0 + 2) * MS, "ERROR: b", level=None), untimed]

    def unlevelled_fetch(start: int, end: int, direction: Direction, limit: int) -> Any:
        return unlevelled

    fetch = levelled_and_detected(
        window_fetch(levelled), unlevelled_fetch, detected_at_least("ERROR")
    )
    assert messages_of(fetch(T0, T0 + 40, "asc", 10)) == ["ERROR: untimed", "ERROR: a", "ERROR: b"]
    assert messages_of(fetch(T0, T0 + 40, "desc", 10)) == ["ERROR: untimed", "ERROR: b", "ERROR: a"]
    # Cut to the limit: the untimed line is never the one dropped.
    assert messages_of(fetch(T0, T0 + 40, "asc", 2)) == ["ERROR: untimed", "ERROR: a"]


def test_lines_outside_the_window_from_a_server_that_ignores_it_are_not_shown() -> None:
    unlevelled = [
        record((T0 - 5) * MS, "ERROR: before", level=None),
        record((T0 + 3) * MS, "ERROR: inside", level=None),
        record((T0 + 50) * MS, "ERROR: after", level=None),
    ]

    def ignoring(start: int, end: int, direction: Direction, limit: int) -> Any:
        return unlevelled if direction == "asc" else unlevelled[::-1]

    fetch = levelled_and_detected(nothing, ignoring, detected_at_least("ERROR"))
    assert messages_of(fetch(T0, T0 + 40, "asc", 10)) == ["ERROR: inside"]
    assert messages_of(fetch(T0, T0 + 40, "desc", 10)) == ["ERROR: inside"]


def test_lines_below_the_level_are_not_shown() -> None:
    unlevelled = [
        record((T0 + 1) * MS, "INFO: fine", level=None),
        record((T0 + 2) * MS, "ERROR: bad", level=None),
    ]
    fetch = levelled_and_detected(nothing, window_fetch(unlevelled), detected_at_least("ERROR"))
    assert messages_of(fetch(T0, T0 + 40, "asc", 10)) == ["ERROR: bad"]


@pytest.mark.parametrize("direction", ["asc", "desc"])
def test_a_millisecond_crowded_with_unlevelled_lines_is_reported_as_a_gap(
    direction: Direction,
) -> None:
    crowded = [
        record((T0 + 7) * MS + i, f"{'ERROR' if i % 2 == 0 else 'INFO'}: {i}", level=None)
        for i in range(6)
    ]
    gaps: list[int] = []
    fetch = levelled_and_detected(
        nothing, window_fetch(crowded), detected_at_least("ERROR"), on_gap=gaps.append, page_size=3
    )
    got = fetch(T0, T0 + 40, direction, 3)
    assert gaps == [T0 + 7]
    # One page of the crowded millisecond (lines 0-2 oldest first, 5-3 newest first), its
    # errors; the rest said missing.
    assert messages_of(got) == (["ERROR: 0", "ERROR: 2"] if direction == "asc" else ["ERROR: 4"])


def test_a_server_repeating_itself_is_asked_again_then_reported() -> None:
    page = [
        record((T0 + ms) * MS + i, f"{text}: {ms}", level=None)
        for ms in (1, 2)
        for i, text in enumerate(("ERROR", "INFO"))
    ]
    asked: list[int] = []
    gaps: list[int] = []

    def repeating(start: int, end: int, direction: Direction, limit: int) -> Any:
        asked.append(start)
        return page

    fetch = levelled_and_detected(
        nothing, repeating, detected_at_least("ERROR"), on_gap=gaps.append, page_size=4
    )
    got = fetch(T0, T0 + 40, "asc", 3)
    assert messages_of(got) == ["ERROR: 1", "ERROR: 2"]
    assert len(asked) <= 3  # never a loop
    assert gaps == [T0 + 2]


def test_the_unlevelled_query_is_walked_in_whole_pages_even_for_one_line() -> None:
    unlevelled = [record((T0 + ms) * MS, f"ERROR: {ms}", level=None) for ms in (1, 1, 2)]
    asked: list[tuple[int, int, str, int]] = []
    gaps: list[int] = []
    fetch = levelled_and_detected(
        nothing,
        window_fetch(unlevelled, asked),
        detected_at_least("ERROR"),
        on_gap=gaps.append,
        page_size=5,
    )
    assert messages_of(fetch(T0, T0 + 40, "desc", 1)) == ["ERROR: 2"]
    assert asked == [(T0, T0 + 40, "desc", 5)]
    assert gaps == []


def test_a_full_levelled_page_bounds_how_far_the_unlevelled_query_is_walked() -> None:
    levelled = [record((T0 + ms) * MS, f"ERROR: L{ms}", level="ERROR") for ms in (1, 2)]
    unlevelled = [record((T0 + ms) * MS, f"ERROR: U{ms}", level=None) for ms in range(0, 30, 1)]
    asked: list[tuple[int, int, str, int]] = []
    fetch = levelled_and_detected(
        window_fetch(levelled),
        window_fetch(unlevelled, asked),
        detected_at_least("ERROR"),
        page_size=2,
    )
    got = fetch(T0, T0 + 40, "asc", 2)
    assert messages_of(got) == ["ERROR: U0", "ERROR: L1"]
    assert len(asked) <= 2  # walked to the levelled page's last millisecond, not the window's end
    asked.clear()
    got = fetch(T0, T0 + 40, "desc", 2)
    assert messages_of(got) == ["ERROR: U29", "ERROR: U28"]


def test_a_glog_line_is_brought_by_its_letter_at_its_level() -> None:
    import re

    warning = "W1127 10:00:00.123456 1 main.go:1] slow disk"
    assert re.search(marker_pattern("WARNING"), warning)
    assert not re.search(marker_pattern("ERROR"), warning)
    assert not re.search(marker_pattern("WARNING"), "I1127 10:00:00.123456 1 main.go:1] ok")


def test_a_merged_page_holds_both_answers() -> None:
    levelled = Page([record((T0 + 1) * MS, "ERROR: a", level="ERROR")], held=1000)
    unlevelled = Page([record((T0 + 2) * MS, "ERROR: b", level=None)], held=300)

    def first(start: int, end: int, direction: Direction, limit: int) -> Any:
        return levelled

    def second(start: int, end: int, direction: Direction, limit: int) -> Any:
        return unlevelled

    page = levelled_and_detected(first, second, detected_at_least("ERROR"))(T0, T0 + 40, "asc", 10)
    assert messages_of(page) == ["ERROR: a", "ERROR: b"]
    # The first answer's measure plus the kept line's own (see level_filter: not all it read).
    assert page_bytes(page) == 1000 + page_bytes(list(unlevelled))


def test_newest_first_the_unlevelled_query_starts_where_a_full_levelled_page_ends() -> None:
    # The union's newest 2 reach back no further than the levelled page's last millisecond:
    # the unlevelled query need not read the older lines of the window at all.
    levelled = [record((T0 + ms) * MS, f"ERROR: L{ms}", level="ERROR") for ms in (29, 30)]
    unlevelled = [record((T0 + ms) * MS, f"ERROR: U{ms}", level=None) for ms in (3, 29)]
    asked: list[tuple[int, int, str, int]] = []
    fetch = levelled_and_detected(
        window_fetch(levelled), window_fetch(unlevelled, asked), detected_at_least("ERROR")
    )
    assert messages_of(fetch(T0, T0 + 40, "desc", 2)) == ["ERROR: L30", "ERROR: L29"]
    assert asked[0][0] == T0 + 29


@pytest.mark.parametrize("direction", ["asc", "desc"])
def test_the_line_just_past_a_crowded_millisecond_is_still_shown(direction: Direction) -> None:
    # Stepping past a crowded millisecond moves exactly one millisecond on: the next
    # millisecond's error is read, and the walk goes no further than the window.
    crowded = [
        record((T0 + 7) * MS + i, f"{'ERROR' if i % 2 == 0 else 'INFO'}: {i}", level=None)
        for i in range(6)
    ]
    beside = record((T0 + (8 if direction == "asc" else 6)) * MS, "ERROR: beside", level=None)
    far = record((T0 + (9 if direction == "asc" else 5)) * MS, "ERROR: far", level=None)
    gaps: list[int] = []
    asked: list[tuple[int, int, str, int]] = []
    fetch = levelled_and_detected(
        nothing,
        window_fetch(sorted([*crowded, beside, far], key=lambda r: int(r["timestamp"])), asked),
        detected_at_least("ERROR"),
        on_gap=gaps.append,
        page_size=3,
    )
    got = messages_of(fetch(T0, T0 + 40, direction, 3))
    assert gaps == [T0 + 7]
    if direction == "asc":
        assert got == ["ERROR: 0", "ERROR: 2", "ERROR: beside"]
        assert [start for start, *_ in asked] == [T0, T0 + 7, T0 + 8]
    else:
        assert got == ["ERROR: 4", "ERROR: beside", "ERROR: far"]
        assert [end for _, end, *_ in asked] == [T0 + 40, T0 + 8, T0 + 7]


def test_newest_first_past_a_crowded_millisecond_an_inclusive_end_hides_nothing_older() -> None:
    """Stepped past a crowded millisecond (7), the walk asks up to 7 (`end` 7, as for a server
    whose `end` excludes its millisecond). A server that includes it answers a whole page of
    millisecond 7 again: that is the `end` being inclusive, not the window's end, and the
    older lines (6 and 5) are still asked for, with `end` at 6."""
    crowded = [
        record((T0 + 7) * MS + i, f"{'ERROR' if i % 2 == 0 else 'INFO'}: {i}", level=None)
        for i in range(6)
    ]
    older = [record((T0 + ms) * MS, f"ERROR: at {ms}", level=None) for ms in (5, 6)]
    gaps: list[int] = []
    asked: list[tuple[int, int, str, int]] = []
    fetch = levelled_and_detected(
        nothing,
        inclusive_fetch([*older, *crowded], asked),
        detected_at_least("ERROR"),
        on_gap=gaps.append,
        page_size=3,
    )
    got = messages_of(fetch(T0, T0 + 40, "desc", 3))
    assert got == ["ERROR: 4", "ERROR: at 6", "ERROR: at 5"]
    assert gaps == [T0 + 7]
    assert [end for _, end, *_ in asked] == [T0 + 40, T0 + 8, T0 + 7, T0 + 6]


def walked(records: list[dict[str, Any]], size: int) -> tuple[list[str], list[int], list[int]]:
    """The unlevelled walk, newest first, in pages of `size`, over an endpoint whose `end` is
    inclusive: (the messages kept, the crowded milliseconds reported, each request's `end`)."""
    gaps: list[int] = []
    asked: list[tuple[int, int, str, int]] = []
    ordered = sorted(records, key=lambda r: int(r["timestamp"]))
    walk = _UnlevelledWalk(inclusive_fetch(ordered, asked), lambda r: True, gaps.append, size)
    kept = walk.kept(T0, T0 + 40, "desc", 100, None)
    return messages_of(kept), gaps, [end - T0 for _, end, *_ in asked]


def at(ms: int, name: str) -> dict[str, Any]:
    return record((T0 + ms) * MS + int(name[-1:], 36), name, level=None)


def test_newest_first_an_inclusive_end_learned_once_holds_past_a_second_crowd() -> None:
    """Two crowded milliseconds (7 and 5, six lines each; pages of three). Past the first, the
    server's inclusive `end` is learned; past the second, `end` is the seam at once: its three
    lines beyond the first page's are reported missing, and the line at 3 is still read."""
    records = [at(7, f"7.{i}") for i in range(6)] + [at(5, f"5.{i}") for i in range(6)]
    records += [at(6, "6.a"), at(3, "3.a")]
    kept, gaps, ends = walked(records, 3)
    assert kept == ["7.5", "7.4", "7.3", "6.a", "5.5", "5.4", "5.3", "3.a"]
    assert gaps == [T0 + 7, T0 + 5]
    assert ends == [40, 8, 7, 6, 5, 4]


def test_newest_first_a_page_spent_on_lines_already_shown_is_not_a_crowd() -> None:
    """Pages of three: the first ends at 8 with 8.b, the next asks up to 9 (`end` = seam + 1)
    and an inclusive server sends 9.b and 9.a again, then 8.b, seen: a full page that did not
    move past 8. That is the inclusive `end`, not a crowded millisecond: asked again up to 8,
    8.a is read, and no gap is reported."""
    records = [at(9, "9.a"), at(9, "9.b"), at(8, "8.a"), at(8, "8.b"), at(4, "4.a")]
    kept, gaps, ends = walked(records, 3)
    assert kept == ["9.b", "9.a", "8.b", "8.a", "4.a"]
    assert gaps == []
    assert ends == [40, 9, 8, 4]


def inclusive_fetch(
    records: list[dict[str, Any]], asked: list[tuple[int, int, str, int]] | None = None
) -> Any:
    """A fake endpoint over `records` (in time order) whose `end` is inclusive: the API does
    not document which, so the walk must hold with either."""

    def fetch(start: int, end: int, direction: Direction, limit: int) -> list[dict[str, Any]]:
        if asked is not None:
            asked.append((start, end, direction, limit))
        found = [r for r in records if start <= int(r["timestamp"]) // MS <= end]
        return (found[::-1] if direction == "desc" else found)[:limit]

    return fetch


def errors_and_infos(*picks: tuple[int, int, str]) -> list[dict[str, Any]]:
    """Unlevelled lines at (millisecond, nanosecond, text), in time order."""
    lines = [record((T0 + ms) * MS + ns, text, level=None) for ms, ns, text in picks]
    return sorted(lines, key=lambda r: int(r["timestamp"]))


@pytest.mark.parametrize("direction", ["asc", "desc"])
def test_every_unlevelled_error_of_a_window_walked_page_by_page_is_shown(
    direction: Direction,
) -> None:
    # Pages of three lines over distinct milliseconds, infos between the errors: each request
    # starts at the previous page's last millisecond, its line there skipped once, the lines
    # after it all read; no millisecond is crowded.
    lines = errors_and_infos(
        *[(ms, 0, f"{'ERROR' if ms % 2 == 0 else 'INFO'}: {ms}") for ms in range(1, 13)]
    )
    asked: list[tuple[int, int, str, int]] = []
    gaps: list[int] = []
    fetch = levelled_and_detected(
        nothing,
        window_fetch(lines, asked),
        detected_at_least("ERROR"),
        on_gap=gaps.append,
        page_size=2,
    )
    got = messages_of(fetch(T0, T0 + 40, direction, 3))
    if direction == "asc":
        assert got == ["ERROR: 2", "ERROR: 4", "ERROR: 6"]
        assert [start for start, *_ in asked] == [T0, T0 + 3, T0 + 5]
    else:
        assert got == ["ERROR: 12", "ERROR: 10", "ERROR: 8"]
        assert [end for _, end, *_ in asked] == [T0 + 40, T0 + 11]
    assert gaps == []


@pytest.mark.parametrize("direction", ["asc", "desc"])
def test_a_line_without_a_time_does_not_hide_the_lines_after_it(direction: Direction) -> None:
    untimed = {**record(0, "ERROR: untimed", level=None), "timestamp": "bad"}
    timed = errors_and_infos((1, 0, "ERROR: a"), (2, 0, "ERROR: b"))

    def answer(start: int, end: int, d: Direction, limit: int) -> Any:
        return [untimed, *(timed if d == "asc" else timed[::-1])]

    fetch = levelled_and_detected(nothing, answer, detected_at_least("ERROR"))
    assert messages_of(fetch(T0, T0 + 40, direction, 10)) == (
        ["ERROR: untimed", "ERROR: a", "ERROR: b"]
        if direction == "asc"
        else ["ERROR: untimed", "ERROR: b", "ERROR: a"]
    )


def test_with_an_inclusive_end_the_lines_at_the_windows_last_millisecond_are_shown() -> None:
    # Oldest first, the page ends at the window's last millisecond with a line still to read
    # there: it is asked again ([end, end]), not given up.
    lines = errors_and_infos((1, 0, "INFO: a"), (40, 1, "INFO: b"), (40, 2, "ERROR: at the end"))
    fetch = levelled_and_detected(
        nothing, inclusive_fetch(lines), detected_at_least("ERROR"), page_size=2
    )
    assert messages_of(fetch(T0, T0 + 40, "asc", 1)) == ["ERROR: at the end"]


def test_newest_first_the_lines_at_the_windows_first_millisecond_are_shown() -> None:
    # Newest first, the page ends at the window's first millisecond with a line still to read
    # there: it is asked again, not given up.
    lines = errors_and_infos((0, 0, "ERROR: first"), (0, 1, "INFO: x"), (2, 0, "INFO: y"))
    fetch = levelled_and_detected(
        nothing, window_fetch(lines), detected_at_least("ERROR"), page_size=2
    )
    assert messages_of(fetch(T0, T0 + 40, "desc", 1)) == ["ERROR: first"]


def test_newest_first_with_an_inclusive_end_no_line_is_shown_twice() -> None:
    # Each request newest first ends one millisecond past the seam (an inclusive `end` sends
    # the seam's newer neighbour again): that line is skipped, the older ones still read.
    lines = errors_and_infos(
        *[(ms, 0, f"{'ERROR' if ms % 3 == 0 else 'INFO'}: {ms}") for ms in range(1, 13)]
    )
    gaps: list[int] = []
    fetch = levelled_and_detected(
        nothing,
        inclusive_fetch(lines),
        detected_at_least("ERROR"),
        on_gap=gaps.append,
        page_size=3,
    )
    assert messages_of(fetch(T0, T0 + 40, "desc", 3)) == ["ERROR: 12", "ERROR: 9", "ERROR: 6"]
    assert gaps == []


@pytest.mark.parametrize("direction", ["asc", "desc"])
@pytest.mark.parametrize("edge", [False, True])
def test_an_unlevelled_error_before_the_levelled_pages_end_takes_its_place(
    direction: Direction, edge: bool
) -> None:
    # The levelled query fills the page (limit 2) up to millisecond 10. The unlevelled query is
    # walked until it passes 10 (a first page of four infos does not reach it, or, with `edge`,
    # ends inside it with lines of 10 still unread): its error, older than the levelled line
    # at 10 oldest first (newer newest first), takes that line's place.
    asc = direction == "asc"
    levelled = [record((T0 + ms) * MS + 9 * asc, f"L{ms}", level="ERROR") for ms in (1, 10, 20)]
    levelled = levelled[:2] if asc else levelled[1:]
    if edge:
        infos = [(2, 0), (3, 0), (10, 0), (10, 1)] if asc else [(16, 0), (15, 0), (10, 9), (10, 8)]
    else:
        infos = [(2, 0), (3, 0), (4, 0), (5, 0)] if asc else [(19, 0), (18, 0), (17, 0), (16, 0)]
    error = (10, 5, "ERROR: unlevelled") if edge else ((7 if asc else 12), 0, "ERROR: unlevelled")
    lines = errors_and_infos(*[(ms, ns, f"INFO: {ms}.{ns}") for ms, ns in infos], error)
    fetch = levelled_and_detected(
        window_fetch(levelled), window_fetch(lines), detected_at_least("ERROR"), page_size=4
    )
    got = messages_of(fetch(T0, T0 + 40, direction, 2))
    assert got == (["L1", "ERROR: unlevelled"] if asc else ["L20", "ERROR: unlevelled"])


def test_the_unlevelled_query_stops_as_soon_as_enough_lines_are_kept() -> None:
    lines = errors_and_infos(*[(ms, 0, f"ERROR: {ms}") for ms in range(1, 9)])
    asked: list[tuple[int, int, str, int]] = []
    fetch = levelled_and_detected(
        nothing, window_fetch(lines, asked), detected_at_least("ERROR"), page_size=2
    )
    assert messages_of(fetch(T0, T0 + 40, "asc", 2)) == ["ERROR: 1", "ERROR: 2"]
    assert len(asked) == 1


@pytest.mark.parametrize("at", ["start", "end"])
def test_a_full_levelled_page_at_the_windows_edge_bounds_the_unlevelled_walk(at: str) -> None:
    # The levelled page ends at the window's first millisecond (oldest first) or at its last
    # (newest first, an inclusive end): the unlevelled query is walked no further than that
    # millisecond, whatever infos fill the rest of the window.
    edge = 0 if at == "start" else 40
    direction: Direction = "asc" if at == "start" else "desc"
    levelled = [record((T0 + edge) * MS + ns, f"L{ns}", level="ERROR") for ns in (0, 1)]
    infos = errors_and_infos(*[(ms, 0, f"INFO: {ms}") for ms in range(41)])
    asked: list[tuple[int, int, str, int]] = []
    fetch = levelled_and_detected(
        inclusive_fetch(levelled),
        inclusive_fetch(infos, asked),
        detected_at_least("ERROR"),
        page_size=2,
    )
    assert messages_of(fetch(T0, T0 + 40, direction, 2)) == (
        ["L0", "L1"] if at == "start" else ["L1", "L0"]
    )
    assert len(asked) <= 2
