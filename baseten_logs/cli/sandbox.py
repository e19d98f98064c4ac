"""`baseten-logs sandbox NAME [--build]`: a sandbox's logs, or its image's build logs.

Both endpoints page by cursor (or offset), not by time, and take no filter but the window: the
sandbox's source is a cursor reader (reading/cursor.py) in a Feed whose filters all run
locally, as a training job's do, so paging, -n, -f, the renderers, --save, --summary and the
exit statuses are `get`'s pipeline. `--trace-id` keeps one trace's lines (the endpoint has no
such parameter). Neither endpoint reads newest first: -n N reads the window forward and keeps
its last N lines (-v shows the requests). -f polls the window's end, each poll a cursor walk,
and stops once the sandbox has ended.
"""

from __future__ import annotations

from dataclasses import replace

from baseten_logs.access.config import Credentials
from baseten_logs.api.client import RetryPolicy
from baseten_logs.base.errors import NotFoundError, UsageError
from baseten_logs.output import messages
from baseten_logs.reading.cursor import CursorPages
from baseten_logs.reading.feed import Feed, Part
from baseten_logs.reading.fetch import open_client
from baseten_logs.reading.progress import describe_filters
from baseten_logs.reading.query import MAX_VALUE_LENGTH, Filters, LogQuery
from baseten_logs.sources.sandboxes import (
    SANDBOX_REACH,
    build_pages,
    check_sandbox_name,
    find_sandbox,
    logs_pages,
    sandbox_ended,
    sandbox_state,
)


def check_sandbox_input(*, name: str, build: bool, trace_id: str | None) -> None:
    """Bad input, found before any request (exit 2)."""
    check_sandbox_name(name)
    if trace_id is None:
        return
    if not trace_id.strip() or len(trace_id) > MAX_VALUE_LENGTH or not trace_id.isprintable():
        raise UsageError(
            "--trace-id",
            f"{trace_id[:40]!r} is not a trace id",
            hint="copy one from -o jsonl's trace_id",
        )
    if build:
        raise UsageError(
            "--trace-id", "image build logs carry no trace ids", hint="drop --build or --trace-id"
        )


def sandbox_feed(
    *,
    name: str,
    build: bool,
    trace_id: str | None,
    query: LogQuery,
    credentials: Credentials,
    verbose: bool,
    attempts: int = RetryPolicy.attempts,
) -> Feed:
    """The sandbox (or its image) as the one source of a Feed whose filters run locally."""
    log = messages.info if verbose else None
    with open_client(credentials, log=log, retry=RetryPolicy(attempts=attempts)) as client:
        target = find_sandbox(client, name)
    if build:
        image = target.image_name
        if image is None:
            raise NotFoundError(f"sandbox {name!r} names no image", hint="its logs: drop --build")
        pages = CursorPages(build_pages(image, messages.warn))
        label = f"image {image} (of sandbox {name})"
    else:
        wanted = trace_id.strip() if trace_id is not None else None
        keep = None if wanted is None else (lambda record: record.get("trace_id") == wanted)
        pages = CursorPages(logs_pages(name), keep=keep)
        label = f"sandbox {name}"
    local = query.filters
    if verbose:
        messages.info(f"{label}: {target.status or 'status unknown'}")
        if local != Filters() or trace_id is not None:
            lacking = describe_filters(local) if local != Filters() else ""
            trace = f"--trace-id {trace_id}" if trace_id is not None else ""
            both = ", ".join(part for part in (lacking, trace) if part)
            messages.info(f"applied locally (the sandbox endpoints lack them): {both}")
        if query.limit is not None:
            messages.info("the endpoint reads oldest first: -n reads the window, keeps the last")
    sent = replace(query, path=target.logs_path, source=None, filters=Filters())
    return Feed(
        (Part(sent, fetcher=pages.fetcher),),
        local=local,
        stop_check=None if build else (lambda client: sandbox_ended(client, name)),
        state=lambda client: sandbox_state(client, name),
        by_replica=False,  # its endpoints take no `replica` (and are read by cursor)
        reach=SANDBOX_REACH,
    )
