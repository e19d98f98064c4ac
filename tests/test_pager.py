"""Paging across seams: nothing lost, nothing doubled, under both `end` semantics."""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from baseten_logs.base.errors import ApiError, UsageError
from baseten_logs.base.timestamps import record_ns
from baseten_logs.reading.pager import (
    MAX_WINDOW_MS,
    SMALL_WINDOW_MS,
    Direction,
    End,
    Pager,
    WindowSpan,
    _named,
    joined,
    record_key,
    refuses_the_window,
    split_window,
)
from tests.fakeapi import FakeLogs, record

MS = 1_000_000  # nanoseconds per millisecond
T0 = 1_764_150_000_000


def fetcher(fake: FakeLogs, **extra: str) -> Any:
    """Call the fake directly (no HTTP) so property tests stay fast; `extra`: more parameters
    (a `replica`)."""

    def fetch(start: int, end: int, direction: Direction, limit: int) -> list[dict[str, Any]]:
        request = httpx.Request(
            "GET",
            "https://api.test/logs",
            params={
                "start_epoch_millis": start,
                "end_epoch_millis": end,
                "direction": direction,
                "limit": limit,
                **extra,
            },
        )
        response = fake(request)
        # The real API answers 400 to what the fake rejects (start > end, limit > 1000...).
        assert response.status_code == 200, response.json()
        logs: list[dict[str, Any]] = response.json()["logs"]
        return logs

    return fetch


def keys(records: list[dict[str, Any]]) -> Counter[Any]:
    """The lines as a multiset, every field counted (independent of the pager's record_key)."""
    return Counter(tuple(sorted(r.items())) for r in records)


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


def test_different_lines_without_a_readable_time_are_all_shown() -> None:
    lines = crowded(10)
    odd = [dict(lines[0], timestamp="?", message=f"odd {n}") for n in range(3)]
    calls = iter([lines[:5] + odd + lines[5:], []])

    def fetch(start: int, end: int, direction: Direction, limit: int) -> list[dict[str, Any]]:
        return next(calls)

    got = [r for page in Pager(fetch, page_size=26).oldest(T0, T0 + 1000) for r in page]
    assert [r["message"] for r in got if r["timestamp"] == "?"] == ["odd 0", "odd 1", "odd 2"]


def test_identical_lines_of_two_chainlets_are_two_lines() -> None:
    line = record(T0 * MS, "ready", replica="r1")
    assert record_key(dict(line, chainlet="a")) != record_key(dict(line, chainlet="b"))
    assert record_key(dict(line, chainlet="a")) == record_key(dict(line, chainlet="a"))


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
    assert pager.gaps == []  # no millisecond holds a page: no "lines not shown" warning


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
def test_more_than_two_pages_in_one_millisecond_is_a_reported_gap(
    end_inclusive: bool, direction: str
) -> None:
    # Lines in the milliseconds right next to the burst: paging on after it skips none.
    # Both ends of the burst (two pages of 10) cannot meet, and no replica may be asked alone.
    before = [record((T0 + 4) * MS + i, f"before {i}") for i in range(3)]
    burst = [record((T0 + 5) * MS + i, f"burst {i}") for i in range(25)]
    after = [record((T0 + 6) * MS + i, f"after {i}") for i in range(3)]
    fake = FakeLogs(records=before + burst + after, end_inclusive=end_inclusive)
    gaps: list[int] = []
    pager = Pager(fetcher(fake), page_size=10, on_gap=gaps.append)
    pages = pager.oldest(T0, T0 + 20) if direction == "asc" else pager.newest(T0, T0 + 20, None)
    got = [r for page in pages for r in page]
    assert gaps == [T0 + 5] and pager.gaps == gaps
    assert keys(before + after) <= keys(got)  # both sides of the burst survive
    assert keys(got) == keys(before + burst[:10] + burst[15:] + after)  # its two ends, once
    # It did not loop, nor ask again for a millisecond it knows is full: one request for the
    # page that reaches the burst, one that finds it full, one for its other end, one past it;
    # an `end` that includes its millisecond costs one more request to learn (walking back, or
    # asking the burst's last lines, which then come after the next millisecond's).
    assert len(fake.calls) == (5 if end_inclusive else 4)


