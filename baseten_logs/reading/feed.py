"""What one run reads: one log source or several (a chain's chainlets), some filters applied here.

A deployment, an environment, a chainlet and a training job are all log sources: a path (maybe
still to be settled by the first request, see source.py), the filters that endpoint is sent, and
for a chain a label for each line. A Feed is the list of them plus the filters that must run
locally because the endpoint lacks them (training jobs take only the window and `min_level`).
`get`, `chain` and `training` differ only in the Feed they build: paging, parallel slices,
follow, rendering and exit statuses are the same pipeline (reading/run.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from baseten_logs.api.pace import AUTO, Concurrency
from baseten_logs.api.page import Record
from baseten_logs.reading.fetch import concurrency_for, display_pages, page_fetcher
from baseten_logs.reading.merge import labelled, merge_streams, union_fetch
from baseten_logs.reading.outcome import REACH
from baseten_logs.reading.pager import (
    Direction,
    FetchPage,
    Narrow,
    Pager,
    WindowSpan,
    oldest_first,
)
from baseten_logs.reading.parallel import ParallelWindow
from baseten_logs.reading.query import Filters, LogQuery

if TYPE_CHECKING:
    from baseten_logs.api.client import ApiClient

# Given the client: a check that says why following should stop (the job has ended), or None.
StopCheck = Callable[["ApiClient"], Callable[[], "str | None"] | None]
# Given the client: in words, why the source is not running ("the deployment is INACTIVE"), or
# None; asked only when the default window came back empty (see look_back.py).
StateCheck = Callable[["ApiClient"], "str | None"]
# A fetch wrapped for progress counting (or left as it is).
Wrap = Callable[[FetchPage], FetchPage]
# A source not paged by time (cursor.CursorPages.fetcher): its own FetchPage, given the client.
Fetcher = Callable[["ApiClient", "Callable[[int], None] | None"], FetchPage]


@dataclass(frozen=True)
class Part:
    """One log source: `query` carries its path (or LogsSource) and the filters it is sent."""

    query: LogQuery
    label: str | None = None  # a chainlet's name, added to each of its lines
    # None: the deployment logs endpoint, paged by time (query's path and filters); else the
    # source's own reader (a sandbox's cursor pages, reading/cursor.py).
    fetcher: Fetcher | None = None


@dataclass(frozen=True)
class Feed:
    parts: tuple[Part, ...]
    # Filters the endpoint lacks, applied to what it sent with exactly the API's meaning.
    local: Filters | None = None
    stop_check: StopCheck | None = None
    state: StateCheck | None = None  # None: a deployment's, read from its logs path
    # Shared by every walk of the run: windows the API refuses as too long are asked again in
    # smaller pieces (training logs; see pager.WindowSpan). None: a refusal stands.
    span: WindowSpan | None = None
    # Whether the endpoint takes `replica`: a crowded millisecond is then asked for replica by
    # replica (pager.Crowd). Training jobs' endpoint does not.
    by_replica: bool = True
    # What a crowded millisecond's warning says the endpoint allowed, when `crowd_reach`'s
    # words are not right for it (a sandbox's endpoint takes no `direction` either).
    reach: str | None = None

    @classmethod
    def single(cls, query: LogQuery) -> Feed:
        return cls((Part(query),))

    @property
    def label_width(self) -> int:
        """The widest label, for a column of them in text output (0: no labels)."""
        return max((len(p.label) for p in self.parts if p.label is not None), default=0)


@dataclass
class Opening:
    """The pages of the opening window, and the parallel windows fetching them (for -v's
    summary; a 429 reaches their shared controller as an observer of the client)."""

    pages: Iterator[list[Record]]
    windows: list[ParallelWindow] = field(default_factory=list)


def each_query(feed: Feed) -> list[Part]:
    """The feed's sources as the API is asked: one part per replica asked for (the endpoint
    takes one `replica` a request), each with its source's label, so that the merge in time
    order that joins chainlets joins replicas too: `-n N` is the newest N of all of them."""
    return [
        replace(part, query=replace(part.query, filters=filters))
        for part in feed.parts
        for filters in part.query.filters.each_replica()
    ]


def part_fetch(
    client: ApiClient, part: Part, *, on_gap: Callable[[int], None] | None = None
) -> FetchPage:
    if part.fetcher is not None:
        fetch = part.fetcher(client, on_gap)
    else:
        fetch = page_fetcher(client, part.query, on_gap=on_gap)
    return fetch if part.label is None else labelled(fetch, part.label)


def feed_fetch(
    client: ApiClient, feed: Feed, *, on_gap: Callable[[int], None] | None = None
) -> FetchPage:
    """One fetch over every source (see merge.union_fetch): for -n and follow polls."""
    return union_fetch([part_fetch(client, part, on_gap=on_gap) for part in each_query(feed)])


def narrowed(
    client: ApiClient, feed: Feed, parts: list[Part], wrap: Wrap, on_gap: Callable[[int], None]
) -> Narrow | None:
    """`parts`' fetch narrowed to one replica (pager.Narrow): each part that may hold its lines
    (no replica asked, or this one among those asked) sent with `replica` set to it."""
    if not feed.by_replica:
        return None

    def narrow(name: str) -> FetchPage:
        fetches = [
            part_fetch(client, replace(part, query=_one_replica(part.query, name)), on_gap=on_gap)
            for part in parts
            if name in part.query.filters.asked_replicas()
            or not part.query.filters.asked_replicas()
        ]
        return wrap(union_fetch(fetches)) if fetches else _nothing

    return narrow


def _one_replica(query: LogQuery, name: str) -> LogQuery:
    return replace(query, filters=replace(query.filters, replica=name, replicas=()))


def _nothing(start: int, end: int, direction: Direction, limit: int) -> list[Record]:
    return []


def local_filter(feed: Feed) -> Callable[[list[Record]], list[Record]] | None:
    """Keeps the lines the endpoint would have kept had it taken the filters (None: all): the
    feed's own local filters, else what its queries could not send (-i's includes)."""
    local = feed.local
    if local is None and feed.parts:
        local = feed.parts[0].query.filters.local_only()  # every part has the same filters
    if local is None or local == Filters():
        return None
    from baseten_logs.reading.filtering import matcher

    keep = matcher(local)
    return lambda page: [record for record in page if keep(record)]


def opening_pages(
    client: ApiClient,
    feed: Feed,
    query: LogQuery,
    *,
    newest_first: bool,
    concurrency: Concurrency,
    on_gap: Callable[[int], None],
    wrap: Wrap | None = None,
    prefetch_bytes: int,
) -> Opening:
    """The window's pages in display order: query's window and limit over every source."""
    wrapped: Wrap = wrap or (lambda fetch: fetch)
    keep = local_filter(feed)
    if query.limit is not None:
        # The newest N of the whole feed: one merged newest-first walk, cut at N lines kept.
        fetch = wrapped(feed_fetch(client, feed, on_gap=on_gap))
        narrow = narrowed(client, feed, list(feed.parts), wrapped, on_gap)
        pager = Pager(fetch, on_gap=on_gap, span=feed.span, narrow=narrow)
        if keep is None:
            return Opening(display_pages(pager, query, newest_first=newest_first))
        return Opening(_newest_kept(pager, query, keep, newest_first=newest_first))
    # A whole window: every source walked once, in parallel slices, merged by time.
    streams: list[Iterator[list[Record]]] = []
    windows: list[ParallelWindow] = []
    # A fixed number of workers is shared out (one per source at least); "auto" grows each
    # source's own, all of them within the client's one rate limiter. A controller per source,
    # not one for all: the merge needs every source's next page, and a source waiting on a slot
    # held by another's walker (parked until the printer moves on) would never get it.
    sources = each_query(feed)
    parts = len(sources)
    share: Concurrency = concurrency if concurrency == AUTO else max(1, concurrency // parts)
    for part in sources:
        fetch = wrapped(part_fetch(client, part, on_gap=on_gap))
        narrow = narrowed(client, feed, [part], wrapped, on_gap)
        window = None
        if share != 1 and not newest_first:
            window = ParallelWindow(
                fetch,
                controller=concurrency_for(client, share),
                on_gap=on_gap,
                prefetch_bytes=max(1, prefetch_bytes // parts),
                span=feed.span,
                narrow=narrow,
            )
            windows.append(window)
        pages = display_pages(
            Pager(fetch, on_gap=on_gap, span=feed.span, narrow=narrow),
            query,
            newest_first=newest_first,
            parallel=window,
        )
        streams.append(pages if keep is None else (keep(page) for page in pages))
    return Opening(merge_streams(streams, descending=newest_first), windows)


def _newest_kept(
    pager: Pager,
    query: LogQuery,
    keep: Callable[[list[Record]], list[Record]],
    *,
    newest_first: bool,
) -> Iterator[list[Record]]:
    """The newest `query.limit` lines that `keep` keeps: pages until so many matched or the
    window ends (a filter the endpoint lacks cannot shorten what it sends)."""
    want = query.limit or 0
    held: list[Record] = []
    for page in pager.newest(query.since_ms, query.until_ms, None):
        kept = keep(page)[: want - len(held)]
        if newest_first and kept:
            yield kept
        held.extend(kept)
        if len(held) >= want:
            break
    if not newest_first:
        yield from oldest_first(held)


def crowd_reach(feed: Feed) -> str:
    """How a crowded millisecond of `feed` is asked for, in the gap warning's words."""
    if feed.reach is not None:
        return feed.reach
    if feed.by_replica:
        return REACH
    return "a page from each end; this endpoint takes no `replica`"
