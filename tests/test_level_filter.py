"""--level shows every line the output shows at that level, unlevelled ones included."""

from __future__ import annotations

from collections import Counter
from typing import Any

import httpx
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from baseten_logs.base.levels import LEVEL_RANK, LEVELS, detect_level, effective_level
from baseten_logs.reading.level_filter import (
    detected_at_least,
    levelled_and_detected,
    marker_pattern,
)
from baseten_logs.reading.pager import Direction, Pager, record_key
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