def test_no_lines_is_one_request() -> None:
    fake = FakeLogs()
    assert list(Pager(fetcher(fake)).oldest(T0, T0 + 10)) == []
    assert len(fake.calls) == 1


def test_lines_outside_the_window_in_a_full_page_are_an_error() -> None:
    def broken(start: int, end: int, direction: Direction, limit: int) -> list[dict[str, Any]]:
        return [record((T0 - 100) * MS)] * limit

    with pytest.raises(ApiError) as caught:
        list(Pager(broken, page_size=5).oldest(T0, T0 + 10))
    assert str(caught.value) == (
        "the API returned a full page outside the requested window"
        " (the endpoint is in beta; please report this with -v output)"
    )


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
    forwards = Pager(fetcher(fake), page_size=page_size)
    got = [r for p in forwards.oldest(T0, T0 + 40) for r in p]
    assert keys(got) == keys(lines)
    backwards = Pager(fetcher(fake), page_size=page_size)
    newest = [r for p in backwards.newest(T0, T0 + 40, count) for r in p]
    ordered = sorted(int(r["timestamp"]) for r in lines)
    assert sorted(int(r["timestamp"]) for r in newest) == ordered[-count:]
    # Every millisecond holds fewer lines than a page: nothing may be reported as not shown.
    assert forwards.gaps == [] and backwards.gaps == []


def test_split_window_pieces_are_as_long_as_allowed() -> None:
    assert split_window(T0, T0 + 19, 10) == [(T0, T0 + 9), (T0 + 10, T0 + 19)]
    assert split_window(T0, T0 + 20, 10) == [(T0, T0 + 9), (T0 + 10, T0 + 19), (T0 + 20, T0 + 20)]


def in_other_order_after_the_first_call(fake: FakeLogs) -> Any:
    """The API does not say how it orders lines within a millisecond: vary it between calls."""
    inner = fetcher(fake)

    def fetch(start: int, end: int, direction: Direction, limit: int) -> list[dict[str, Any]]:
        page = inner(start, end, direction, limit)
        if len(fake.calls) > 1:
            groups: dict[int, list[dict[str, Any]]] = {}
            for r in page:
                groups.setdefault(int(r["timestamp"]) // MS, []).append(r)
            page = [r for group in groups.values() for r in reversed(group)]
        return page

    return fetch


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("timestamp", str((T0 + 1) * MS + 2)),
        ("message", "other"),
        ("replica", "zzzzz"),
        ("request_id", "req-2"),
        ("level", "ERROR"),
    ],
)
def test_lines_differing_in_one_field_are_both_shown_across_a_seam(field: str, value: str) -> None:
    first = record((T0 + 1) * MS + 5, "same", request_id="req-1")
    second = {**first, field: value}
    lines = [record(T0 * MS, "x1"), record(T0 * MS, "x2"), first, second]
    lines.append(record((T0 + 2) * MS, "y"))
    fake = FakeLogs(records=lines)
    got = [
        r
        for p in Pager(in_other_order_after_the_first_call(fake), page_size=3).oldest(T0, T0 + 9)
        for r in p
    ]
    assert keys(got) == keys(lines)


def test_newest_n_counts_across_seven_day_pieces() -> None:
    day = 86_400_000
    lines = [record((T0 + d * day) * MS, f"day {d}") for d in range(11)]
    fake = FakeLogs(records=lines)
    got = [r for page in Pager(fetcher(fake)).newest(T0, T0 + 10 * day, 5) for r in page]
    assert got == lines[:-6:-1]


