"""A `get`, `chain` or `training` run: a pipeline built once, through which lines flow down.

    Feed (the sources) -> reader (the opening window, then -f's polls) -> local filters -> Sinks

The command (cli/get.py) turns flags into a `Run` and hands it here with its sinks and its
`Outcome` (reading/outcome.py); nothing here calls back up. The opening window's reader is
chosen in one place (feed.opening_pages: the newest N, or a whole window in parallel slices),
the filters the endpoint lacks run as the feed's local filter, and every page goes to the one
`Sinks`. With no --since an empty window widens (look_back.py); a replica or request id asked
for that brought nothing gets a case hint (idcase.py); -f then follows from the window's end.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any, Protocol

from baseten_logs.access.config import Credentials
from baseten_logs.api.client import ApiClient, RetryPolicy
from baseten_logs.api.pace import DEFAULT_MAX_RPS, Concurrency, ceiling_of
from baseten_logs.api.page import Record
from baseten_logs.base import interruption
from baseten_logs.base.errors import BasetenLogsError, ExitStatus
from baseten_logs.base.timeparse import Zone
from baseten_logs.base.timestamps import record_ms
from baseten_logs.output import messages
from baseten_logs.output.pipes import stdout_guard
from baseten_logs.output.terminal import shows_fetch_progress, shows_progress
from baseten_logs.reading.events import EventReader, lines_only
from baseten_logs.reading.feed import (
    Feed,
    crowd_reach,
    each_query,
    feed_fetch,
    local_filter,
    opening_pages,
)
from baseten_logs.reading.fetch import open_client
from baseten_logs.reading.follow import Follower, FollowSettings, ShownLines
from baseten_logs.reading.idcase import replica_hints, replicas_of, request_id_hint
from baseten_logs.reading.look_back import deployment_state, looked_back, nothing_found, steps
from baseten_logs.reading.outcome import Outcome
from baseten_logs.reading.pager import PAGE_SIZE, Direction, FetchPage, Pager
from baseten_logs.reading.progress import FetchProgress
from baseten_logs.reading.query import Filters, LogQuery


class Sinks(Protocol):
    """Where the lines go (the screen, --save, the tally), written together, page by page."""

    def write(self, records: Sequence[Mapping[str, Any]], late: int = 0) -> None: ...
    def close(self) -> None: ...


@dataclass(frozen=True)
class Run:
    """A run as the command planned it, before any request."""

    feed: Feed  # the sources, and the filters applied locally
    window: LogQuery  # the window, -n, and the filters the messages name
    credentials: Credentials
    newest_first: bool = False  # --reverse
    concurrency: Concurrency = 1
    follow: FollowSettings | None = None  # -f
    follow_until_ms: int | None = None
    look_back: bool = False  # no --since: an empty window widens to the newest older lines
    zone: Zone | None = None  # --tz/--utc: times in messages; None: local, unmarked
    verbose: bool = False
    attempts: int = RetryPolicy.attempts
    max_rps: float = DEFAULT_MAX_RPS
    events: bool = False  # --events: replica start-ups among the lines (reading/events.py)
    # How -f waits between polls (by default raising a Ctrl-C or SIGTERM that Python lost, see
    # base/interruption). `browse` passes a wait that a closing window cuts short (and that then
    # raises), so quitting never waits out a poll interval.
    sleep: Callable[[float], None] = interruption.sleep


def execute(run: Run, sinks: Sinks, outcome: Outcome) -> ExitStatus:
    """Runs `run` into `sinks`; the exit status, and what `outcome` settles however it ended."""
    outcome.reach = crowd_reach(run.feed)  # what a crowded millisecond's warning says
    try:
        with open_client(
            run.credentials,
            log=messages.info if run.verbose else None,
            max_connections=ceiling_of(run.concurrency),
            retry=RetryPolicy(attempts=run.attempts),
            max_rps=run.max_rps,
        ) as client:
            try:
                sources = len(each_query(run.feed))
                progress = _progress(run.window, verbose=run.verbose, sources=sources)
                with stdout_guard():
                    _Pipeline(client, run, sinks, outcome, progress).flow()
            finally:
                outcome.requests = client.requests_made
        outcome.completed = True
    except KeyboardInterrupt:
        messages.end_interrupted_line()  # before the summary below, not after it
        raise
    finally:
        outcome.finish()
    return outcome.status()


@dataclass
class _Read:
    """Counts the lines the API sent, before local filters: a window that matched nothing
    locally was not empty, and looking further back would only scan more of the same."""

    lines: int = 0  # racing workers may lose a count, never turn lines into none

    def wrap(self, fetch: FetchPage) -> FetchPage:
        def counted(start: int, end: int, direction: Direction, limit: int) -> list[Record]:
            page = fetch(start, end, direction, limit)
            self.lines += len(page)
            return page

        return counted


@dataclass
class _Pipeline:
    """One run's stages, built once: the opening window, the look back, the hints, follow."""

    client: ApiClient
    run: Run
    sinks: Sinks
    outcome: Outcome
    progress: FetchProgress | None = None
    read: _Read = field(default_factory=_Read)
    shown: int = 0  # lines shown by every window so far (a look back's steps too)
    seen: ShownLines = field(default_factory=ShownLines)  # a whole window's last overlap
    replicas: set[str] = field(default_factory=set)  # theirs, when --replica was given
    events: EventReader | None = None  # --events

    def __post_init__(self) -> None:
        if self.run.events:
            parts = self.run.feed.parts
            self.events = EventReader(
                self.client,
                lambda: [part.query.logs_path for part in parts],
                replicas=self.run.window.filters.asked_replicas(),
                warn=messages.warn,
            )

    def flow(self) -> None:
        """The opening window into the sinks, what an empty one is owed (a look back or a
        word), the case hints, then -f's polls into the same sinks; the sinks closed at the end."""
        run = self.run
        try:
            # Inside the try: however early a run ends (Ctrl-C, SIGTERM, a failed request),
            # the sinks are closed (-o json's `]`, -o github's groups).
            shown, recent = self.window(run.window, follow=run.follow)
            if not shown and run.follow is None:
                self._nothing_shown()
            self._stop_progress()  # follow has its own status line
            if run.window.limit != 0 and not messages.quiet():
                self.outcome.hint(self._case_hints())
            if run.follow is not None:
                _follow(
                    self.client,
                    run.window,
                    self.sinks,
                    run.follow,
                    recent,
                    run.follow_until_ms,
                    self.outcome.on_gap,
                    feed=run.feed,
                    seen=self.seen,
                    events=self.events,
                    sleep=run.sleep,
                )
        finally:
            self._stop_progress()
            # On failure or Ctrl-C too: what was fetched is still shown (-o github writes its
            # groups at the end, -o json its closing bracket).
            self.sinks.close()

    def _stop_progress(self) -> None:
        if self.progress is not None:
            self.progress.stop()

    def _nothing_shown(self) -> None:
        run = self.run
        if run.look_back and run.window.limit is not None and not self.read.lines:
            self._look_further()
        elif self.progress is not None:
            self.progress.stop()
            self.outcome.nothing_matched(run.window, zone=run.zone)

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
            self.run.feed,
            query,
            newest_first=self.run.newest_first,
            concurrency=self.run.concurrency,
            on_gap=self.outcome.on_gap,
            wrap=self._wrap,
            prefetch_bytes=self.client.limits.prefetch_bytes,
        )
        # Each window's controller hears of every answer (429s included) itself.
        self.outcome.windows[:] = opening.windows
        pages = opening.pages
        if self.events is not None:
            pages = self.events.beside(
                pages,
                query.since_ms,
                query.until_ms,
                descending=self.run.newest_first,
                from_first_line=query.limit is not None,
            )
        recent: list[Record] = []
        shown = 0
        asked = bool(query.filters.asked_replicas())
        for page in pages:
            if page and not shown and announce is not None:
                announce()
            _write(self.sinks, page, self.progress)
            if self.events is not None:
                page = lines_only(page)  # what follows counts and remembers lines only
            shown += len(page)
            if asked:
                self.replicas |= replicas_of(page)
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

    def _look_further(self) -> None:
        """No --since and nothing in the default window: the newest older lines."""
        query, feed, progress = self.run.window, self.run.feed, self.progress
        check = feed.state or (lambda c: deployment_state(c, query.logs_path))
        state = check(self.client)
        if state is not None:
            messages.info(state)
        last = query
        for step in steps(query):
            last = step
            if progress is not None:
                progress.extend(step.until_ms - step.since_ms + 1)
            read_before = self.read.lines
            shown, _ = self.window(step, announce=partial(messages.info, looked_back(query, step)))
            if shown:
                return
            if self.read.lines > read_before:
                break  # lines came, none passed the local filters: looking further scans more
        if progress is not None:
            progress.stop()  # before the last word, or the line would come back under it
        messages.info(
            nothing_found(query, last, zone=self.run.zone, read_lines=self.read.lines > 0)
        )

    def _case_hints(self) -> list[str]:
        """After the opening lines: for a replica asked for that brought none of them (or a
        request id, when no line came), whether it exists in another case (see idcase.py).
        Best effort: a failed look says nothing."""
        client, feed, query = self.client, self.run.feed, self.run.window
        filters = query.filters
        missing = [name for name in filters.asked_replicas() if name not in self.replicas]
        hints: list[str] = []
        try:
            if missing:
                hints += replica_hints(missing, lambda: _first_page(client, feed, Filters(), query))
            # Training jobs' endpoint takes no request_id: no cheap look there.
            if filters.request_id is not None and not self.shown and feed.local is None:
                hint = request_id_hint(
                    filters.request_id,
                    lambda form: bool(
                        _first_page(client, feed, Filters(request_id=form), query, 1)
                    ),
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
    parts = tuple(replace(p, query=replace(p.query, filters=filters)) for p in feed.parts)
    pager = Pager(feed_fetch(client, Feed(parts)), span=feed.span)
    pages = pager.newest(query.since_ms, query.until_ms, limit)
    return next((page for page in pages if page), [])


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


def _write(sinks: Sinks, page: list[Record], progress: FetchProgress | None) -> None:
    if not page:
        return  # all filtered out locally: erasing the progress line for nothing blanks it
    if progress is None:
        sinks.write(page)
        return
    with progress.lock:  # workers update the progress line: never in the middle of a page
        progress.clear()
        sinks.write(page)


def _follow(
    client: ApiClient,
    query: LogQuery,
    sinks: Sinks,
    settings: FollowSettings,
    opening: list[Record],
    until_ms: int | None,
    on_gap: Callable[[int], None],
    feed: Feed | None = None,
    seen: ShownLines | None = None,
    events: EventReader | None = None,
    sleep: Callable[[float], None] = interruption.sleep,
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
        sleep=sleep,
    )
    if on_terminal:
        client.on_retry = follower.reconnecting  # say so at the first failure, not the last
    if until_ms is not None:  # no 429 may hold the run past --until
        client.end_waits_in((follower.ends_at_ms(until_ms) - follower.now_ms()) / 1000)
    if events is not None and events.asked_up_to_ms is None:
        events.asked_up_to_ms = query.until_ms  # the opening window's, shown or not
    horizon = query.until_ms - settings.overlap_ms
    oldest = min((ms for r in opening if (ms := record_ms(r)) is not None), default=query.until_ms)
    follower.saw(opening)  # all of them: those at `oldest` may not be remembered below
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
            if events is not None:
                batch = batch[:late] + events.polled(batch[late:], follower.polls)
            sinks.write(batch, late)
        if events is not None and (rest := events.rest()):
            sinks.write(rest, 0)  # the follow ended: the start-ups not yet asked for
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
