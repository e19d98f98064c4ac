"""`baseten-logs stats`: fetch a whole window in parallel; draw its shape or print it as JSON."""

from __future__ import annotations

import json
import os
import re
import sys
from dataclasses import replace
from typing import cast

from baseten_logs.access.config import Credentials
from baseten_logs.api.client import ApiClient, RetryPolicy
from baseten_logs.api.pace import DEFAULT_MAX_RPS, Concurrency, ceiling_of
from baseten_logs.base.errors import ExitStatus
from baseten_logs.base.timeparse import Zone, format_ms
from baseten_logs.output import messages
from baseten_logs.output.pipes import stdout_guard
from baseten_logs.output.stats import Summary, WindowStats, startup_counts
from baseten_logs.output.terminal import (
    ColorMode,
    is_terminal,
    shows_fetch_progress,
    terminal_width,
    use_color,
)
from baseten_logs.output.time_axis import bucket_origin, choose_bucket_ms, utc_offset_ms
from baseten_logs.reading.feed import Feed, opening_pages
from baseten_logs.reading.fetch import open_client
from baseten_logs.reading.progress import FetchProgress
from baseten_logs.reading.query import LogQuery

# Scripts get the same bucket size whatever terminal they happen to run beside.
JSON_MAX_BUCKETS = 120
_DEPLOYMENT_PATH = re.compile(r"/v1/models/([^/]+)/deployments/([^/]+)/logs")


def _warn_gap(ms: int) -> None:
    messages.warn(
        f"more lines share the millisecond {format_ms(ms)} than the API can return "
        "(a page from each end, replica by replica); "
        "the counts leave some of them out (narrow with --replica or --grep)"
    )


def run_stats(
    *,
    query: LogQuery,
    credentials: Credentials,
    output: str,  # "text" (drawn on a terminal, JSON when piped) or "json"
    color: str,
    zone: Zone | None,
    verbose: bool,
    concurrency: Concurrency,
    attempts: int = RetryPolicy.attempts,
    max_rps: float = DEFAULT_MAX_RPS,
    subject: str | None = None,  # the target as the user named it; default: the ids of the path
    feed: Feed | None = None,  # the sources to count (a chain's chainlets); default: query's own
    events: bool = False,  # --events: each replica's start attempts counted too
) -> ExitStatus:
    """Count every line of the window, then draw the summary or print it as one JSON document."""
    feed = feed or Feed.single(query)
    gaps: list[int] = []

    def on_gap(ms: int) -> None:
        gaps.append(ms)
        _warn_gap(ms)

    stream = sys.stdout
    as_json = output == "json" or not is_terminal(stream, os.environ)
    width = terminal_width()
    stats = _collector(query, as_json=as_json, width=width, zone=zone)
    progress = None
    if not verbose and shows_fetch_progress(sys.stdout, sys.stderr, os.environ):
        # Nothing is written before the end: the line stays up, refreshed while answers come.
        window_ms = (query.until_ms - query.since_ms + 1) * len(feed.parts)
        progress = FetchProgress(messages.StatusLine(enabled=True), window_ms=window_ms).start()
    log = messages.info if verbose else None
    retry = RetryPolicy(attempts=attempts)
    connections = ceiling_of(concurrency)
    with open_client(
        credentials, log=log, max_connections=connections, retry=retry, max_rps=max_rps
    ) as client:
        opening = opening_pages(
            client,
            feed,
            query,
            newest_first=False,
            concurrency=concurrency,
            on_gap=on_gap,
            wrap=progress.wrap if progress is not None else None,
            prefetch_bytes=client.limits.prefetch_bytes,
        )
        try:
            for page in opening.pages:
                stats.add_page(page)
            startups = _startups(client, feed, query) if events else None
        finally:  # an error or Ctrl-C must not leave the status on the user's prompt line
            if progress is not None:
                progress.stop()
        if verbose:
            made = client.requests_made  # in words as get's -v says it (reading/outcome)
            messages.info(f"{made} request{'' if made == 1 else 's'}")
    summary = replace(stats.summary(complete=not gaps), startups=startups)
    with stdout_guard():
        if as_json:
            stream.write(json.dumps(summary.to_json(), separators=(",", ":")) + "\n")
        else:
            _draw(summary, query=query, color=color, zone=zone, width=width, subject=subject)
    return ExitStatus.INCOMPLETE if gaps else ExitStatus.OK


def _startups(client: ApiClient, feed: Feed, query: LogQuery) -> dict[str, dict[str, int]] | None:
    """Start attempts per replica in the window, for a deployment's or an environment's logs
    (one request, or a few pages); None for other sources or when the ask failed (said once)."""
    from baseten_logs.reading.events import EventReader, startups_path

    paths = [part.query.logs_path for part in feed.parts]
    if not any(startups_path(path) for path in paths):
        return None
    failed: list[str] = []

    def warn(text: str) -> None:
        failed.append(text)
        messages.warn(text)

    reader = EventReader(client, lambda: paths, replicas=query.filters.asked_replicas(), warn=warn)
    events = reader.window(query.since_ms, query.until_ms)
    return None if failed else startup_counts(events)


def _collector(query: LogQuery, *, as_json: bool, width: int, zone: Zone | None) -> WindowStats:
    """Buckets sized for where the numbers go (the terminal's width, or a fixed count for JSON)
    and starting on round times in the zone they are shown in."""
    if as_json:
        columns = JSON_MAX_BUCKETS
    else:
        from baseten_logs.output.stats_view import chart_columns  # imports rich: text output only

        columns = chart_columns(width)
    bucket_ms = choose_bucket_ms(query.until_ms - query.since_ms + 1, columns)
    offset = utc_offset_ms(query.since_ms, None if zone is None else zone.tz)
    return WindowStats(
        since_ms=query.since_ms,
        until_ms=query.until_ms,
        bucket_ms=bucket_ms,
        origin_ms=bucket_origin(query.since_ms, bucket_ms, offset),
    )


def _draw(
    summary: Summary,
    *,
    query: LogQuery,
    color: str,
    zone: Zone | None,
    width: int,
    subject: str | None = None,
) -> None:
    from baseten_logs.output.stats_view import make_console, render_summary

    colored = use_color(cast(ColorMode, color), sys.stdout, os.environ)
    console = make_console(sys.stdout, color=colored, width=width)
    render_summary(summary, console=console, zone=zone, subject=subject or _label(query))


def _label(query: LogQuery) -> str:
    """The target as the user named it, once names were looked up; else the path's ids."""
    if query.source is not None and query.source.label:
        return query.source.label
    return _subject(query.logs_path)


def _subject(path: str) -> str:
    """`model abc123 · deployment def456` from the logs path, for the header."""
    match = _DEPLOYMENT_PATH.fullmatch(path)
    return f"model {match[1]} · deployment {match[2]}" if match else path