def test_newest_n_over_pages_asks_for_no_more_than_it_needs() -> None:
    fake = FakeLogs(records=[record((T0 + i) * MS, f"line {i}") for i in range(40)])
    got = [r for page in Pager(fetcher(fake), page_size=10).newest(T0, T0 + 100, 25) for r in page]
    assert len(got) == 25
    # Each next page re-fetches the seam millisecond (one line here) plus what is still wanted.
    assert [c["limit"] for c in fake.calls] == ["10", "10", "8"]


def test_newest_n_shows_an_identical_pair_at_until_once_each() -> None:
    """`-n 4 --until T` with two identical lines at T prints `a a b c`, not `a a a b`.

    Lines one millisecond past T fill the first page (the server's `end` includes its own
    millisecond), so T is fetched again and both copies of `a` must be skipped there.
    """
    until = T0 + 10
    lines = [
        record((until + 1) * MS, "past", replica=None),
        record((until + 1) * MS, "past", replica=None),
        record(until * MS + 5, "a", replica=None),
        record(until * MS + 5, "a", replica=None),
        record((until - 1) * MS, "b", replica=None),
        record((until - 2) * MS, "c", replica=None),
    ]
    fake = FakeLogs(records=lines, end_inclusive=True)
    got = [r for page in Pager(fetcher(fake)).newest(T0, until, 4) for r in page]
    assert [r["message"] for r in got] == ["a", "a", "b", "c"]
    # Three identical lines at T, two of them on the first page: all three are shown.
    fake.records.append(record(until * MS + 5, "a", replica=None))
    got = [r for page in Pager(fetcher(fake)).newest(T0, until, 4) for r in page]
    assert [r["message"] for r in got] == ["a", "a", "a", "b"]


def test_newest_n_stays_n_when_lines_arrive_late_into_the_seam() -> None:
    """`-n 3` prints 3 lines even when late lines land in the millisecond being re-fetched."""
    until = T0 + 10
    fake = FakeLogs(
        records=[
            record((until + 1) * MS, "past"),
            record(until * MS, "a"),
            record((until - 1) * MS + 1, "b"),
            record((until - 1) * MS, "c"),
        ],
        end_inclusive=True,
    )
    inner = fetcher(fake)

    def late(start: int, end: int, direction: Direction, limit: int) -> list[dict[str, Any]]:
        page = inner(start, end, direction, limit)
        if len(fake.calls) == 1:  # two lines arrive in the seam millisecond after the first page
            fake.records += [
                record((until - 1) * MS + 7, "late 1"),
                record((until - 1) * MS + 8, "late 2"),
            ]
        return page

    got = [r for page in Pager(late).newest(T0, until, 3) for r in page]
    assert len(got) == 3
    assert [r["message"] for r in got[:2]] == ["a", "b"]


@pytest.mark.parametrize("end_inclusive", [True, False])
def test_newest_n_sharing_a_millisecond_across_a_page_is_no_gap(end_inclusive: bool) -> None:
    """The 10th and 11th newest lines in one millisecond (a page of 10): all 11, no warning."""
    lines = [record((T0 + i) * MS, f"line {i}") for i in range(20)]
    lines[9] = record((T0 + 10) * MS + 1, "line 9")  # shares T0 + 10 with line 10
    fake = FakeLogs(records=lines, end_inclusive=end_inclusive)
    pager = Pager(fetcher(fake), page_size=10)
    got = [r for page in pager.newest(T0, T0 + 100, 11) for r in page]
    assert len(got) == 11 and keys(got) == keys(lines[9:])
    assert pager.gaps == []


@pytest.mark.parametrize("end_inclusive", [True, False])
@pytest.mark.parametrize("where", ["first", "last"])
def test_a_crowded_edge_millisecond_is_a_gap_and_no_request_the_api_refuses(
    end_inclusive: bool, where: str
) -> None:
    """A full page in the window's first or last millisecond is reported (exit 6), and paging
    stops at the window's edge rather than asking for start > end (the API's 400: exit 2)."""
    edge = T0 if where == "first" else T0 + 20
    burst = [record(edge * MS + i, f"burst {i}") for i in range(25)]  # past both ends
    middle = [record((T0 + 10) * MS, "middle")]
    for direction in ("asc", "desc"):
        fake = FakeLogs(records=burst + middle, end_inclusive=end_inclusive)
        pager = Pager(fetcher(fake), page_size=10)
        pages = pager.oldest(T0, T0 + 20) if direction == "asc" else pager.newest(T0, T0 + 20, None)
        got = [r for page in pages for r in page]
        assert pager.gaps == [edge], direction
        assert keys(middle) <= keys(got)
        assert fake.rejected == []


