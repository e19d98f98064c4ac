"""Several log sources read as one: each line labelled with its source, all merged in time order.

A chain's chainlets are log sources like a deployment: the same endpoint shape, the same pages.
Two ways to read them as one, both exact:

- `union_fetch` answers one request for every source at once: it asks each source for the same
  window and `limit` (in parallel), and keeps the first `limit` lines of the union in the asked
  direction. Each source's first `limit` lines hold every line of the union's first `limit`, so
  the answer is the page one server holding all the lines would give: the Pager, its seams, -n
  and follow need no change. Cheap when few lines are wanted (-n, follow polls), wasteful for
  whole windows (each source's surplus is fetched again by the next page).
- `merge_streams` takes every source's own stream of pages (a Pager's or a ParallelWindow's,
  each walked once) and interleaves them by time, holding one page per source: for --all.

Lines of one nanosecond keep their source's order, and sources keep the order given (oldest
first; newest first it is turned round, so both orders show the same sequence).
"""

from __future__ import annotations

import heapq
import threading
from collections.abc import Iterable, Iterator, Sequence
from operator import itemgetter

from baseten_logs.api.page import Page, Record
from baseten_logs.base.timestamps import record_ns
from baseten_logs.reading.pager import PAGE_SIZE, Direction, FetchPage, page_bytes

LABEL_FIELD = "chainlet"  # the one field added to a chain's lines (-o jsonl, -o json)
_FIRST = -1  # sorts before every real nanosecond (ascending)
_LAST = 2**63  # and after (so first, descending)


def labelled(fetch: FetchPage, label: str) -> FetchPage:
    """`fetch`, with `"chainlet": label` added to every line (the API's fields unchanged)."""

    def fetch_labelled(start: int, end: int, direction: Direction, limit: int) -> list[Record]:
        page = fetch(start, end, direction, limit)
        # The label is one string shared by every line: the page holds what it held.
        return Page([{**record, LABEL_FIELD: label} for record in page], held=page_bytes(page))

    return fetch_labelled


def _timed(records: Iterable[Record], descending: bool) -> Iterator[tuple[int, Record]]:
    """(time, line) pairs; a line with no readable time takes the time of the line before it,
    so it stays where its source put it (at the very start: before every other line)."""
    last = _LAST if descending else _FIRST
    for record in records:
        ns = record_ns(record)
        if ns is not None:
            last = ns
        yield last, record


def merge_records(sources: Sequence[Iterable[Record]], *, descending: bool) -> Iterator[Record]:
    """The lines of every source (each already in time order) in one time order."""
    if len(sources) == 1:
        yield from sources[0]
        return
    timed = [_timed(records, descending) for records in sources]
    if descending:
        # Lines of one nanosecond from several sources: the later source's first, so that
        # newest-first turned round is the same order as oldest-first (-n agrees with --all).
        timed.reverse()
    for _, record in heapq.merge(*timed, key=itemgetter(0), reverse=descending):
        yield record


def union_fetch(fetches: Sequence[FetchPage]) -> FetchPage:
    """One FetchPage over every source: the union's first `limit` lines (see the module)."""
    if len(fetches) == 1:
        return fetches[0]

    def fetch(start: int, end: int, direction: Direction, limit: int) -> list[Record]:
        pages = _all_at_once(fetches, start, end, direction, limit)
        merged = merge_records(pages, descending=direction == "desc")
        return [record for _, record in zip(range(limit), merged, strict=False)]

    return fetch


def _all_at_once(
    fetches: Sequence[FetchPage], start: int, end: int, direction: Direction, limit: int
) -> list[list[Record]]:
    """Every source's page for one request, fetched in parallel; the first failure is raised."""
    pages: list[list[Record]] = [[] for _ in fetches]
    failures: list[BaseException | None] = [None] * len(fetches)

    def run(index: int) -> None:
        try:
            pages[index] = fetches[index](start, end, direction, limit)
        except Exception as exc:  # raised in the caller's thread, below
            failures[index] = exc

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(1, len(fetches))]
    for thread in threads:
        thread.start()
    # The caller's own thread does one share of the work. A Ctrl-C or SIGTERM raised in it is not
    # a failure to hold until the others finish: it goes up at once (the workers are daemons).
    run(0)
    for thread in threads:
        thread.join()
    for failure in failures:
        if failure is not None:
            raise failure
    return pages


def merge_streams(
    streams: Sequence[Iterable[list[Record]]], *, descending: bool, page_size: int = PAGE_SIZE
) -> Iterator[list[Record]]:
    """Pages of every stream's lines in one time order, at most `page_size` lines each.

    Memory: one page per stream, plus the page being filled."""
    if len(streams) == 1:
        yield from streams[0]
        return
    flat = [(record for page in stream for record in page) for stream in streams]
    page: list[Record] = []
    for record in merge_records(flat, descending=descending):
        page.append(record)
        if len(page) >= page_size:
            yield page
            page = []
    if page:
        yield page
