"""Library entry point: log records for a LogQuery, in display order, without any CLI."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import replace

from baseten_logs.access.config import Credentials, resolve_credentials
from baseten_logs.api.client import ApiClient, RetryPolicy, paced
from baseten_logs.api.limits import Limits, limits_from
from baseten_logs.api.pace import DEFAULT_MAX_RPS, Concurrency, ConcurrencyController
from baseten_logs.api.page import Record
from baseten_logs.output import messages
from baseten_logs.reading.pager import (
    MIN_PAGE_SIZE,
    SMALLER_AFTER,
    Direction,
    FetchPage,
    Pager,
    oldest_first,
)
from baseten_logs.reading.parallel import ParallelWindow
from baseten_logs.reading.prefetch_budget import fewer_malloc_arenas
from baseten_logs.reading.query import LogQuery
from baseten_logs.sources.source import LogsSource


def open_client(
    credentials: Credentials,
    *,
    log: Callable[[str], None] | None = None,
    max_connections: int = 8,
    retry: RetryPolicy | None = None,
    limits: Limits | None = None,
    max_rps: float | None = DEFAULT_MAX_RPS,
) -> ApiClient:
    """A client for `credentials`, bounded by `limits` (default: limits.py's, or the
    environment's overrides) and paced to `max_rps` requests a second (None: unpaced);
    warnings about odd answers go to stderr."""
    if credentials.login is not None and log is not None:
        credentials.login.log = log  # -v says when a login is refreshed (never the tokens)
    fewer_malloc_arenas()  # big answers' memory goes back to the system once they are read
    return ApiClient(
        base_url=credentials.api_url,
        api_key=credentials.api_key,
        key_source=credentials.key_source,
        url_source=credentials.url_source,
        log=log,
        warn=messages.warn,
        max_connections=max_connections,
        retry=retry,
        auth=credentials.login,
        limits=limits or limits_from(os.environ),
        rate_limiter=paced(max_rps) if max_rps else None,
    )


def concurrency_for(client: ApiClient, concurrency: Concurrency) -> ConcurrencyController:
    """The controller of a run's parallel fetching, told of every answer `client` gets and
    kept within its rate limiter's pace. Give it to every ParallelWindow of the run (several
    sources at once too), so that together they stay within one budget."""
    limiter = client.rate_limiter
    controller = ConcurrencyController(
        concurrency, rate=None if limiter is None else (lambda: limiter.rate)
    )
    client.observers.append(controller.observe)
    return controller


def page_fetcher(
    client: ApiClient, query: LogQuery, *, on_gap: Callable[[int], None] | None = None
) -> FetchPage:
    """Pages as the API answers `query`; with a level, also the unlevelled lines whose text
    shows that level (see level_filter), so --level agrees with what the output shows. Several
    replicas: one query each, fetched in parallel, each page the union's (see merge.py)."""
    if query.filters.replicas:
        from baseten_logs.reading.merge import union_fetch

        return union_fetch(
            [
                page_fetcher(client, replace(query, filters=filters), on_gap=on_gap)
                for filters in query.filters.each_replica()
            ]
        )
    level = query.filters.min_level
    if level is None:
        return _raw_fetcher(client, query)
    from baseten_logs.reading.level_filter import (
        detected_at_least,
        levelled_and_detected,
        marker_pattern,
    )

    filters = query.filters
    # One search_pattern per request: a --grep already narrows, else the level markers do.
    pattern = filters.search_pattern or marker_pattern(level)
    unlevelled = replace(query, filters=replace(filters, min_level=None, search_pattern=pattern))
    return levelled_and_detected(
        _raw_fetcher(client, query),
        _raw_fetcher(client, unlevelled),
        detected_at_least(level),
        on_gap=on_gap,
    )


def _raw_fetcher(client: ApiClient, query: LogQuery) -> FetchPage:
    source = query.source or LogsSource.fixed(query.path, warn=messages.warn)

    def fetch(start_ms: int, end_ms: int, direction: Direction, limit: int) -> list[Record]:
        params = query.params(start_ms=start_ms, end_ms=end_ms, direction=direction, limit=limit)
        # A page the Pager may ask again smaller: two 5xx in a row say so (see Pager).
        smaller = SMALLER_AFTER if limit > MIN_PAGE_SIZE else None
        page = source.request(
            client, lambda path: client.get_logs(path, params, smaller_after=smaller)
        )
        source.check_times(page, start_ms, end_ms)
        return page

    return fetch


def display_pages(
    pager: Pager,
    query: LogQuery,
    *,
    newest_first: bool,
    parallel: ParallelWindow | None = None,
) -> Iterator[list[Record]]:
    """Pages in the order they are shown: oldest first unless `newest_first`.

    "The newest N" must be fetched newest first, so unless the user asked for that order it
    is held (N lines) and turned round; a whole window (`--all`) streams in either order.
    """
    if newest_first:
        yield from pager.newest(query.since_ms, query.until_ms, query.limit)
    elif query.limit is None and parallel is not None:
        yield from parallel.pages(query.since_ms, query.until_ms)
    elif query.limit is None:
        yield from pager.oldest(query.since_ms, query.until_ms)
    else:
        newest = pager.newest(query.since_ms, query.until_ms, query.limit)
        yield from oldest_first([r for page in newest for r in page])


def fetch_logs(
    query: LogQuery,
    *,
    credentials: Credentials | None = None,
    newest_first: bool = False,
) -> Iterator[Record]:
    """Every record `query` selects, as the API returned it, in display order.

    Credentials default to the same sources the CLI reads (BASETEN_API_KEY, ~/.trussrc).
    """
    creds = credentials or resolve_credentials(api_key=None, api_url=None)
    with open_client(creds) as client:
        pager = Pager(page_fetcher(client, query))
        for page in display_pages(pager, query, newest_first=newest_first):
            yield from page