# --- a crowded millisecond: both ends, then replica by replica ---------------------------------
def walk(pager: Pager, direction: str, count: int | None = None) -> list[dict[str, Any]]:
    pages = pager.oldest(T0, T0 + 20) if direction == "asc" else pager.newest(T0, T0 + 20, count)
    return [r for page in pages for r in page]


def in_order(got: list[dict[str, Any]], direction: str) -> bool:
    times = [record_ns(r) or 0 for r in got]
    return times == sorted(times, reverse=direction == "desc")


@pytest.mark.parametrize("end_inclusive", [True, False])
@pytest.mark.parametrize("direction", ["asc", "desc"])
def test_a_crowded_millisecond_asked_from_both_ends_is_whole_when_they_overlap(
    end_inclusive: bool, direction: str
) -> None:
    """15 lines in one millisecond, pages of 10: its first 10 and its last 10 overlap (the last
    page's oldest line is older than the first's newest), so every line comes once, no gap.
    Two identical lines at one nanosecond in the overlap are both kept."""
    burst = [record((T0 + 5) * MS + i, f"burst {i}") for i in range(15)]
    burst[7] = dict(burst[6])  # a logger with two handlers: the same line twice
    around = [record((T0 + 4) * MS, "before"), record((T0 + 6) * MS, "after")]
    fake = FakeLogs(records=burst + around, end_inclusive=end_inclusive)
    pager = Pager(fetcher(fake), page_size=10)
    got = walk(pager, direction)
    assert keys(got) == keys(burst + around) and len(got) == 17
    assert in_order(got, direction)
    assert pager.gaps == [] and fake.rejected == []
    other = "desc" if direction == "asc" else "asc"
    crowd = str(T0 + 5)
    assert any(c["start_epoch_millis"] == crowd and c["direction"] == other for c in fake.calls)


@pytest.mark.parametrize("direction", ["asc", "desc"])
def test_a_crowded_millisecond_is_asked_replica_by_replica_past_two_pages(direction: str) -> None:
    """36 lines of three replicas, interleaved, in one millisecond (pages of 10): the ends do
    not meet, each replica's 12 lines do: every line once, in time order, no gap."""
    names = ["aaaaa", "bbbbb", "ccccc"]
    burst = [record((T0 + 5) * MS + i, f"burst {i}", replica=names[i % 3]) for i in range(36)]
    around = [record((T0 + 2) * MS, "before"), record((T0 + 9) * MS, "after")]
    fake = FakeLogs(records=burst + around)
    asked: list[str] = []

    def narrow(name: str) -> Any:
        asked.append(name)
        return fetcher(fake, replica=name)

    pager = Pager(fetcher(fake), page_size=10, narrow=narrow)
    got = walk(pager, direction)
    assert keys(got) == keys(burst + around) and len(got) == 38
    assert in_order(got, direction)
    assert pager.gaps == [] and sorted(asked) == names


def test_newest_n_through_a_crowded_millisecond_stops_at_n() -> None:
    burst = [record((T0 + 5) * MS + i, f"burst {i}", replica=f"r{i % 2}xyz") for i in range(30)]
    fake = FakeLogs(records=burst)
    pager = Pager(fetcher(fake), page_size=10, narrow=lambda name: fetcher(fake, replica=name))
    got = walk(pager, "desc", 23)
    assert got == burst[::-1][:23] and pager.gaps == []


