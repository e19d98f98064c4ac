"""`baseten-logs get`: fetch one window of a deployment's logs (then, with -f, follow it)."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import partial
from typing import Any, Protocol, cast

from baseten_logs.access.config import Credentials
from baseten_logs.api.client import ApiClient, RetryPolicy
from baseten_logs.api.pace import DEFAULT_MAX_RPS, Concurrency, ceiling_of
from baseten_logs.base.errors import BasetenLogsError, ExitStatus
from baseten_logs.base.timeparse import format_ms
from baseten_logs.base.timestamps import record_ms
from baseten_logs.cli import interrupts
from baseten_logs.output import messages
from baseten_logs.output.pipes import SaveFile, as_stream, stdout_guard
from baseten_logs.output.render import OutputFormat, make_renderer
from baseten_logs.output.summary import Tally
from baseten_logs.output.terminal import (
    ColorMode,
    is_terminal,
    shows_fetch_progress,
    shows_progress,
    use_color,
)
from baseten_logs.reading.feed import (
    Feed,
    Part,
    each_query,
    feed_fetch,
    local_filter,
    opening_pages,
)
from baseten_logs.reading.fetch import open_client
from baseten_logs.reading.follow import Follower, FollowSettings, ShownLines
from baseten_logs.reading.idcase import replica_hints, replicas_of, request_id_hint
from baseten_logs.reading.look_back import deployment_state, looked_back, nothing_found, steps
from baseten_logs.reading.pager import PAGE_SIZE, Direction, FetchPage, Pager, Record
from baseten_logs.reading.parallel import ParallelWindow
from baseten_logs.reading.progress import FetchProgress, nothing_matched
from baseten_logs.reading.query import Filters, LogQuery


class Sink(Protocol):
    def write_page(self, records: Sequence[Mapping[str, Any]]) -> None: ...
    def close(self) -> None: ...


@dataclass(frozen=True)
class Extras:
    """What scripts and CI steps ask for besides the lines themselves."""

    save_file: SaveFile | None = None  # --save, prepared (and so checked) before any request
    fail_on: str | None = None  # --fail-on LEVEL|ANY: exit 1 when such a line was shown
    summary: bool = False  # --summary: counts on stderr at the end


def warn_gap(ms: int, *, narrowing: bool = True) -> None:
    """A crowded millisecond; `narrowing`: the command has filters that would thin it out."""
    messages.warn(
        f"more lines share the millisecond {format_ms(ms)} than one page holds; "
        "some of them are not shown"
        + (" (narrow with --replica, --request-id or --grep)" if narrowing else "")
    )


def screen_sink(output: str, color: str, utc: bool, *, label_width: int = 0) -> Sink:
    """The renderer for stdout: colour and terminal decided once, as for every command
    (`label_width`: a chain's lines, with their chainlet's column)."""
    stream = sys.stdout
    return make_renderer(
        stream,
        output=cast(OutputFormat, output),
        color=use_color(cast(ColorMode, color), stream, os.environ),
        utc=utc,
        terminal=is_terminal(stream, os.environ),
        label_width=label_width,
    )


def extra_sinks(extras: Extras) -> tuple[list[Sink], Tally | None]:
    """--save's JSON lines and the tally for --summary/--fail-on, as the extras ask for them."""
    sinks: list[Sink] = []
    if extras.save_file is not None:
        save_stream = as_stream(extras.save_file)
        sinks.append(make_renderer(save_stream, output="jsonl", color=False, utc=True))
    tally = Tally() if extras.summary or extras.fail_on else None
    if tally is not None:
        sinks.append(tally)
    return sinks, tally


def end_run(
    extras: Extras, tally: Tally | None, *, completed: bool, requests: int, verbose: bool
) -> None:
    """What a run leaves behind however it ended: the --save file, -v's count, --summary."""
    try:
        if extras.save_file is not None:
            # Renamed into place if the run completed or wrote a line (also on Ctrl-C or
            # SIGTERM); a run that failed before its first line leaves FILE as it was.
            extras.save_file.finish(complete=completed)
    finally:
        if verbose:
            messages.info(f"{requests} request{'' if requests == 1 else 's'}")
        if tally is not None and extras.summary:
            messages.report(tally.describe(requests=requests))


def outcome(extras: Extras, tally: Tally | None, gaps: list[int]) -> ExitStatus:
    """1 when --fail-on matched, 6 when a crowded millisecond could not be shown whole."""
    if tally is not None and extras.fail_on and tally.count_at_or_above(extras.fail_on):
        return ExitStatus.MATCHED
    return ExitStatus.INCOMPLETE if gaps else ExitStatus.OK


