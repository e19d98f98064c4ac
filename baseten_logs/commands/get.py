"""`baseten-logs get`: fetch one window of a deployment's logs (then, with -f, follow it)."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TextIO, cast

from baseten_logs import messages
from baseten_logs.client import ApiClient, RetryPolicy
from baseten_logs.config import Credentials
from baseten_logs.errors import BasetenLogsError, ExitStatus
from baseten_logs.fetch import concurrency_for, display_pages, open_client, page_fetcher
from baseten_logs.follow import Follower, FollowSettings
from baseten_logs.pace import DEFAULT_MAX_RPS, Concurrency, ceiling_of
from baseten_logs.pager import Pager, Record
from baseten_logs.parallel import ParallelWindow
from baseten_logs.pipes import stdout_guard
from baseten_logs.progress import FetchProgress, nothing_matched
from baseten_logs.query import LogQuery
from baseten_logs.render import OutputFormat, make_renderer
from baseten_logs.summary import Tally
from baseten_logs.terminal import ColorMode, shows_progress, use_color
from baseten_logs.timeparse import format_ms
from baseten_logs.timestamps import record_ms


class Sink(Protocol):
    def write_page(self, records: Sequence[Mapping[str, Any]]) -> None: ...
    def close(self) -> None: ...


@dataclass(frozen=True)
class Extras:
    """What scripts and CI steps ask for besides the lines themselves."""

    save_file: TextIO | None = None  # --save, opened (and so checked) before any request
    fail_on: str | None = None  # --fail-on LEVEL|ANY: exit 1 when such a line was shown
    summary: bool = False  # --summary: counts on stderr at the end


def _warn_gap(ms: int) -> None:
    messages.warn(
        f"more lines share the millisecond {format_ms(ms)} than one page holds; "
        "some of them are not shown (narrow with --replica, --request-id or --grep)"
    )


def run_get(
    *,
    query: LogQuery,
    credentials: Credentials,
    output: str,  # already checked against render.OUTPUT_FORMATS / COLOR_MODES
    color: str,
    utc: bool,
    reverse: bool,
    verbose: bool,
    follow: FollowSettings | None = None,
    follow_until_ms: int | None = None,
    concurrency: Concurrency = 1,
    attempts: int = RetryPolicy.attempts,
    extras: Extras | None = None,
    max_rps: float = DEFAULT_MAX_RPS,
) -> ExitStatus:
    extras = extras or Extras()
    stream = sys.stdout
    colored = use_color(cast(ColorMode, color), stream, os.environ)
    sinks: list[Sink] = [
        make_renderer(stream, output=cast(OutputFormat, output), color=colored, utc=utc)
    ]
    if extras.save_file is not None:
        sinks.append(make_renderer(extras.save_file, output="jsonl", color=False, utc=True))
    tally = Tally() if extras.summary or extras.fail_on else None
    if tally is not None:
        sinks.append(tally)

    gaps: list[int] = []

    def on_gap(ms: int) -> None:
        gaps.append(ms)
        _warn_gap(ms)

    log = messages.info if verbose else None
    retry = RetryPolicy(attempts=attempts)
    requests = 0
    window: ParallelWindow | None = None
    try:
        connections = ceiling_of(concurrency)
        with open_client(
            credentials, log=log, max_connections=connections, retry=retry, max_rps=max_rps
        ) as client:
            try:
                fetch = page_fetcher(client, query, on_gap=on_gap)
                progress = _progress(query, verbose=verbose)
                if progress is not None:
                    fetch = progress.wrap(fetch)
                pager = Pager(fetch, on_gap=on_gap)
                if concurrency != 1 and query.limit is None and not reverse:
                    window = ParallelWindow(
                        fetch,
                        controller=concurrency_for(client, concurrency),
                        on_gap=on_gap,
                        prefetch_bytes=client.limits.prefetch_bytes,
                    )
                with stdout_guard():
                    try:
                        opening: list[Record] = []
                        shown = 0
                        pages = display_pages(pager, query, newest_first=reverse, parallel=window)
                        for page in pages:
                            shown += len(page)
                            _write(sinks, page, progress)
                            if follow is not None:
                                horizon = query.until_ms - follow.overlap_ms
                                opening.extend(r for r in page if _at_or_after(r, horizon))
                        if progress is not None:
                            with progress.lock:
                                progress.clear()
                        if not shown and follow is None and progress is not None:
                            messages.info(
                                nothing_matched(
                                    query.since_ms, query.until_ms, query.filters, utc=utc
                                )
                            )
                        if follow is not None:
                            _follow(client, query, sinks, follow, opening, follow_until_ms, on_gap)
                    finally:
                        if progress is not None:
                            with progress.lock:
                                progress.clear()
                        # On failure or Ctrl-C too: what was fetched is still shown (-o github
                        # writes its groups at the end, -o json its closing bracket).
                        for sink in sinks:
                            sink.close()
            finally:
                requests = client.requests_made
    except KeyboardInterrupt:
        messages.end_interrupted_line()  # before the summary below, not after it
        raise
    finally:
        if extras.save_file is not None:
            extras.save_file.close()
        if verbose:
            if window is not None:
                messages.info(_parallel_summary(window))
            messages.info(f"{requests} request{'' if requests == 1 else 's'}")
        if tally is not None and extras.summary:
            messages.report(tally.describe(requests=requests))
    if tally is not None and extras.fail_on and tally.count_at_or_above(extras.fail_on):
        return ExitStatus.MATCHED
    return ExitStatus.INCOMPLETE if gaps else ExitStatus.OK


def _parallel_summary(window: ParallelWindow) -> str:
    """For -v: how the window was fetched."""
    controller = window.controller
    mode = "auto" if controller.adaptive else "fixed"
    return (
        f"{window.slices} slices, up to {controller.peak} requests in flight ({mode}), "
        f"{controller.allowed} at the end"
    )


def _at_or_after(record: Record, ms: int) -> bool:
    """Whether a line's time is `ms` or later; a line with no readable time is in every window."""
    at = record_ms(record)
    return at is None or at >= ms


