"""What one run reads (reading/feed.py): its sources, their labels, the filters applied here,
and the newest N lines a local filter keeps."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from baseten_logs.api.client import ApiClient
from baseten_logs.reading.feed import (
    Feed,
    Part,
    _newest_kept,
    each_query,
    local_filter,
    narrowed,
    opening_pages,
)
from baseten_logs.reading.pager import Direction, Pager, WindowSpan
from baseten_logs.reading.query import Filters, LogQuery
from tests.fakeapi import LOGS_PATH, FakeLogs, record

T0_MS = 1_764_147_600_000


def query(**filters: Any) -> LogQuery:
    return LogQuery("/v1/models/m/deployments/d/logs", T0_MS, T0_MS + 40, Filters(**filters))


def test_the_label_column_is_as_wide_as_the_widest_label() -> None:
    feed = Feed((Part(query(), "pre"), Part(query(), "postprocess"), Part(query())))
    assert feed.label_width == len("postprocess")
    assert Feed.single(query()).label_width == 0


def test_each_replica_asked_is_a_query_of_its_own_with_its_sources_label() -> None:
    feed = Feed((Part(query(replicas=("r1", "r2")), "pre"), Part(query(replica="r3"), "post")))
    asked = [(part.query.filters.replica, part.label) for part in each_query(feed)]
    assert asked == [("r1", "pre"), ("r2", "pre"), ("r3", "post")]
    assert all(part.query.filters.replicas == () for part in each_query(feed))


def test_no_local_filters_keep_every_line_untouched() -> None:
    assert local_filter(Feed.single(query())) is None
    assert local_filter(Feed((Part(query()),), local=Filters())) is None


def test_local_filters_keep_what_the_api_would_have_kept() -> None:
    keep = local_filter(Feed((Part(query()),), local=Filters(request_id="req-1")))
    assert keep is not None
    lines = [{"message": "a", "request_id": "req-1"}, {"message": "b", "request_id": "req-2"}]
    assert keep(lines) == [lines[0]]


def lines(count: int) -> Any:
    records = [
        {"timestamp": str((T0_MS + ms) * 1_000_000), "message": f"{ms}", "request_id": f"r{ms % 2}"}
        for ms in range(count)
    ]

    def fetch(start: int, end: int, direction: Direction, limit: int) -> list[dict[str, Any]]:
        found = [r for r in records if start <= int(r["timestamp"]) // 1_000_000 < end]
        return (found[::-1] if direction == "desc" else found)[:limit]

    return fetch


def kept_even(page: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in page if r["request_id"] == "r0"]


def test_the_newest_n_kept_lines_are_shown_oldest_first() -> None:
    limited = LogQuery("/p", T0_MS, T0_MS + 40, limit=3)
    pages = _newest_kept(Pager(lines(30), page_size=4), limited, kept_even, newest_first=False)
    assert [r["message"] for page in pages for r in page] == ["24", "26", "28"]


def test_the_newest_n_kept_lines_newest_first_come_page_by_page() -> None:
    limited = LogQuery("/p", T0_MS, T0_MS + 40, limit=3)
    pages = list(_newest_kept(Pager(lines(30), page_size=4), limited, kept_even, newest_first=True))
    assert [r["message"] for page in pages for r in page] == ["28", "26", "24"]
    assert all(pages)  # no empty page


def test_fewer_kept_lines_than_asked_are_all_shown() -> None:
    limited = LogQuery("/p", T0_MS, T0_MS + 40, limit=10)
    pages = _newest_kept(Pager(lines(6), page_size=4), limited, kept_even, newest_first=False)
    assert [r["message"] for page in pages for r in page] == ["0", "2", "4"]


MS = 1_000_000


def two_replicas(logs_api: FakeLogs) -> None:
    logs_api.records += [
        record((T0_MS + 1) * MS, "r1 a", replica="r1", request_id="keep"),
        record((T0_MS + 2) * MS, "r2 b", replica="r2", request_id="drop"),
        record((T0_MS + 3) * MS, "r3 not asked", replica="r3", request_id="keep"),
        record((T0_MS + 4) * MS, "r1 c", replica="r1", request_id="keep"),
        record((T0_MS + 5) * MS, "r2 d", replica="r2", request_id="keep"),
    ]


def opening(
    client: ApiClient,
    feed: Feed,
    limit: int | None,
    *,
    newest_first: bool = False,
    concurrency: int = 1,
    gaps: list[int] | None = None,
) -> tuple[list[tuple[str, str | None]], int]:
    """(message, chainlet) of every line of the opening window, and how many parallel
    windows fetched it. The crowded milliseconds reported go to `gaps` (None: there must be
    none)."""
    window = LogQuery(LOGS_PATH, T0_MS, T0_MS + 40, limit=limit)
    reported: list[int] = []
    shown = opening_pages(
        client,
        feed,
        window,
        newest_first=newest_first,
        concurrency=concurrency,
        on_gap=reported.append,
        prefetch_bytes=1 << 20,
    )
    lines = [(r["message"], r.get("chainlet")) for page in shown.pages for r in page]
    # A parallel window made is the one that walked its source: it held what it fetched.
    assert all(window.budget.peak > 0 for window in shown.windows)
    if gaps is None:
        assert reported == []
    else:
        gaps.extend(reported)
    return lines, len(shown.windows)


def replicas_feed(**local: Any) -> Feed:
    part = Part(LogQuery(LOGS_PATH, T0_MS, T0_MS + 40, Filters(replicas=("r1", "r2"))), "pre")
    return Feed((part,), local=Filters(**local) if local else None)


def test_the_newest_n_of_every_replica_asked_are_shown_oldest_first_labelled(
    logs_api: FakeLogs, client: ApiClient
) -> None:
    two_replicas(logs_api)
    lines, windows = opening(client, replicas_feed(), 3)
    assert lines == [("r2 b", "pre"), ("r1 c", "pre"), ("r2 d", "pre")]
    assert windows == 0
    lines, _ = opening(client, replicas_feed(), 3, newest_first=True)
    assert lines == [("r2 d", "pre"), ("r1 c", "pre"), ("r2 b", "pre")]


def test_the_newest_n_a_local_filter_keeps(logs_api: FakeLogs, client: ApiClient) -> None:
    two_replicas(logs_api)
    lines, _ = opening(client, replicas_feed(request_id="keep"), 2)
    assert lines == [("r1 c", "pre"), ("r2 d", "pre")]
    lines, _ = opening(client, replicas_feed(request_id="keep"), 5, newest_first=True)
    assert lines == [("r2 d", "pre"), ("r1 c", "pre"), ("r1 a", "pre")]


def test_a_whole_window_of_every_replica_is_merged_in_time_order(
    logs_api: FakeLogs, client: ApiClient
) -> None:
    two_replicas(logs_api)
    every = [("r1 a", "pre"), ("r2 b", "pre"), ("r1 c", "pre"), ("r2 d", "pre")]
    # Two workers shared by two sources: one each, walked without a parallel window.
    assert opening(client, replicas_feed(), None, concurrency=2) == (every, 0)
    # Four: two each, so each source is fetched in parallel slices.
    assert opening(client, replicas_feed(), None, concurrency=4) == (every, 2)
    assert opening(client, replicas_feed(), None, concurrency=4, newest_first=True) == (
        every[::-1],
        0,
    )
    kept = opening(client, replicas_feed(request_id="keep"), None, concurrency=4)
    assert kept == ([line for line in every if line[0] != "r2 b"], 2)


def counted(fetch: Any, calls: list[int]) -> Any:
    def counting(start: int, end: int, direction: Direction, limit: int) -> Any:
        calls.append(start)
        return fetch(start, end, direction, limit)

    return counting


def all_but_27_and_29(page: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in page if r["message"] not in ("27", "29")]


@pytest.mark.parametrize("newest_first", [False, True])
def test_the_newest_n_kept_lines_are_n_even_when_a_later_page_keeps_more(
    newest_first: bool,
) -> None:
    # The first page (29-26) keeps two lines, the second (25-23) all three: one of them is
    # wanted, and no page is asked after it.
    limited = LogQuery("/p", T0_MS, T0_MS + 40, limit=3)
    calls: list[int] = []
    pager = Pager(counted(lines(30), calls), page_size=4)
    pages = _newest_kept(pager, limited, all_but_27_and_29, newest_first=newest_first)
    shown = [r["message"] for page in pages for r in page]
    assert shown == (["28", "26", "25"] if newest_first else ["25", "26", "28"])
    assert len(calls) == 2


def test_the_newest_zero_lines_are_none() -> None:
    limited = LogQuery("/p", T0_MS, T0_MS + 40, limit=0)
    pages = _newest_kept(Pager(lines(30), page_size=4), limited, kept_even, newest_first=False)
    assert [r for page in pages for r in page] == []


def test_a_crowd_narrowed_to_a_replica_asks_for_that_replica_alone(
    logs_api: FakeLogs, client: ApiClient
) -> None:
    """Narrowed to one replica (pager.Crowd), a part that asked for several sends only that one
    (r1); a replica it did not ask for is not asked at all (r3)."""
    two_replicas(logs_api)
    feed = replicas_feed()
    narrow = narrowed(client, feed, list(feed.parts), lambda fetch: fetch, lambda ms: None)
    assert narrow is not None
    got = narrow("r1")(T0_MS, T0_MS + 40, "asc", 10)
    assert [r["message"] for r in got] == ["r1 a", "r1 c"]
    assert narrow("r3")(T0_MS, T0_MS + 40, "asc", 10) == []
    assert [call.get("replica") for call in logs_api.calls] == ["r1"]


# Every way opening_pages walks: the newest N (one merged walk), a whole window walked by one
# pager per source, and a whole window in parallel slices (two workers per source).
WALKS = [
    pytest.param(1100, 1, id="newest-n"),
    pytest.param(None, 1, id="window"),
    pytest.param(None, 4, id="parallel-window"),
]
CROWDED_MS = T0_MS + 7


def crowded(logs_api: FakeLogs, replicas: tuple[str, ...]) -> list[str]:
    """2,400 lines in one millisecond, more than a page from each end holds, shared by
    `replicas`; their messages oldest first."""
    messages = []
    for i in range(2400):
        replica = replicas[i % len(replicas)]
        messages.append(f"{replica} {i}")
        logs_api.records.append(record(CROWDED_MS * MS + i, messages[-1], replica=replica))
    return messages


def all_replicas_feed() -> Feed:
    return Feed((Part(LogQuery(LOGS_PATH, T0_MS, T0_MS + 40), "pre"),))


@pytest.mark.parametrize(("limit", "concurrency"), WALKS)
def test_every_walk_asks_a_crowded_millisecond_replica_by_replica(
    logs_api: FakeLogs, client: ApiClient, limit: int | None, concurrency: int
) -> None:
    """A millisecond of more lines than a page holds is asked for one replica at a time (the
    feed's narrow), whichever way the window is walked: every line shown, no gap."""
    messages = crowded(logs_api, ("r1", "r2"))
    lines, _ = opening(client, all_replicas_feed(), limit, concurrency=concurrency)
    assert sorted(message for message, _ in lines) == sorted(messages[-(limit or 2400) :])
    assert {call.get("replica") for call in logs_api.calls} == {None, "r1", "r2"}


@pytest.mark.parametrize(("limit", "concurrency"), WALKS)
def test_every_walk_reports_a_millisecond_it_cannot_show_whole(
    logs_api: FakeLogs, client: ApiClient, limit: int | None, concurrency: int
) -> None:
    """One replica's 2,400 lines in one millisecond: asking for that replica alone cannot
    page through them either, and the run is told (its warning), whichever way it walks."""
    crowded(logs_api, ("r1",))
    gaps: list[int] = []
    lines, _ = opening(client, all_replicas_feed(), limit, concurrency=concurrency, gaps=gaps)
    assert set(gaps) == {CROWDED_MS}
    assert lines


@pytest.mark.parametrize(("limit", "concurrency"), WALKS)
def test_every_walk_keeps_to_the_runs_window_span(
    logs_api: FakeLogs, client: ApiClient, limit: int | None, concurrency: int
) -> None:
    """Once the API has refused a long window (the run's WindowSpan has shrunk), every walk
    asks for windows no longer than the span."""
    two_replicas(logs_api)
    span = WindowSpan()
    span.ms = 10
    feed = replace(replicas_feed(), span=span)
    lines, _ = opening(client, feed, limit, concurrency=concurrency)
    assert [message for message, _ in lines] == ["r1 a", "r2 b", "r1 c", "r2 d"]
    asked = [int(c["end_epoch_millis"]) - int(c["start_epoch_millis"]) for c in logs_api.calls]
    assert asked and max(asked) <= 10


@pytest.mark.parametrize(("limit", "concurrency"), WALKS)
def test_every_walk_reports_a_crowd_only_the_level_detection_met(
    logs_api: FakeLogs, client: ApiClient, limit: int | None, concurrency: int
) -> None:
    """--level asks a second query for unlevelled lines showing the level (level_filter): one
    millisecond of 2,400 levelled INFO lines matching its pattern ("warn") is a crowd that
    query cannot page through, though the page shown holds one line. The run is told."""
    logs_api.records.append(record((T0_MS + 3) * MS, "WARNING: disk 91% full", level=None))
    for i in range(2400):
        logs_api.records.append(record(CROWDED_MS * MS + i, f"warnings reset {i}", level="INFO"))
    feed = Feed((Part(LogQuery(LOGS_PATH, T0_MS, T0_MS + 40, Filters(min_level="WARNING"))),))
    gaps: list[int] = []
    lines, _ = opening(client, feed, limit, concurrency=concurrency, gaps=gaps)
    assert lines == [("WARNING: disk 91% full", None)]
    assert set(gaps) == {CROWDED_MS}
