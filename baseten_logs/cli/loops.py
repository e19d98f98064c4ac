"""`baseten-logs loops`: a Loops run's trainer logs, or its sampler's, read as training's are.

The trainer's logs endpoint takes what a training job's takes (the window, `direction`, `limit`,
`min_level`), so every filter runs here with filtering.py's matcher, as `training` does; the
sampler is an ordinary deployment, so its filters are sent, as `get` sends them. With no --since
the window is the run's lifetime (sources/loops.run_lifetime, through training's lifetime_query);
-f stops after a final sweep once the run is no longer ACTIVE.
"""

from __future__ import annotations

import time
from dataclasses import replace

from baseten_logs.access.config import Credentials
from baseten_logs.api.client import RetryPolicy
from baseten_logs.base.timeparse import format_ms
from baseten_logs.cli.training import lifetime_query
from baseten_logs.output import messages
from baseten_logs.reading.feed import Feed, Part
from baseten_logs.reading.fetch import open_client
from baseten_logs.reading.pager import WindowSpan
from baseten_logs.reading.progress import describe_filters
from baseten_logs.reading.query import Filters, LogQuery
from baseten_logs.sources.cache import Cache
from baseten_logs.sources.loops import resolve_run, run_ended, run_lifetime, run_state, with_end


def loops_feed(
    *,
    run: str,
    sampler: bool,
    query: LogQuery,
    credentials: Credentials,
    verbose: bool,
    attempts: int = RetryPolicy.attempts,
    since_given: bool = False,
    keep_until: bool = False,
    look_back: bool = False,
    cache: Cache | None = None,
) -> tuple[Feed, LogQuery, bool]:
    """The run's trainer (or sampler) as the one source of a Feed; with it the window (the
    run's lifetime with no --since) and whether an empty window may still widen (look_back.py:
    the lifetime replaces it). `keep_until`: an --until given, or -f (which starts now)."""
    log = messages.info if verbose else None
    with open_client(credentials, log=log, retry=RetryPolicy(attempts=attempts)) as client:
        target = resolve_run(client, run, sampler=sampler, cache=cache)
        if not since_given and not keep_until:
            target = with_end(client, target)
    if verbose:
        messages.info(f"{target.label}: {target.status or 'status unknown'}")
    if not since_given:
        found = run_lifetime(target, int(time.time() * 1000))
        window = lifetime_query(found, query, keep_until=keep_until)
        if window is not None:
            query, look_back = window, False
            if verbose:
                shown = f"{format_ms(query.since_ms)} to {format_ms(query.until_ms)}"
                messages.info(f"the run's lifetime: {shown}")
    # The sampler's endpoint is a deployment's: it takes every filter. The trainer's does not.
    local = Filters() if sampler else query.filters
    if verbose and local != Filters():
        lacking = describe_filters(local)
        messages.info(f"applied locally (the Loops logs endpoint lacks them): {lacking}")
    sent = replace(
        query, path=target.logs_path, source=None, filters=query.filters if sampler else Filters()
    )
    feed = Feed(
        (Part(sent),),
        local=local,
        stop_check=lambda client: run_ended(client, target),
        state=lambda client: run_state(target),
        span=WindowSpan(log),
        by_replica=sampler,  # a crowded millisecond by replica: the trainer's endpoint takes none
    )
    return feed, replace(sent, filters=query.filters), look_back
