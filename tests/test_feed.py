"""What one run reads (reading/feed.py): its sources, their labels, the filters applied here,
and the newest N lines a local filter keeps."""

from __future__ import annotations

from typing import Any

from baseten_logs.reading.feed import Feed, Part, _newest_kept, each_query, local_filter
from baseten_logs.reading.pager import Direction, Pager
from baseten_logs.reading.query import Filters, LogQuery

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