@pytest.mark.parametrize("direction", ["asc", "desc"])
def test_what_no_request_can_reach_is_a_gap_and_everything_else_is_shown(direction: str) -> None:
    """Replica `big` has 25 lines in the millisecond (pages of 10): its middle 5 cannot be
    reached, a gap; replica `small`'s 8 lines and both ends of `big` are all shown, once."""
    big = [record((T0 + 5) * MS + 2 * i, f"big {i}", replica="big00") for i in range(25)]
    small = [record((T0 + 5) * MS + 2 * i + 1, f"small {i}", replica="small") for i in range(8)]
    fake = FakeLogs(records=big + small)
    pager = Pager(fetcher(fake), page_size=10, narrow=lambda name: fetcher(fake, replica=name))
    got = walk(pager, direction)
    assert keys(got) == keys(big[:10] + big[15:] + small)
    assert pager.gaps == [T0 + 5]


def test_lines_no_replica_can_select_are_a_gap_when_the_ends_do_not_meet() -> None:
    burst = [record((T0 + 5) * MS + i, f"burst {i}", replica=None) for i in range(25)]
    fake = FakeLogs(records=burst)
    pager = Pager(fetcher(fake), page_size=10, narrow=lambda name: fetcher(fake, replica=name))
    got = walk(pager, "asc")
    assert keys(got) == keys(burst[:10] + burst[15:]) and pager.gaps == [T0 + 5]
    assert all("replica" not in call for call in fake.calls)  # none to ask for


def test_object_messages_are_told_apart_at_a_seam_whatever_their_key_order() -> None:
    # The endpoint is beta: a message may come as an object, its keys in any order each time.
    def line(ms: int, message: Any) -> dict[str, Any]:
        return record((T0 + ms) * MS, "", replica=None) | {"message": message}

    a, a2, d = line(0, {"n": 1}), line(0, {"n": 2}), line(2, {"n": 4})
    b, c = line(1, {"x": 1, "y": 2}), line(1, {"x": 1, "y": 3})
    b_again = line(1, {"y": 2, "x": 1})  # the same line as b, re-fetched at the seam
    pages = {T0: [a, a2, b], T0 + 1: [c, b_again, d], T0 + 2: [d]}
    pager = Pager(lambda start, end, direction, limit: pages[start], page_size=3)
    assert [r for p in pager.oldest(T0, T0 + 10) for r in p] == [a, a2, b, c, d]


# --- windows the API refuses as too long (training logs: truss's 2 hours) -----------------------
HOUR = 3_600_000


def refusing(fake: FakeLogs, longest: int, asked: list[tuple[int, int]]) -> Any:
    """The fake behind an API that answers 400 naming the window to windows over `longest`."""
    inner = fetcher(fake)

    def fetch(start: int, end: int, direction: Direction, limit: int) -> list[dict[str, Any]]:
        asked.append((start, end))
        if end - start > longest:
            raise UsageError(
                "the API rejected the query",
                "HTTP 400: end_epoch_millis: the window from start_epoch_millis to "
                "end_epoch_millis must not exceed 2 hours",
            )
        return inner(start, end, direction, limit)

    return fetch


def spread(count: int, step_ms: int) -> list[dict[str, Any]]:
    return [record((T0 + i * step_ms) * MS, f"line {i}") for i in range(count)]


@pytest.mark.parametrize("end_inclusive", [True, False])
@pytest.mark.parametrize("newest", [True, False])
def test_a_refused_window_is_walked_again_in_2_hour_pieces_exactly(
    end_inclusive: bool, newest: bool
) -> None:
    lines = spread(300, 97_000)  # 8 hours of lines, 2-hour pieces have seams inside
    asked: list[tuple[int, int]] = []
    notes: list[str] = []
    span = WindowSpan(notes.append)
    fake = FakeLogs(records=lines, end_inclusive=end_inclusive)
    pager = Pager(refusing(fake, 2 * HOUR, asked), page_size=25, span=span)
    until = T0 + 10 * HOUR
    if newest:
        got = [r for page in pager.newest(T0, until, 130) for r in page][::-1]
        assert got == lines[-130:]
    else:
        got = [r for page in pager.oldest(T0, until) for r in page]
        assert got == lines
    refused = [(a, b) for a, b in asked if b - a > 2 * HOUR]
    assert len(refused) == 1  # then the smaller span is kept for the walk
    assert span.ms == SMALL_WINDOW_MS
    assert len(notes) == 1 and "asking in pieces of 2h from now on" in notes[0]


