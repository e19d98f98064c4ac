"""Paging across seams: nothing lost, nothing doubled, under both `end` semantics."""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from baseten_logs.errors import ApiError
from baseten_logs.pager import MAX_WINDOW_MS, Direction, Pager, record_key, split_window
from baseten_logs.timestamps import record_ns
from tests.fakeapi import FakeLogs, record

MS = 1_000_000  # nanoseconds per millisecond
T0 = 1_764_150_000_000


def fetcher(fake: FakeLogs) -> Any:
    """Call the fake directly (no HTTP) so property tests stay fast."""

    def fetch(start: int, end: int, direction: Direction, limit: int) -> list[dict[str, Any]]:
        request = httpx.Request(
            "GET",
            "https://api.test/logs",
            params={
                "start_epoch_millis": start,
                "end_epoch_millis": end,
                "direction": direction,
                "limit": limit,
            },
        )
        logs: list[dict[str, Any]] = fake(request).json()["logs"]
        return logs

    return fetch


def keys(records: list[dict[str, Any]]) -> Counter[Any]:
    return Counter(record_key(r) for r in records)


def crowded(count: int, *, per_ms: int = 7, dup_every: int = 5) -> list[dict[str, Any]]:
    """Many lines share a millisecond, some a nanosecond, some are exact duplicates."""
    out = []
    for i in range(count):
        ms = T0 + i // per_ms
        ns = ms * MS + (i % 3)  # several lines per nanosecond
        out.append(record(ns, f"line {i // dup_every if i % dup_every == 0 else i}"))
        if i % dup_every == 0:
            out.append(record(ns, f"line {i // dup_every}"))  # an exact twin
    return out


@pytest.mark.parametrize("end_inclusive", [True, False])
@pytest.mark.parametrize("page_size", [1000, 12, 10])
def test_oldest_first_returns_every_line_once(end_inclusive: bool, page_size: int) -> None:
    lines = crowded(400)
    fake = FakeLogs(records=lines, end_inclusive=end_inclusive)
    pager = Pager(fetcher(fake), page_size=page_size)
    got = [r for page in pager.oldest(T0, T0 + 1000) for r in page]
    assert keys(got) == keys(lines)
    assert [int(r["timestamp"]) for r in got] == sorted(int(r["timestamp"]) for r in lines)
    assert pager.gaps == []