def write_all(sinks: Sequence[Sink], records: Sequence[Mapping[str, Any]], late: int = 0) -> None:
    """A page to every sink (the screen, --save, the --summary tally), whole: a signal meanwhile
    waits until all of them have it (see interrupts), so none shows a line cut short and they
    agree on what was shown. `late`: the first lines came after later ones (marked if a sink
    can)."""
    with interrupts.deferred():
        for sink in sinks:
            mark = getattr(sink, "write_late", None) if late else None
            if mark is None:
                sink.write_page(records)
            else:
                mark(records[:late])
                sink.write_page(records[late:])


def close_all(sinks: Sequence[Sink]) -> None:
    """Every sink closed (-o json's `]`, -o github's groups), a signal meanwhile waiting."""
    with interrupts.deferred():
        for sink in sinks:
            sink.close()


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
    feed: Feed | None = None,
    max_rps: float = DEFAULT_MAX_RPS,
    look_back: bool = False,
) -> ExitStatus:
    """Show `query`'s window (then follow it) from `feed`'s sources (default: query's own);
    `look_back` (no --since given): an empty window widens to the newest older lines."""
    extras = extras or Extras()
    feed = feed or Feed.single(query)
    others, tally = extra_sinks(extras)
    sinks = [screen_sink(output, color, utc, label_width=feed.label_width), *others]

    gaps: list[int] = []

    def on_gap(ms: int) -> None:
        gaps.append(ms)
        warn_gap(ms)

    log = messages.info if verbose else None
    retry = RetryPolicy(attempts=attempts)
    requests = 0
    completed = False
    windows: list[ParallelWindow] = []
    try:
        connections = ceiling_of(concurrency)
        with open_client(
            credentials, log=log, max_connections=connections, retry=retry, max_rps=max_rps
        ) as client:
            try:
                progress = _progress(query, verbose=verbose, sources=len(each_query(feed)))
                with stdout_guard():
                    try:
                        # Inside the try: however early a run ends (Ctrl-C, SIGTERM, a failed
                        # request), the sinks are closed (-o json's `]`, -o github's groups).
                        read = _Read()
                        show = _Printer(
                            client,
                            feed,
                            sinks,
                            progress,
                            read,
                            newest_first=reverse,
                            concurrency=concurrency,
                            on_gap=on_gap,
                        )
                        windows = show.windows  # filled as the fetch starts: -v's summary
                        shown, recent = show.window(query, follow=follow)
                        if not shown and follow is None:
                            if look_back and query.limit is not None and not read.lines:
                                _look_further(client, feed, query, show, utc=utc)
                            elif progress is not None:
                                progress.stop()
                                messages.info(
                                    nothing_matched(
                                        query.since_ms, query.until_ms, query.filters, utc=utc
                                    )
                                )
                        if progress is not None:
                            progress.stop()  # follow has its own status line
                        if query.limit != 0 and not messages.quiet():
                            hints = other_case_hints(client, feed, query, show.replicas, show.shown)
                            for hint in hints:
                                messages.warn(hint)
                        if follow is not None:
                            _follow(
                                client,
                                query,
                                sinks,
                                follow,
                                recent,
                                follow_until_ms,
                                on_gap,
                                feed=feed,
                                seen=show.seen,
                            )
                    finally:
                        if progress is not None:
                            progress.stop()
                        # On failure or Ctrl-C too: what was fetched is still shown (-o github
                        # writes its groups at the end, -o json its closing bracket).
                        close_all(sinks)
            finally:
                requests = client.requests_made
        completed = True
    except KeyboardInterrupt:
        messages.end_interrupted_line()  # before the summary below, not after it
        raise
    finally:
        if verbose and windows:
            messages.info(_parallel_summary(windows))
        end_run(extras, tally, completed=completed, requests=requests, verbose=verbose)
    return outcome(extras, tally, gaps)


def other_case_hints(
    client: ApiClient, feed: Feed, query: LogQuery, replicas: set[str], shown: int
) -> list[str]:
    """After the opening lines: for a replica asked for that brought none of them (or a request
    id, when no line came), whether it exists in another case (see idcase.py). Best effort: a
    failed look says nothing."""
    filters = query.filters
    missing = [name for name in filters.asked_replicas() if name not in replicas]
    hints: list[str] = []
    try:
        if missing:
            hints += replica_hints(missing, lambda: _first_page(client, feed, Filters(), query))
        # Training jobs' endpoint takes no request_id: no cheap look there.
        if filters.request_id is not None and not shown and feed.local is None:
            hint = request_id_hint(
                filters.request_id,
                lambda form: bool(_first_page(client, feed, Filters(request_id=form), query, 1)),
            )
            hints += [hint] if hint is not None else []
    except BasetenLogsError:
        pass
    return hints