def test_the_smaller_span_is_kept_for_the_next_walk_of_the_run() -> None:
    asked: list[tuple[int, int]] = []
    span = WindowSpan()
    fake = FakeLogs(records=spread(50, 60_000))
    fetch = refusing(fake, 2 * HOUR, asked)
    list(Pager(fetch, span=span).oldest(T0, T0 + 5 * HOUR))
    asked.clear()
    list(Pager(fetch, span=span).oldest(T0, T0 + 5 * HOUR))  # another walk, same run
    assert all(b - a <= 2 * HOUR for a, b in asked) and len(asked) == 3


def test_without_a_span_a_refused_window_is_an_error() -> None:
    fake = FakeLogs(records=spread(5, 60_000))
    with pytest.raises(UsageError):
        list(Pager(refusing(fake, 2 * HOUR, [])).oldest(T0, T0 + 5 * HOUR))


def test_a_400_about_something_else_or_a_refused_small_window_stands() -> None:
    fake = FakeLogs(records=spread(5, 60_000))
    span = WindowSpan()
    with pytest.raises(UsageError):  # even 2-hour windows are refused: nothing smaller to try
        list(Pager(refusing(fake, HOUR, []), span=span).oldest(T0, T0 + 5 * HOUR))

    def other(start: int, end: int, direction: Direction, limit: int) -> list[dict[str, Any]]:
        raise UsageError("the API rejected the query", "HTTP 400: min_level: unknown level")

    with pytest.raises(UsageError, match="min_level"):
        list(Pager(other, span=WindowSpan()).oldest(T0, T0 + 5 * HOUR))


def test_a_seam_skips_each_line_taken_there_once() -> None:
    # Two identical lines at the seam, one taken: a re-fetch skips one and keeps the other.
    from baseten_logs.reading.pager import Seam, record_key

    ms = 1_764_150_000_005
    line = {"timestamp": str(ms * 1_000_000), "message": "same", "replica": "r"}
    other = {"timestamp": str((ms - 1) * 1_000_000), "message": "same", "replica": "r"}
    seam = Seam.of_page([other, line], ms)
    assert seam.ms == ms and seam.taken == {record_key(line): 1}
    seen = seam.skipper()
    assert seen(record_key(line)) and not seen(record_key(line))
    assert not seen(record_key(other))
    assert seam.skipper()(record_key(line))  # each page starts from what was taken


def test_the_newest_n_held_are_turned_round_into_pages_oldest_first() -> None:
    """The one hold-and-reverse (-n N shown oldest first, whether filtered locally or not)."""
    from baseten_logs.reading.pager import oldest_first

    held = [{"timestamp": str(ns), "message": str(ns)} for ns in range(5, 0, -1)]  # newest first
    pages = list(oldest_first(held, page_size=2))
    assert [[r["message"] for r in page] for page in pages] == [["1", "2"], ["3", "4"], ["5"]]
    assert list(oldest_first([])) == []


# --- a crowded millisecond's two ends, and what may be asked of it --------------------------


def test_a_400_is_about_the_window_only_when_its_text_names_it() -> None:
    # A refusal of the window's length is walked again in smaller pieces; any other 400 stands
    # (a bad pattern asked again in pieces would be refused once per piece).
    assert refuses_the_window(UsageError("API", "time delta exceeds the maximum of 7 days"))
    assert refuses_the_window(UsageError("API", "end_epoch_millis is too far from the start"))
    assert not refuses_the_window(UsageError("API", "invalid regular expression in pattern"))
    assert not refuses_the_window(UsageError("API", "replica: unknown"))


