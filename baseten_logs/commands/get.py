"""`baseten-logs get`: fetch one window of a deployment's logs (then, with -f, follow it)."""

from __future__ import annotations

import os
import sys
from typing import cast

from baseten_logs import messages
from baseten_logs.client import ApiClient, RetryPolicy
from baseten_logs.config import Credentials
from baseten_logs.errors import ExitStatus
from baseten_logs.fetch import display_pages, open_client, page_fetcher
from baseten_logs.follow import Follower, FollowSettings
from baseten_logs.pager import Pager, Record, record_ms
from baseten_logs.parallel import ParallelWindow
from baseten_logs.pipes import stdout_guard
from baseten_logs.query import LogQuery
from baseten_logs.render import OutputFormat, Renderer, make_renderer
from baseten_logs.terminal import ColorMode, is_terminal, use_color
from baseten_logs.timeparse import format_ms


def _warn_gap(ms: int) -> None:
    messages.warn(
        f"more lines share the millisecond {format_ms(ms)} than one page holds; "
        "some of them are not shown (narrow with --replica, --request-id or --grep)"
    )


def run_get(
    *,
    query: LogQuery,
    credentials: Credentials,
    output: str,  # already checked against query.OUTPUT_FORMATS / COLOR_MODES
    color: str,
    utc: bool,
    reverse: bool,
    verbose: bool,
    follow: FollowSettings | None = None,
    follow_until_ms: int | None = None,
    concurrency: int = 1,
    attempts: int = RetryPolicy.attempts,
) -> ExitStatus:
    stream = sys.stdout
    colored = use_color(cast(ColorMode, color), stream, os.environ)
    renderer = make_renderer(stream, output=cast(OutputFormat, output), color=colored, utc=utc)
    log = messages.info if verbose else None
    retry = RetryPolicy(attempts=attempts)
    with open_client(credentials, log=log, max_connections=concurrency, retry=retry) as client:
        pager = Pager(page_fetcher(client, query), on_gap=_warn_gap)
        window = None
        if concurrency > 1 and query.limit is None and not reverse:
            window = ParallelWindow(
                page_fetcher(client, query), concurrency=concurrency, on_gap=_warn_gap
            )
            client.on_throttle = window.throttled
        with stdout_guard():
            opening: list[Record] = []
            pages = display_pages(pager, query, newest_first=reverse, parallel=window)
            for page in pages:
                renderer.write_page(page)
                if follow is not None:
                    opening.extend(
                        r for r in page if record_ms(r) >= query.until_ms - follow.overlap_ms
                    )
            if follow is not None:
                _follow(client, query, renderer, follow, opening, follow_until_ms)
            renderer.close()
        if verbose:
            messages.info(f"{client.requests_made} requests")
    incomplete = pager.gaps or (window is not None and window.gaps)
    return ExitStatus.INCOMPLETE if incomplete else ExitStatus.OK


def _follow(
    client: ApiClient,
    query: LogQuery,
    renderer: Renderer,
    settings: FollowSettings,
    opening: list[Record],
    until_ms: int | None,
) -> None:
    status = messages.StatusLine(enabled=is_terminal(sys.stderr, os.environ))
    fetch = page_fetcher(client, query)
    follower = Follower(fetch, settings=settings, on_status=status.show)
    horizon = query.until_ms - settings.overlap_ms
    oldest = min((record_ms(r) for r in opening), default=horizon)
    if query.limit is not None and oldest > horizon:
        # Only the newest N were shown: older lines of the overlap (and unshown ones at the
        # oldest shown millisecond) were skipped on purpose. Count them as seen, or the first
        # sweep would print them out of order.
        skipped = Pager(fetch).oldest(horizon, oldest)
        follower.remember((r for page in skipped for r in page), since_ms=horizon)
        opening = [r for r in opening if record_ms(r) > oldest]
    follower.remember(opening, since_ms=horizon)
    for batch in follower.follow(
        start_ms=query.until_ms, until_ms=until_ms, floor_ms=query.since_ms
    ):
        status.clear()
        renderer.write_page(batch)
    status.clear()
