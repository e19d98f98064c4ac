"""Memory bounded by bytes: prefetching stops at a byte budget; a server ignoring `limit` is read
exactly, without more lines than asked."""

from __future__ import annotations

import bisect
import json
import re
import threading
import time
import tracemalloc
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from baseten_logs.api.limits import held_bytes
from baseten_logs.api.page import Page
from baseten_logs.reading.pager import Direction, Pager, page_bytes
from baseten_logs.reading.parallel import ParallelWindow
from baseten_logs.reading.prefetch_budget import ByteBudget
from tests.fakeapi import FakeLogs, record
from tests.stall import StallWatch, stop_reading, watched
from tests.test_pager import MS, T0, fetcher

KIB = 1024


def big_lines(count: int, size: int = 2 * KIB) -> list[dict[str, Any]]:
    return [record((T0 + i) * MS, f"{i:06d}" + "x" * size) for i in range(count)]


class Counting:
    """A fetch that records how many bytes of pages it has handed out."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.bytes = 0
        self._lock = threading.Lock()

    def __call__(self, start: int, end: int, direction: Direction, limit: int) -> Any:
        page = self.inner(start, end, direction, limit)
        with self._lock:
            self.bytes += page_bytes(page)
        return page


def ignoring_limit(records: list[dict[str, Any]], most: int) -> Any:
    """A server that answers up to `most` lines whatever `limit` asked (end inclusive)."""
    ordered = sorted(records, key=lambda r: int(r["timestamp"]))
    stamps = [int(r["timestamp"]) // MS for r in ordered]

    def fetch(start: int, end: int, direction: Direction, limit: int) -> list[dict[str, Any]]:
        low, high = bisect.bisect_left(stamps, start), bisect.bisect_right(stamps, end)
        if direction == "desc":
            return ordered[max(low, high - most) : high][::-1]
        return ordered[low : min(high, low + most)]

    return fetch


@pytest.mark.parametrize("concurrency", [4, 16])
def test_a_reader_that_stops_reading_holds_only_the_byte_budget(
    concurrency: int, stall_watch: StallWatch
) -> None:
    # 16 pages of 2 KB lines (about 40 MB held as records): well over what the bound allows.
    lines = big_lines(16_000)
    page = page_bytes(lines[:1000])
    budget = 3 * page
    counting = Counting(fetcher(FakeLogs(records=lines)))
    window = ParallelWindow(counting, concurrency=concurrency, prefetch_bytes=budget)
    pages = watched(window, stall_watch).pages(T0, T0 + 16_000)
    next(pages)  # the reader takes one page, then never reads again
    assert stall_watch.stalled()  # the workers have fetched all they may
    # The budget, the page being read and one page of the slice being printed: not the window.
    assert counting.bytes <= budget + 3 * page
    assert window.budget.peak <= budget + 2 * page
    stop_reading(pages)


def test_a_slow_reader_still_gets_every_line_in_order() -> None:
    lines = big_lines(6_000, size=100)
    window = ParallelWindow(
        fetcher(FakeLogs(records=lines)), concurrency=8, prefetch_bytes=page_bytes(lines[:500])
    )
    seen = []
    for page in window.pages(T0, T0 + 6_000):
        seen.extend(page)
    assert seen == lines
    assert window.budget.used == 0  # everything fetched was accounted for and given back


def test_a_server_ignoring_limit_is_bounded_and_exact_in_parallel(
    stall_watch: StallWatch,
) -> None:
    lines = big_lines(80_000, size=10)  # 8 slices of 10,000 lines, each one oversized page
    counting = Counting(ignoring_limit(lines, most=10_000))
    budget = page_bytes(lines[:10_000])
    window = ParallelWindow(counting, concurrency=2, prefetch_bytes=budget)
    pages = watched(window, stall_watch).pages(T0, T0 + 80_000)
    first = next(pages)
    assert stall_watch.stalled()
    assert counting.bytes <= 4 * budget  # not every slice's page at once
    rest = [r for p in pages for r in p]
    assert first + rest == lines


@pytest.mark.parametrize("count", [1, 7, 100, 999, 2500])
def test_the_newest_n_from_a_server_ignoring_limit_are_exactly_n(count: int) -> None:
    lines = big_lines(3_000, size=10)
    pager = Pager(ignoring_limit(lines, most=5_000), page_size=100)
    shown = [r for page in pager.newest(T0, T0 + 3_000, count) for r in page]
    assert shown == lines[::-1][:count]


def test_a_whole_window_from_a_server_ignoring_limit_loses_and_doubles_nothing() -> None:
    # Several lines per millisecond, so the oversized pages end inside a millisecond.
    lines = [record((T0 + i // 3) * MS + i % 3, f"m{i}") for i in range(3_000)]
    pager = Pager(ignoring_limit(lines, most=700), page_size=100)
    shown = [r for page in pager.oldest(T0, T0 + 1_000) for r in page]
    assert shown == lines


def _shapes() -> dict[str, Any]:
    """Answers of every shape a hostile server may send, each a few MB parsed."""

    def line(
        i: int, message: str = "a line of a typical length, with a comma", **extra: Any
    ) -> Any:
        return record((T0 + i) * MS, f"{i} {message}", **extra)

    return {
        "log lines": {"logs": [line(i) for i in range(2000)]},
        "lists of 20 KB strings": {"logs": [line(i, extra=["x" * 20_000]) for i in range(50)]},
        "lists of empty lists": {"logs": [line(i, extra=[[]] * 2000) for i in range(50)]},
        "objects of empty objects": {"logs": [line(i, extra=[{}] * 2000) for i in range(50)]},
        "numbers": {"logs": [line(i, extra=[1.5, 100_000] * 1000) for i in range(50)]},
        "many keys": {"logs": [{f"k{j}.{i}": None for j in range(100)} for i in range(50)]},
        "nested lists": {"logs": [line(i, extra=[[[[]]]] * 500) for i in range(50)]},
        "an emoji a line": {"logs": [line(i, message="😀" + "x" * 2000) for i in range(200)]},
        "CJK": {"logs": [line(i, message="中" + "x" * 2000) for i in range(200)]},
    }


@pytest.mark.parametrize("ascii_only", [True, False], ids=["escaped", "utf-8"])
@pytest.mark.parametrize("shape", list(_shapes()))
def test_a_page_is_counted_at_least_as_python_holds_it(shape: str, ascii_only: bool) -> None:
    # Before: 240 bytes a line, 56 a field and 16 for any list or object, whatever it held (a
    # list of a 20 KB string counted 16 bytes).
    answer = json.dumps(_shapes()[shape], ensure_ascii=ascii_only).encode()
    tracemalloc.start()
    try:
        logs = json.loads(answer)["logs"]
        held, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert held <= held_bytes(answer) <= 2.2 * held
    assert held <= page_bytes(logs) <= 2.2 * held  # a page that came without its answer
    assert page_bytes(Page(logs, held=123)) == 123  # one that came with it
    assert page_bytes([]) == 0


def _held_as_first_written(answer: bytes) -> int:
    """held_bytes as first written: the whole page at its widest character's width (one
    alternation per width, four counts)."""
    width = 1
    if not answer.isascii() or b"\\u" in answer:
        if re.search(rb"[\xf0-\xf4]|\\u[dD][89abAB]", answer):
            width = 4
        elif re.search(rb"[\xc4-\xef]|\\u(?:0[1-9a-fA-F]|[1-9a-fA-F])", answer):
            width = 2
    values = answer.count(b",") + answer.count(b"[") + answer.count(b"{") + 1
    return len(answer) * width + 64 * values + 48 * answer.count(b":")


# Bytes that decide the count: the widths' lead bytes and escapes, quotes and backslashes (where
# a string starts and ends), and the counted punctuation.
_TELLING = st.sampled_from(
    [b"\xf0", b"\xf4", b"\xf5", b"\xc3", b"\xc4", b"\xef", b"\\u", b"\\", b"d", b"D", b"8",
     b"b", b"0", b"1", b"a", b"F", b",", b"[", b"{", b":", b'"', b"x", b"\x7f", b"\x80"]
)  # fmt: skip


@given(st.lists(_TELLING, max_size=60).map(b"".join))
def test_any_answer_counts_at_most_as_the_whole_page_at_its_widest(answer: bytes) -> None:
    """Telling strings apart only ever lowers the count, whatever the bytes (a quote missing,
    escaped, a wide byte outside any string)."""
    assert 0 < held_bytes(answer) <= _held_as_first_written(answer)


def _parsed_size(answer: bytes) -> int:
    tracemalloc.start()
    try:
        logs = json.loads(answer)
        held, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert logs is not None
    return held


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.text(max_size=120), min_size=1, max_size=40),
    st.booleans(),
)
def test_never_counted_below_what_python_holds(messages: list[str], ascii_only: bool) -> None:
    lines = [{"timestamp": "1", "message": m, "replica": "a1b2c"} for m in messages]
    answer = json.dumps({"logs": lines}, ensure_ascii=ascii_only).encode()
    assert _parsed_size(answer) <= held_bytes(answer)


@pytest.mark.parametrize(
    ("text", "width"),
    [("x", 1), ("é", 1), ("ā", 2), ("中", 2), ("😀", 4)],  # é: Latin-1, a byte a character
)
@pytest.mark.parametrize("ascii_only", [True, False], ids=["escaped", "utf-8"])
def test_a_wide_character_widens_its_own_string(text: str, width: int, ascii_only: bool) -> None:
    message = json.dumps("ab" + text, ensure_ascii=ascii_only)
    answer = f'{{"logs": [{{"message": {message}, "replica": "a1b2c"}}]}}'.encode()
    values, keys = 4, 3  # `{` `[` `{` `,` and one, then `logs`, `message` and `replica`
    wider = (width - 1) * len(message.encode())  # its quotes too
    assert held_bytes(answer) == len(answer) + wider + 64 * (values + 1) + 48 * keys


def test_a_typical_page_with_one_accent_is_not_counted_twice_over() -> None:
    """1000 ASCII lines and one `…`: counted whole at width 2, the page was 2.3 times what it
    holds, and the prefetch budget stalled big windows' fetch at a long latency."""
    lines = [
        {
            "timestamp": str(1_765_000_000_000_000_000 + i),
            "message": f'{{"severity": "INFO", "message": "POST /v1/predict 200 in {i} ms"}}',
            "replica": "2wpcj",
            "request_id": f"{i:032x}",
            "level": "INFO",
        }
        for i in range(1000)
    ]
    lines[500]["message"] = "loading weights…"
    answer = json.dumps({"logs": lines}, ensure_ascii=False).encode()
    assert _parsed_size(answer) <= held_bytes(answer)
    # Only that line's message is counted twice: the rest of the page (200 KB) once, no longer
    # twice. (Against tracemalloc: about 1.9 times, was 2.3; what it measures varies a little.)
    wide = len(json.dumps("loading weights…", ensure_ascii=False).encode())
    assert held_bytes(answer) == _held_as_first_written(answer) - len(answer) + wide