def _first_page(
    client: ApiClient, feed: Feed, filters: Filters, query: LogQuery, limit: int = PAGE_SIZE
) -> list[Record]:
    """The newest lines (up to `limit`) of every source of `feed` in the window, with `filters`
    instead of the run's."""
    parts = tuple(Part(replace(p.query, filters=filters), p.label) for p in feed.parts)
    pager = Pager(feed_fetch(client, Feed(parts)), span=feed.span)
    pages = pager.newest(query.since_ms, query.until_ms, limit)
    return next((page for page in pages if page), [])


class _Read:
    """Counts the lines the API sent, before local filters: a window that matched nothing
    locally was not empty, and looking further back would only scan more of the same."""

    def __init__(self) -> None:
        self.lines = 0  # racing workers may lose a count, never turn lines into none

    def wrap(self, fetch: FetchPage) -> FetchPage:
        def counted(start: int, end: int, direction: Direction, limit: int) -> list[Record]:
            page = fetch(start, end, direction, limit)
            self.lines += len(page)
            return page

        return counted


class _Printer:
    """Fetches a window from the feed and writes its pages to the sinks (with the progress
    line and the count of lines read); one per run, used again for each look-back step."""

    def __init__(
        self,
        client: ApiClient,
        feed: Feed,
        sinks: list[Sink],
        progress: FetchProgress | None,
        read: _Read,
        *,
        newest_first: bool,
        concurrency: Concurrency,
        on_gap: Callable[[int], None],
    ) -> None:
        self.client = client
        self.feed = feed
        self.sinks = sinks
        self.progress = progress
        self.read = read
        self.newest_first = newest_first
        self.concurrency = concurrency
        self.on_gap = on_gap
        self.windows: list[ParallelWindow] = []
        self.shown = 0  # lines shown by every window so far (a look back's steps too)
        self.seen = ShownLines()  # of a whole window followed: its last overlap, as digests
        self.replicas: set[str] = set()  # theirs, when --replica was given: for the case hint

    def _wrap(self, fetch: FetchPage) -> FetchPage:
        counted = self.read.wrap(fetch)
        return counted if self.progress is None else self.progress.wrap(counted)

    def window(
        self,
        query: LogQuery,
        *,
        follow: FollowSettings | None = None,
        announce: Callable[[], None] | None = None,
    ) -> tuple[int, list[Record]]:
        """(lines shown, those -f must remember); `announce` is called before the first line."""
        opening = opening_pages(
            self.client,
            self.feed,
            query,
            newest_first=self.newest_first,
            concurrency=self.concurrency,
            on_gap=self.on_gap,
            wrap=self._wrap,
            prefetch_bytes=self.client.limits.prefetch_bytes,
        )
        # Each window's controller hears of every answer (429s included) itself.
        self.windows[:] = opening.windows
        recent: list[Record] = []
        shown = 0
        asked = bool(query.filters.asked_replicas())
        for page in opening.pages:
            if page and not shown and announce is not None:
                announce()
            shown += len(page)
            if asked:
                self.replicas |= replicas_of(page)
            _write(self.sinks, page, self.progress)
            if follow is not None:
                # The lines a first sweep may bring again: the newest N as lines (few), a
                # whole window's as digests (a minute may hold many).
                horizon = query.until_ms - follow.overlap_ms
                fresh = [r for r in page if _at_or_after(r, horizon)]
                if query.limit is not None:
                    recent.extend(fresh)
                else:
                    for record in fresh:
                        self.seen.add(record)
        if self.progress is not None:
            with self.progress.lock:
                self.progress.clear()
        self.shown += shown
        return shown, recent


def _look_further(
    client: ApiClient, feed: Feed, query: LogQuery, show: _Printer, *, utc: bool
) -> None:
    """No --since and nothing in the default window: the newest older lines (look_back.py)."""
    check = feed.state or (lambda c: deployment_state(c, query.logs_path))
    state = check(client)
    if state is not None:
        messages.info(state)
    last = query
    for step in steps(query):
        last = step
        if show.progress is not None:
            show.progress.extend(step.until_ms - step.since_ms + 1)
        read_before = show.read.lines
        shown, _ = show.window(step, announce=partial(messages.info, looked_back(query, step)))
        if shown:
            return
        if show.read.lines > read_before:
            break  # lines came, none passed the local filters: looking further scans more
    if show.progress is not None:
        show.progress.stop()  # before the last word, or the line would come back under it
    messages.info(nothing_found(query, last, utc=utc, read_lines=show.read.lines > 0))