def test_two_ends_join_only_when_they_overlap_in_time() -> None:
    first = [record(10), record(20), record(30)]  # the millisecond from its start, a full page
    overlapping = [record(40), record(30), record(25)]  # from its end: reaches back past 30
    joined_lines = joined(End(first, whole=False), End(overlapping, whole=False))
    assert joined_lines is not None
    assert sorted(int(r["timestamp"]) for r in joined_lines) == [10, 20, 25, 30, 40]
    # Touching at one nanosecond proves nothing (lines between may share it); one end empty
    # (the other not whole) joins nothing either.
    touching = [record(50), record(30)]
    assert joined(End(first, whole=False), End(touching, whole=False)) is None
    assert joined(End(first, whole=False), End([], whole=False)) is None
    assert joined(End([], whole=False), End(overlapping, whole=False)) is None
    # A whole end is all of it.
    assert joined(End(first, whole=True), End([], whole=False)) == first
    assert joined(End([], whole=False), End(overlapping, whole=True)) == overlapping


@pytest.mark.parametrize(
    ("replica", "asked"),
    [("a", True), ("r" * 256, True), ("", False), ("r" * 257, False), (None, False), (7, False)],
)
def test_a_replica_is_asked_for_by_name_only_when_the_api_would_take_it(
    replica: object, asked: bool
) -> None:
    # A crowded millisecond's other lines are asked for replica by replica. The API's `replica`
    # takes at most 256 characters (a longer one is a 400, not lines), and an empty one would
    # narrow nothing: neither is asked.
    assert _named(replica) is asked


def test_an_end_learned_in_a_crowded_millisecond_is_not_learned_again() -> None:
    """Two crowded milliseconds walked oldest first under an `end` that includes its
    millisecond: the first one's last lines, asked up to the next millisecond, come after that
    millisecond's, which teaches the pager; the second is asked right at once."""
    first = [record((T0 + 5) * MS + i, f"first {i}") for i in range(15)]
    second = [record((T0 + 9) * MS + i, f"second {i}") for i in range(15)]
    next_ones = [record((T0 + 6) * MS, "after first"), record((T0 + 10) * MS, "after second")]
    fake = FakeLogs(records=first + second + next_ones, end_inclusive=True)
    pager = Pager(fetcher(fake), page_size=10)
    got = walk(pager, "asc")
    assert keys(got) == keys(first + second + next_ones)
    asked = [(int(c["end_epoch_millis"]) - T0, c["direction"]) for c in fake.calls]
    # each burst: found full, then its last lines; the first time past its end, then learned
    assert [a for a in asked if a[1] == "desc"] == [(6, "desc"), (5, "desc"), (9, "desc")]
    assert pager.end_inclusive is True


def test_a_span_shrunk_twice_is_told_once() -> None:
    told: list[str] = []
    span = WindowSpan(told.append)
    refusal = UsageError("--since", "the window is longer than 7 days")
    assert span.shrink(MAX_WINDOW_MS, refusal) and span.ms == SMALL_WINDOW_MS
    assert span.shrink(2 * SMALL_WINDOW_MS, refusal)  # another walker's answer, under way
    assert len(told) == 1 and span.ms == SMALL_WINDOW_MS


def test_a_replica_with_one_line_in_a_crowded_millisecond_is_whole() -> None:
    """Asked alone, a replica's single line is a short page from either end: all of it, no
    gap (its two ends hold the same line, which proves nothing by time alone)."""
    one = [record((T0 + 5) * MS, "the only one", replica="one00")]
    names = ["aaaaa", "bbbbb"]
    burst = [record((T0 + 5) * MS + 1 + i, f"burst {i}", replica=names[i % 2]) for i in range(24)]
    fake = FakeLogs(records=one + burst)
    pager = Pager(fetcher(fake), page_size=10, narrow=lambda name: fetcher(fake, replica=name))
    got = walk(pager, "asc")
    assert keys(got) == keys(one + burst) and len(got) == 25
    assert pager.gaps == []