def test_text_wide_throughout_is_counted_whole() -> None:
    """More strings past Latin-1 than are worth telling apart: the page at its widest width."""
    lines = [{"message": "中" * 3} for _ in range(100)]
    answer = json.dumps({"logs": lines}, ensure_ascii=False).encode()
    assert held_bytes(answer) == _held_as_first_written(answer)


def test_the_budget_holds_lines_of_lists_of_big_strings_too(stall_watch: StallWatch) -> None:
    # The server: 20 KB records wrapped in a list; a reader that stops.
    lines = [record((T0 + i) * MS, f"{i}", extra=["x" * 20_000]) for i in range(4_000)]
    held = [0]
    lock = threading.Lock()
    inner = fetcher(FakeLogs(records=lines))

    def fetch(start: int, end: int, direction: Direction, limit: int) -> list[dict[str, Any]]:
        page = inner(start, end, direction, limit)
        with lock:
            held[0] += sum(len(r["extra"][0]) for r in page)  # the characters alone
        return page

    budget = 8 * 1024 * 1024
    window = ParallelWindow(fetch, concurrency=8, prefetch_bytes=budget)
    pages = watched(window, stall_watch).pages(T0, T0 + 4_000)
    first = next(pages)
    assert stall_watch.stalled()  # the workers have fetched all they may
    # The budget, the page being read and one page of the slice being printed (before: 80 MB).
    assert held[0] <= budget + 2 * sum(len(r["extra"][0]) for r in first)
    stop_reading(pages)