def _in_form(ns: int, form: str) -> object:
    """A nanosecond time as the beta endpoint might send it instead (some forms lose digits)."""
    seconds, fraction = divmod(ns, 1_000_000_000)
    day = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))
    local = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds + 7200))
    return {
        "ns-int": ns,
        "ms-int": ns // MS,
        "ms-text": str(ns // MS),
        "us-int": ns // 1000,
        "s-fraction": f"{seconds}.{fraction:09d}",
        "iso-9": f"{day}.{fraction:09d}Z",
        "iso-3-offset": f"{local}.{fraction // MS:03d}+02:00",
        "iso-none": f"{day}Z",
    }[form]


FORMS = ["ns-int", "ms-int", "ms-text", "us-int", "s-fraction", "iso-9", "iso-3-offset"]


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("end_inclusive", [True, False])
@pytest.mark.parametrize("page_size", [12, 10])
def test_paging_is_exact_whatever_form_the_timestamps_take(
    form: str, end_inclusive: bool, page_size: int
) -> None:
    lines = [dict(r, timestamp=_in_form(int(r["timestamp"]), form)) for r in crowded(300)]
    fake = FakeLogs(records=lines, end_inclusive=end_inclusive)
    pager = Pager(fetcher(fake), page_size=page_size)
    got = [r for page in pager.oldest(T0, T0 + 1000) for r in page]
    assert keys(got) == keys(lines)  # nothing lost or doubled at any seam
    assert [record_ns(r) for r in got] == sorted(record_ns(r) or 0 for r in lines)
    assert got[0]["timestamp"] == lines[0]["timestamp"]  # passed on as the API sent it
    newest = Pager(fetcher(fake), page_size=page_size).newest(T0, T0 + 1000, 77)
    times = sorted(record_ns(r) or 0 for r in lines)
    assert sorted(record_ns(r) or 0 for page in newest for r in page) == times[-77:]


def test_a_line_without_a_readable_time_is_shown_once() -> None:
    lines = crowded(60)
    odd = dict(lines[30], timestamp="yesterday-ish", message="odd one")
    pages = [lines[:25] + [odd], [odd] + lines[25:]]  # a seam brings it twice
    calls = iter(pages + [[]])

    def fetch(start: int, end: int, direction: Direction, limit: int) -> list[dict[str, Any]]:
        return next(calls)

    got = [r for page in Pager(fetch, page_size=26).oldest(T0, T0 + 1000) for r in page]
    assert [r["message"] for r in got].count("odd one") == 1


@pytest.mark.parametrize("end_inclusive", [True, False])
@pytest.mark.parametrize(("count", "page_size"), [(50, 1000), (120, 10), (399, 11), (1000, 10)])
def test_newest_n_is_exactly_the_newest(end_inclusive: bool, count: int, page_size: int) -> None:
    lines = crowded(300)
    ordered = sorted(lines, key=lambda r: int(r["timestamp"]))
    fake = FakeLogs(records=lines, end_inclusive=end_inclusive)
    pager = Pager(fetcher(fake), page_size=page_size)
    got = [r for page in pager.newest(T0, T0 + 1000, count) for r in page]
    want = ordered[-count:]
    # Lines in the oldest millisecond taken may be any of its lines with equal timestamps.
    assert len(got) == min(count, len(lines))
    assert sorted(int(r["timestamp"]) for r in got) == [int(r["timestamp"]) for r in want]
    boundary = int(want[0]["timestamp"]) // MS
    assert keys([r for r in got if int(r["timestamp"]) // MS > boundary]) == keys(
        [r for r in want if int(r["timestamp"]) // MS > boundary]
    )


def test_newest_asks_only_for_what_it_needs() -> None:
    fake = FakeLogs(records=crowded(100))
    pager = Pager(fetcher(fake))
    got = [r for page in pager.newest(T0, T0 + 1000, 20) for r in page]
    assert len(got) == 20
    assert [c["limit"] for c in fake.calls] == ["20"]
    assert fake.calls[0]["direction"] == "desc"


@pytest.mark.parametrize("end_inclusive", [True, False])
def test_window_end_is_inclusive_to_the_millisecond(end_inclusive: bool) -> None:
    lines = [record(T0 * MS), record((T0 + 10) * MS + 999_999), record((T0 + 11) * MS)]
    fake = FakeLogs(records=lines, end_inclusive=end_inclusive)
    got = [r for page in Pager(fetcher(fake)).oldest(T0, T0 + 10) for r in page]
    assert got == lines[:2]
    got = [r for page in Pager(fetcher(fake)).newest(T0, T0 + 10, 5) for r in page]
    assert got == lines[1::-1]


@pytest.mark.parametrize("end_inclusive", [True, False])
@pytest.mark.parametrize("direction", ["asc", "desc"])
def test_a_full_page_in_one_millisecond_is_a_reported_gap(
    end_inclusive: bool, direction: str
) -> None:
    before = [record((T0 + 1) * MS + i, f"before {i}") for i in range(3)]
    burst = [record((T0 + 5) * MS + i, f"burst {i}") for i in range(15)]
    after = [record((T0 + 9) * MS + i, f"after {i}") for i in range(3)]
    fake = FakeLogs(records=before + burst + after, end_inclusive=end_inclusive)
    gaps: list[int] = []
    pager = Pager(fetcher(fake), page_size=10, on_gap=gaps.append)
    pages = pager.oldest(T0, T0 + 20) if direction == "asc" else pager.newest(T0, T0 + 20, None)
    got = [r for page in pages for r in page]
    assert gaps == [T0 + 5] and pager.gaps == gaps
    assert keys(before + after) <= keys(got)  # both sides of the burst survive
    assert len(fake.calls) < 20  # and it did not loop


def test_no_lines_is_one_request() -> None:
    fake = FakeLogs()
    assert list(Pager(fetcher(fake)).oldest(T0, T0 + 10)) == []
    assert len(fake.calls) == 1


def test_lines_outside_the_window_in_a_full_page_are_an_error() -> None:
    def broken(start: int, end: int, direction: Direction, limit: int) -> list[dict[str, Any]]:
        return [record((T0 - 100) * MS)] * limit

    with pytest.raises(ApiError):
        list(Pager(broken, page_size=5).oldest(T0, T0 + 10))


def test_split_window_respects_the_seven_day_limit() -> None:
    ten_days = 10 * 86_400_000
    pieces = split_window(T0, T0 + ten_days)
    assert pieces[0][0] == T0 and pieces[-1][1] == T0 + ten_days
    assert all(b + 1 - a <= MAX_WINDOW_MS for a, b in pieces)
    assert all(pieces[i][1] + 1 == pieces[i + 1][0] for i in range(len(pieces) - 1))
    assert split_window(T0, T0) == [(T0, T0)]


@pytest.mark.parametrize("end_inclusive", [True, False])
def test_ten_day_window_is_fetched_in_pieces(end_inclusive: bool) -> None:
    day = 86_400_000
    lines = [record((T0 + d * day) * MS, f"day {d}") for d in range(11)]
    fake = FakeLogs(records=lines, end_inclusive=end_inclusive)
    got = [r for page in Pager(fetcher(fake)).oldest(T0, T0 + 10 * day) for r in page]
    assert got == lines
    got = [r for page in Pager(fetcher(fake)).newest(T0, T0 + 10 * day, 100) for r in page]
    assert got == lines[::-1]


@settings(max_examples=60, deadline=None)
@given(
    offsets=st.lists(st.integers(min_value=0, max_value=40), min_size=0, max_size=120),
    messages=st.lists(st.sampled_from("abc"), min_size=120, max_size=120),
    page_size=st.integers(min_value=4, max_value=12),
    end_inclusive=st.booleans(),
    count=st.integers(min_value=1, max_value=150),
)
def test_paging_property(
    offsets: list[int], messages: list[str], page_size: int, end_inclusive: bool, count: int
) -> None:
    """Any data whose milliseconds hold fewer lines than a page: exact multiset either way."""
    per_ms = Counter(offsets)
    if per_ms and max(per_ms.values()) >= page_size:
        return  # such a millisecond is a reported gap, tested above
    lines = [
        record((T0 + off) * MS + (i % 2), messages[i], replica=None)
        for i, off in enumerate(offsets)
    ]
    fake = FakeLogs(records=lines, end_inclusive=end_inclusive)
    got = [r for p in Pager(fetcher(fake), page_size=page_size).oldest(T0, T0 + 40) for r in p]
    assert keys(got) == keys(lines)
    newest = [
        r for p in Pager(fetcher(fake), page_size=page_size).newest(T0, T0 + 40, count) for r in p
    ]
    ordered = sorted(int(r["timestamp"]) for r in lines)
    assert sorted(int(r["timestamp"]) for r in newest) == ordered[-count:]
