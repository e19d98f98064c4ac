"""`baseten-logs training`: a training job's logs, with get's filters applied locally.

The training logs endpoint takes only the window, `direction`, `limit` and `min_level`. Every
filter is applied here instead, with filtering.py's matcher (the meaning `get` and `view` give
them); `--level` too, since the endpoint's `min_level` drops the unlevelled lines that `get
--level` keeps when their text shows the level. -n N pages until N lines matched or the window
ended (feed.py); -f stops after a final sweep once the job reached a final status.

With no --since the window is the job's lifetime (training.lifetime), not the last 30 minutes:
-n N is the job's newest N, -f starts at its newest lines. The lifetime replaces get's look
back (look_back.py), which stays for a job whose creation time the API did not say. Windows
are asked in 7-day pieces, or 2-hour ones once the API refused a longer one (pager.WindowSpan).
"""

from __future__ import annotations

import time
from dataclasses import replace

from baseten_logs.access.config import Credentials
from baseten_logs.api.client import RetryPolicy
from baseten_logs.base.timeparse import format_ms
from baseten_logs.output import messages
from baseten_logs.reading.feed import Feed, Part
from baseten_logs.reading.fetch import open_client
from baseten_logs.reading.follow import FollowSettings
from baseten_logs.reading.pager import WindowSpan
from baseten_logs.reading.progress import describe_filters
from baseten_logs.reading.query import Filters, LogQuery
from baseten_logs.sources.training import (
    TrainingTarget,
    job_ended,
    job_state,
    lifetime,
    resolve_training,
)


def training_feed(
    *,
    project: str,
    job: str | None,
    query: LogQuery,
    credentials: Credentials,
    verbose: bool,
    attempts: int = RetryPolicy.attempts,
    since_given: bool = False,
    until_given: bool = False,
    follow: FollowSettings | None = None,
    look_back: bool = False,
) -> tuple[Feed, LogQuery, bool]:
    """The job asked of the API, as the one source of a Feed whose filters all run locally;
    with it the window (the job's lifetime with no --since, the filters the messages name)
    and whether an empty window may still widen (look_back.py: the lifetime replaces it)."""
    log = messages.info if verbose else None
    with open_client(credentials, log=log, retry=RetryPolicy(attempts=attempts)) as client:
        target = resolve_training(client, project, job)
    local = query.filters
    if verbose:
        messages.info(f"{target.label}: {target.status or 'status unknown'}")
    if not since_given:
        window = job_window(target, query, keep_until=until_given or follow is not None)
        if window is not None:
            query, look_back = window, False
            if verbose:
                shown_window = f"{format_ms(query.since_ms)} to {format_ms(query.until_ms)}"
                messages.info(f"the job's lifetime: {shown_window}")
    if verbose:
        if local != Filters():
            lacking = describe_filters(local)
            messages.info(f"applied locally (the training logs endpoint lacks them): {lacking}")
    sent = replace(query, path=target.logs_path, source=None, filters=Filters())
    feed = Feed(
        (Part(sent),),
        local=local,
        stop_check=lambda client: job_ended(client, target),
        state=lambda client: job_state(target),
        span=WindowSpan(log),
        by_replica=False,  # the training logs endpoint takes no `replica`
    )
    # The window, and the filters messages name.
    return feed, replace(sent, filters=local), look_back


def job_window(target: TrainingTarget, query: LogQuery, *, keep_until: bool) -> LogQuery | None:
    """`query` over the job's lifetime (None: its creation is unknown). `keep_until`: an
    --until given, or -f (whose opening window ends now, where following starts)."""
    return lifetime_query(lifetime(target, int(time.time() * 1000)), query, keep_until=keep_until)


def lifetime_query(
    found: tuple[int, int] | None, query: LogQuery, *, keep_until: bool
) -> LogQuery | None:
    """`query` over a lifetime (since, until) found (None: none known), a training job's or a
    Loops run's (cli/loops.py). `keep_until`: the query's own end stays."""
    if found is None:
        return None
    since, until = found
    if keep_until:
        until = query.until_ms
    return replace(query, since_ms=min(since, until), until_ms=until)