def test_a_window_without_lines_holds_nothing() -> None:
    window = ParallelWindow(fetcher(FakeLogs(records=[])), concurrency=4)
    assert list(window.pages(T0, T0 + 100_000)) == []
    assert window.budget.peak == 0 and window.budget.used == 0


class Stop(threading.Event):
    """A window's stop flag that tells when a waiting reservation has looked at it."""

    def __init__(self) -> None:
        super().__init__()
        self.looked = threading.Event()

    def is_set(self) -> bool:
        self.looked.set()
        return super().is_set()


def reserving(budget: ByteBudget, index: int, queued: int = 0) -> tuple[list[int], Stop]:
    """A walker reserving room for a page of slice `index` (with `queued` pages not yet
    printed), in a thread: [the bytes reserved] once it got room."""
    got: list[int] = []
    stop = Stop()
    threading.Thread(
        target=lambda: got.append(budget.reserve(index, stop, lambda: queued)), daemon=True
    ).start()
    return got, stop


def soon(got: list[int]) -> list[int]:
    """`got` once its reservation is done (or after 5 s: a reservation that went on waiting)."""
    deadline = time.monotonic() + 5
    while not got and time.monotonic() < deadline:
        time.sleep(0.001)
    return got


def reserved(budget: ByteBudget, index: int, queued: int = 0) -> int | None:
    got = soon(reserving(budget, index, queued)[0])
    return got[0] if got else None