def _parallel_summary(windows: list[ParallelWindow]) -> str:
    """For -v: how the window was fetched (a chain: every chainlet's window together)."""
    controllers = [window.controller for window in windows]
    mode = "auto" if controllers[0].adaptive else "fixed"
    slices = sum(window.slices for window in windows)
    return (
        f"{slices} slices, up to {sum(c.peak for c in controllers)} requests in flight ({mode}), "
        f"{sum(c.allowed for c in controllers)} at the end"
    )


def _at_or_after(record: Record, ms: int) -> bool:
    """Whether a line's time is `ms` or later; a line with no readable time is in every window."""
    at = record_ms(record)
    return at is None or at >= ms


def _progress(query: LogQuery, *, verbose: bool, sources: int = 1) -> FetchProgress | None:
    """A progress line for the opening fetch: with stderr on a terminal and stdout the same
    terminal or a file (not a pipe), not with -v (whose request lines it would cut through)
    and not with -q. Several sources each walk
    the window (with --all), so the window counts once per source."""
    if verbose or not shows_fetch_progress(sys.stdout, sys.stderr, os.environ):
        return None
    status = messages.StatusLine(enabled=True)
    span = query.until_ms - query.since_ms + 1
    window_ms = span * (sources if query.limit is None else 1)
    return FetchProgress(status, window_ms=window_ms).start()


def _write(sinks: list[Sink], page: list[Record], progress: FetchProgress | None) -> None:
    if not page:
        return  # all filtered out locally: erasing the progress line for nothing blanks it
    if progress is None:
        write_all(sinks, page)
        return
    with progress.lock:  # workers update the progress line: never in the middle of a page
        progress.clear()
        write_all(sinks, page)


def _follow(
    client: ApiClient,
    query: LogQuery,
    sinks: list[Sink],
    settings: FollowSettings,
    opening: list[Record],
    until_ms: int | None,
    on_gap: Callable[[int], None],
    feed: Feed | None = None,
    seen: ShownLines | None = None,
) -> None:
    """Follow after the opening window: `opening` its newest N lines shown (with -n), `seen`
    the lines of its last overlap (a whole window, which shows only these digests)."""
    feed = feed or Feed.single(query)
    on_terminal = shows_progress(sys.stdout, sys.stderr, os.environ)
    status = messages.StatusLine(enabled=on_terminal)
    fetch = feed_fetch(client, feed, on_gap=on_gap)
    keep = local_filter(feed)  # polls bring every line; filters the endpoint lacks run here
    stop_check = (
        feed.stop_check(client)
        if feed.stop_check is not None
        else deployment_ended(client, lambda: query.logs_path)
    )
    follower = Follower(
        fetch,
        settings=settings,
        on_status=status.show,
        # Off a terminal the status line is silent: say once that polls are failing.
        on_trouble=None if on_terminal else messages.warn,
        on_gap=on_gap,
        stop_check=stop_check,
    )
    if on_terminal:
        client.on_retry = follower.reconnecting  # say so at the first failure, not the last
    if until_ms is not None:  # no 429 may hold the run past --until
        client.end_waits_in((follower.ends_at_ms(until_ms) - follower.now_ms()) / 1000)
    horizon = query.until_ms - settings.overlap_ms
    oldest = min((ms for r in opening if (ms := record_ms(r)) is not None), default=query.until_ms)
    if query.limit is not None and oldest > horizon:
        # Only the newest N were shown (maybe none: -n 0): older lines of the overlap, and
        # unshown ones at the oldest shown millisecond, were skipped on purpose. Count them as
        # seen, or the first sweep would print them out of order.
        follower.remember_window(horizon, oldest)
        opening = [r for r in opening if _at_or_after(r, oldest + 1)]
    follower.remember(opening, since_ms=horizon)
    if seen is not None:
        follower.shown.merge(seen)
    batches = follower.follow(start_ms=query.until_ms, until_ms=until_ms, floor_ms=query.since_ms)
    try:
        for batch in batches:
            status.clear()
            late = follower.late
            if keep is not None:
                late = len(keep(batch[:late]))
                batch = keep(batch)  # the first `late` lines came after later ones were shown
            write_all(sinks, batch, late)
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
