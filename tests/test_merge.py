"""Several sources read as one (merge.py): nothing lost, nothing doubled, in time order."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from baseten_logs.api.page import Page, Record
from baseten_logs.reading.merge import labelled, merge_records, merge_streams, union_fetch
from baseten_logs.reading.pager import Direction, FetchPage, Pager, page_bytes

T0_MS = 1_764_147_600_000


def source(lines: list[tuple[int, str]]) -> FetchPage:
    """A fake endpoint over (millisecond offset, message) lines: `end` exclusive, like the API."""
    records = sorted(
        (
            {"timestamp": str((T0_MS + ms) * 1_000_000 + i), "message": text}
            for i, (ms, text) in enumerate(lines)
        ),
        key=lambda r: int(r["timestamp"]),
    )

    def fetch(start: int, end: int, direction: Direction, limit: int) -> list[Record]:
        found = [r for r in records if start <= int(r["timestamp"]) // 1_000_000 < end]
        if direction == "desc":
            found.reverse()
        return found[:limit]

    return fetch


lines_of_a_source = st.lists(
    st.tuples(st.integers(0, 40), st.sampled_from(["a", "b", "same"])), max_size=40
)


def expected(sources: list[list[tuple[int, str]]]) -> list[tuple[str, str, str]]:
    every = [
        (str((T0_MS + ms) * 1_000_000 + i), text, f"s{n}")
        for n, lines in enumerate(sources)
        for i, (ms, text) in enumerate(lines)
    ]
    return sorted(every, key=lambda t: int(t[0]))


def roomy(sources: list[list[tuple[int, str]]], extra: int) -> int:
    """A page size above the most lines of any one millisecond (no gaps: that is pager.py's)."""
    per_ms = Counter(ms for lines in sources for ms, _ in lines)
    return max(per_ms.values(), default=0) + extra


def seen(records: list[Record]) -> list[tuple[str, str, str]]:
    return [(r["timestamp"], r["message"], r["chainlet"]) for r in records]


@settings(max_examples=60, deadline=None)
@given(st.lists(lines_of_a_source, min_size=1, max_size=3), st.integers(1, 7))
def test_a_merged_walk_is_the_union_in_time_order(
    sources: list[list[tuple[int, str]]], page_size: int
) -> None:
    fetches = [labelled(source(lines), f"s{n}") for n, lines in enumerate(sources)]
    pager = Pager(union_fetch(fetches), page_size=roomy(sources, page_size))
    got = [r for page in pager.oldest(T0_MS, T0_MS + 40) for r in page]
    assert sorted(seen(got), key=lambda t: int(t[0])) == expected(sources)
    assert seen(got) == expected(sources)


@settings(max_examples=60, deadline=None)
@given(st.lists(lines_of_a_source, min_size=2, max_size=3), st.integers(1, 7), st.integers(1, 50))
def test_newest_n_are_the_newest_of_all_sources_not_n_each(
    sources: list[list[tuple[int, str]]], page_size: int, count: int
) -> None:
    fetches = [labelled(source(lines), f"s{n}") for n, lines in enumerate(sources)]
    pager = Pager(union_fetch(fetches), page_size=roomy(sources, page_size))
    got = [r for page in pager.newest(T0_MS, T0_MS + 40, count) for r in page]
    want = expected(sources)[::-1][:count]
    assert seen(got) == want


@settings(max_examples=60, deadline=None)
@given(st.lists(lines_of_a_source, min_size=2, max_size=3), st.integers(1, 7))
def test_merged_streams_hold_every_line_once_in_pages_of_bounded_size(
    sources: list[list[tuple[int, str]]], page_size: int
) -> None:
    streams = [
        Pager(labelled(source(lines), f"s{n}"), page_size=roomy(sources, 1)).oldest(
            T0_MS, T0_MS + 40
        )
        for n, lines in enumerate(sources)
    ]
    pages = list(merge_streams(streams, descending=False, page_size=page_size))
    assert all(0 < len(page) <= page_size for page in pages)
    assert seen([r for page in pages for r in page]) == expected(sources)


def test_a_line_without_a_readable_time_keeps_its_place_in_its_source() -> None:
    first = [{"timestamp": "1", "message": "x"}, {"timestamp": "bad", "message": "odd"}]
    second = [{"timestamp": "2", "message": "y"}]
    # "1" and "2" read as epoch seconds; "bad" follows the line it came after, not the end.
    merged = list(merge_streams([[first], [second]], descending=False))[0]
    assert [r["message"] for r in merged] == ["x", "odd", "y"]


def at(ms: int, message: str) -> Record:
    return {"timestamp": str((T0_MS + ms) * 1_000_000), "message": message}


def test_newest_first_an_untimed_first_line_stays_before_every_other() -> None:
    # Newest first, a source that opens with an unreadable time: it stays first, as oldest
    # first it stays where its source put it (the same sequence turned round).
    first = [{"timestamp": "bad", "message": "odd"}, at(5, "x")]
    second = [at(9, "y"), at(1, "z")]
    merged = list(merge_streams([[first], [second]], descending=True))[0]
    assert [r["message"] for r in merged] == ["odd", "y", "x", "z"]


def test_newest_first_lines_of_one_nanosecond_are_the_oldest_first_order_turned_round() -> None:
    one = [at(3, "a")]
    two = [at(3, "b")]
    oldest = list(merge_streams([[one], [two]], descending=False))[0]
    newest = list(merge_streams([[one], [two]], descending=True))[0]
    assert [r["message"] for r in oldest] == ["a", "b"]
    assert [r["message"] for r in newest] == ["b", "a"]


def failing(start: int, end: int, direction: Direction, limit: int) -> list[Record]:
    raise RuntimeError("chainlet down")


def test_a_failing_source_fails_the_merged_request() -> None:
    ok = source([(1, "a")])
    for fetches in ([ok, failing], [failing, ok], [ok, ok, failing]):
        with pytest.raises(RuntimeError, match="chainlet down"):
            union_fetch(fetches)(T0_MS, T0_MS + 40, "asc", 10)


def test_every_source_is_asked_the_same_window_direction_and_limit() -> None:
    asked: list[tuple[int, int, str, int]] = []
    lock = threading.Lock()

    def spy(start: int, end: int, direction: Direction, limit: int) -> list[Record]:
        with lock:
            asked.append((start, end, direction, limit))
        return []

    assert union_fetch([spy, spy, spy])(T0_MS, T0_MS + 40, "desc", 7) == []
    assert asked == [(T0_MS, T0_MS + 40, "desc", 7)] * 3


def test_the_merged_request_keeps_the_first_limit_lines_of_the_union() -> None:
    fetch = union_fetch([source([(1, "a"), (4, "c")]), source([(2, "b"), (5, "d")])])
    assert [r["message"] for r in fetch(T0_MS, T0_MS + 40, "asc", 3)] == ["a", "b", "c"]
    assert [r["message"] for r in fetch(T0_MS, T0_MS + 40, "desc", 3)] == ["d", "c", "b"]


def test_a_labelled_page_holds_what_the_answer_held() -> None:
    def answer(start: int, end: int, direction: Direction, limit: int) -> list[Record]:
        return Page([at(1, "a")], held=4321)

    page = labelled(answer, "chainlet-a")(T0_MS, T0_MS + 40, "asc", 10)
    assert page == [{**at(1, "a"), "chainlet": "chainlet-a"}]
    assert page_bytes(page) == 4321


def test_oldest_first_an_untimed_first_line_stays_before_every_other() -> None:
    first = [at(5, "x")]
    second = [{"timestamp": "bad", "message": "odd"}, at(9, "y")]
    merged = list(merge_streams([[first], [second]], descending=False))[0]
    assert [r["message"] for r in merged] == ["odd", "x", "y"]


def test_one_source_is_its_own_order() -> None:
    lines = [at(5, "late"), at(1, "early"), {"timestamp": "bad", "message": "odd"}]
    assert list(merge_records([lines], descending=False)) == lines
    assert list(merge_records([lines], descending=True)) == lines