def test_the_byte_budget_lets_the_printed_slice_go_and_the_others_wait_for_room() -> None:
    budget = ByteBudget(1000, head=T0)  # the printer starts on the slice at T0
    assert reserved(budget, T0) == 0  # nothing measured: the printer's slice goes for free,
    assert reserved(budget, T0 + 9) == 1000  # one other slice with the whole budget
    budget.settle(1000, 100)  # that page held 100 bytes: a fetch is expected to hold 100,
    assert (budget.used, budget.peak) == (100, 100)  # and one being parsed 300 (3 ways)
    assert [reserved(budget, T0 + 9) for _ in range(7)] == [100] * 7
    assert budget.used == 800  # full: what is left is room for the one answer being parsed
    # Full, but the printer's slice goes while none of its pages waits to be printed.
    assert reserved(budget, T0) == 100
    assert budget.used == 900
    # With a page waiting, it waits like any other; room goes to the earliest slice first.
    head, head_stop = reserving(budget, T0, queued=1)
    later, later_stop = reserving(budget, T0 + 9)
    assert head_stop.looked.wait(5) and later_stop.looked.wait(5)  # both are waiting
    budget.release(200)  # pages printed: room for one fetch
    assert soon(head) == [100] and budget.used == 800
    # Cannot flake: a correct budget never lets it in before the release below.
    time.sleep(0.05)
    assert later == []
    budget.release(100)
    assert soon(later) == [100]
    # A stopped window's walkers are let go at once, room or not.
    stopped, stop = reserving(budget, T0 + 20)
    stop.set()
    assert soon(stopped) == [100] and budget.peak == 100  # peak: what fetched pages held


def test_a_long_window_first_cut_in_slices_asks_their_first_pages_together() -> None:
    # Nothing measured yet: each slice of the first cut reserves its share of the budget, so
    # the three after the head (which goes free) fetch at once, not one a round trip.
    budget = ByteBudget(400, head=0, first=4)
    stop = threading.Event()
    assert [budget.reserve(index, stop) for index in (1, 2, 3)] == [100, 100, 100]
    assert budget.reserve(0, stop) == 0
    assert budget.used == 300
    budget.settle(100, 80)  # a page seen: from now on the largest seen is expected
    for size in (80, 100, 100):  # printed
        budget.release(size)
    assert budget.reserve(4, stop) == 80
