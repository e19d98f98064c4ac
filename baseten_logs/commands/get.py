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
from baseten_logs.errors import BasetenLogsError, ExitStatus, UsageError
from baseten_logs.fetch import display_pages, open_client, page_fetcher
from baseten_logs.follow import Follower, FollowSettings
from baseten_logs.pager import Pager, Record, record_ms
from baseten_logs.parallel import ParallelWindow
from baseten_logs.pipes import stdout_guard
from baseten_logs.query import LogQuery
from baseten_logs.render import OutputFormat, make_renderer
from baseten_logs.summary import Tally
from baseten_logs.terminal import ColorMode, is_terminal, use_color
from baseten_logs.timeparse import format_ms


class Sink(Protocol):
    def write_page(self, records: Sequence[Mapping[str, Any]]) -> None: ...
    def close(self) -> None: ...


@dataclass(frozen=True)
class Extras:
    """What scripts and CI steps ask for besides the lines themselves."""

    save_path: str | None = None  # --save: the full JSON lines of what was shown
    fail_on: str | None = None  # --fail-on LEVEL|ANY: exit 1 when such a line was shown
    summary: bool = False  # --summary: counts on stderr at the end


def _warn_gap(ms: int) -> None:
    messages.warn(
        f"more lines share the millisecond {format_ms(ms)} than one page holds; "
        "some of them are not shown (narrow with --replica, --request-id or --grep)"
    )


def open_save_file(path: str) -> TextIO:
    """Opened before any request, so a bad path is bad input, not a failure after the fetch."""
    try:
        return open(path, "w", encoding="utf-8")  # closed by run_get
    except OSError as exc:
        raise UsageError(
            "--save", f"cannot write {path!r}: {exc.strerror}", hint="give a writable file path"
        ) from None


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
    extras: Extras | None = None,
) -> ExitStatus:
    extras = extras or Extras()
    stream = sys.stdout
    colored = use_color(cast(ColorMode, color), stream, os.environ)
    sinks: list[Sink] = [
        make_renderer(stream, output=cast(OutputFormat, output), color=colored, utc=utc)
    ]
    saved = open_save_file(extras.save_path) if extras.save_path else None
    if saved is not None:
        sinks.append(make_renderer(saved, output="jsonl", color=False, utc=True))
    tally = Tally() if extras.summary or extras.fail_on else None
    if tally is not None:
        sinks.append(tally)

    log = messages.info if verbose else None
    retry = RetryPolicy(attempts=attempts)
    try:
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
                    for sink in sinks:
                        sink.write_page(page)
                    if follow is not None:
                        horizon = query.until_ms - follow.overlap_ms
                        opening.extend(r for r in page if record_ms(r) >= horizon)
                if follow is not None:
                    _follow(client, query, sinks, follow, opening, follow_until_ms)
                for sink in sinks:
                    sink.close()
            requests = client.requests_made
    finally:
        if saved is not None:
            saved.close()
    if verbose:
        messages.info(f"{requests} request{'' if requests == 1 else 's'}")
    if tally is not None and extras.summary:
        messages.report(tally.describe(requests=requests))
    if tally is not None and extras.fail_on and tally.count_at_or_above(extras.fail_on):
        return ExitStatus.MATCHED
    incomplete = pager.gaps or (window is not None and window.gaps)
    return ExitStatus.INCOMPLETE if incomplete else ExitStatus.OK


def _follow(
    client: ApiClient,
    query: LogQuery,
    sinks: list[Sink],
    settings: FollowSettings,
    opening: list[Record],
    until_ms: int | None,
) -> None:
    status = messages.StatusLine(enabled=is_terminal(sys.stderr, os.environ))
    fetch = page_fetcher(client, query)
    follower = Follower(
        fetch,
        settings=settings,
        on_status=status.show,
        stop_check=deployment_ended(client, query.path),
    )
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
    batches = follower.follow(start_ms=query.until_ms, until_ms=until_ms, floor_ms=query.since_ms)
    try:
        for batch in batches:
            status.clear()
            for sink in sinks:
                sink.write_page(batch)
    finally:
        status.clear()  # Ctrl-C too: leave the shell prompt a clean line
    if follower.stopped_because:
        messages.info(f"stopped following: {follower.stopped_because}")


# Deployment states from which no more logs will come (SCALED_TO_ZERO can wake up again).
ENDED_STATES = frozenset({"INACTIVE", "FAILED", "DEPLOY_FAILED", "BUILD_FAILED", "BUILD_STOPPED"})


def deployment_ended(client: ApiClient, logs_path: str) -> Callable[[], str | None] | None:
    """For a deployment's logs: a check that says why following should stop, if it should."""
    if "/deployments/" not in logs_path or not logs_path.endswith("/logs"):
        return None  # an environment outlives its deployments
    path = logs_path.removesuffix("/logs")

    def check() -> str | None:
        try:
            body = client.get_json(path)
        except BasetenLogsError:
            return None  # a failed check is no reason to stop; the polls report trouble
        state = body.get("status") if isinstance(body, dict) else None
        return f"the deployment is {state}" if state in ENDED_STATES else None

    return check