def _progress(query: LogQuery, *, verbose: bool) -> FetchProgress | None:
    """A progress line for the opening fetch: on a terminal only (stdout and stderr), not with
    -v (whose request lines it would cut through) and not with -q."""
    if verbose or not shows_progress(sys.stdout, sys.stderr, os.environ):
        return None
    status = messages.StatusLine(enabled=True)
    return FetchProgress(status, window_ms=query.until_ms - query.since_ms + 1)


def _write(sinks: list[Sink], page: list[Record], progress: FetchProgress | None) -> None:
    if progress is None:
        for sink in sinks:
            sink.write_page(page)
        return
    with progress.lock:  # workers update the progress line: never in the middle of a page
        progress.clear()
        for sink in sinks:
            sink.write_page(page)


def _follow(
    client: ApiClient,
    query: LogQuery,
    sinks: list[Sink],
    settings: FollowSettings,
    opening: list[Record],
    until_ms: int | None,
    on_gap: Callable[[int], None],
) -> None:
    on_terminal = shows_progress(sys.stdout, sys.stderr, os.environ)
    status = messages.StatusLine(enabled=on_terminal)
    fetch = page_fetcher(client, query, on_gap=on_gap)
    follower = Follower(
        fetch,
        settings=settings,
        on_status=status.show,
        # Off a terminal the status line is silent: say once that polls are failing.
        on_trouble=None if on_terminal else messages.warn,
        on_gap=on_gap,
        stop_check=deployment_ended(client, lambda: query.logs_path),
    )
    if on_terminal:
        client.on_retry = follower.reconnecting  # say so at the first failure, not the last
    horizon = query.until_ms - settings.overlap_ms
    oldest = min((ms for r in opening if (ms := record_ms(r)) is not None), default=query.until_ms)
    if query.limit is not None and oldest > horizon:
        # Only the newest N were shown (maybe none: -n 0): older lines of the overlap, and
        # unshown ones at the oldest shown millisecond, were skipped on purpose. Count them as
        # seen, or the first sweep would print them out of order.
        follower.remember_window(horizon, oldest)
        opening = [r for r in opening if _at_or_after(r, oldest + 1)]
    follower.remember(opening, since_ms=horizon)
    batches = follower.follow(start_ms=query.until_ms, until_ms=until_ms, floor_ms=query.since_ms)
    try:
        for batch in batches:
            status.clear()
            late = follower.late  # the first `late` lines came after later ones were shown
            for sink in sinks:
                mark = getattr(sink, "write_late", None) if late else None
                if mark is None:
                    sink.write_page(batch)
                else:
                    mark(batch[:late])
                    sink.write_page(batch[late:])
    finally:
        status.clear()  # Ctrl-C too: leave the shell prompt a clean line
    if follower.stopped_because:
        messages.info(f"stopped following: {follower.stopped_because}")


# Deployment states from which no more logs will come (SCALED_TO_ZERO can wake up again).
ENDED_STATES = frozenset({"INACTIVE", "FAILED", "DEPLOY_FAILED", "BUILD_FAILED", "BUILD_STOPPED"})


def deployment_ended(
    client: ApiClient, logs_path: Callable[[], str]
) -> Callable[[], str | None] | None:
    """For a deployment's logs: a check that says why following should stop, if it should.

    The path is read at each check: the first logs request may have settled it since."""

    def check() -> str | None:
        path = logs_path()
        if "/deployments/" not in path or not path.endswith("/logs"):
            return None  # an environment outlives its deployments
        path = path.removesuffix("/logs")
        try:
            body = client.get_json(path)
        except BasetenLogsError:
            return None  # a failed check is no reason to stop; the polls report trouble
        state = body.get("status") if isinstance(body, dict) else None
        return f"the deployment is {state}" if state in ENDED_STATES else None

    return check
