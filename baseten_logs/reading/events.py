"""Replica start-ups beside the lines (`--events`): one more source in the run's merge.

"Why did my replica restart?" is answered by the deployment's start-up attempts
(`GET .../deployments/{d}/startups`, or `.../environments/{env}/startups`) shown among the lines
of the crash and the restart. Each attempt becomes one event record, `{"event": <the API's item,
verbatim>, "time": <its start, epoch ns as a string, as lines' timestamps are>}`, merged by time
into the pages the reader produces: the renderers draw it in a style of its own, the JSON
outputs write it as it is (`jq 'select(.event)'`), and the tally and follow's memory of shown
lines skip it, so the lines are exactly those a run without --events shows.

Events are asked for once, when the first line arrives (the logs path is settled by then), over
the run's window; with -n only those from the oldest shown line on (the rest explain nothing
shown). With -f they are asked again at most once per POLLS_PER_CHECK line polls, for the span
since the last ask, and only when lines arrive. Equal times: an event goes before the lines of
its nanosecond (a start precedes what it starts), newest first after them, so both orders show
one sequence turned round.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from baseten_logs.api.page import Record
from baseten_logs.base.errors import BasetenLogsError
from baseten_logs.base.timestamps import record_ns
from baseten_logs.output.render_event import EVENT_FIELD, is_event

if TYPE_CHECKING:
    from baseten_logs.api.client import ApiClient

T = TypeVar("T")
TIME_FIELD = "time"
PAGE_LIMIT = 100  # the endpoint's largest page
MAX_PAGES = 10  # 1000 attempts: what the endpoint counts at most ("the most recent 1000")
POLLS_PER_CHECK = 10  # with -f: at most one start-ups request per this many line polls


__all__ = ["EVENT_FIELD", "EventReader", "is_event", "lines_only", "merge_events", "merge_timed"]


def lines_only(page: Sequence[Record]) -> list[Record]:
    """The page without its events: what the tally, follow's memory and the counts see."""
    return [record for record in page if EVENT_FIELD not in record]


def startups_path(logs_path: str) -> str | None:
    """The start-ups path of a deployment's or an environment's logs path; None for any other
    source (a chainlet, a training job: the API has no start-ups for them)."""
    parts = logs_path.strip("/").split("/")
    if len(parts) == 6 and parts[:2] == ["v1", "models"] and parts[5] == "logs":
        if parts[3] in ("deployments", "environments"):
            return "/" + "/".join([*parts[:5], "startups"])
    return None


def event_record(item: dict[str, Any]) -> Record | None:
    """The event record of one start attempt; None when its start is no time we can place."""
    started = item.get("started_at_epoch_millis")
    if type(started) is not int or not 0 < started < 10**13:
        return None
    return {EVENT_FIELD: item, TIME_FIELD: str(started * 1_000_000)}


def event_ns(record: Record) -> int:
    return int(record[TIME_FIELD])


def fetch_startups(
    client: ApiClient, path: str, since_ms: int, until_ms: int, replicas: Sequence[str] = ()
) -> list[Record]:
    """The start attempts in [since_ms, until_ms] as event records, oldest first (cursor pages,
    at most MAX_PAGES); `replicas`: only theirs (none: every replica's)."""
    found: list[Record] = []
    cursor: str | None = None
    for _ in range(MAX_PAGES):
        params = [
            ("start_epoch_millis", str(since_ms)),
            ("end_epoch_millis", str(max(until_ms, since_ms + 1))),
            ("sort_by", "STARTED_AT"),
            ("direction", "asc"),
            ("limit", str(PAGE_LIMIT)),
        ]
        if cursor is not None:
            params.append(("cursor", cursor))
        body = client.get_json(path, params)
        items = body.get("items") if isinstance(body, dict) else None
        for item in items if isinstance(items, list) else []:
            record = event_record(item) if isinstance(item, dict) else None
            if record is not None and (not replicas or item.get("replica_id") in replicas):
                found.append(record)
        pagination = body.get("pagination") if isinstance(body, dict) else None
        cursor = pagination.get("cursor") if isinstance(pagination, dict) else None
        if not (isinstance(pagination, dict) and pagination.get("has_more")) or not isinstance(
            cursor, str
        ):
            break
    found.sort(key=event_ns)  # stable: the API's order within one millisecond
    return found


def merge_events(
    pages: Iterable[list[Record]],
    events: Callable[[], Sequence[Record]],
    *,
    descending: bool,
    from_first_line: bool = False,
) -> Iterator[list[Record]]:
    """`pages` (lines in display order) with the events (oldest first, asked for by `events`
    when the first line comes: no line, no ask) placed among them by time; every line kept, in
    its order. A line with no readable time takes the time of the line before it.
    `from_first_line`: only events at or after the oldest line (-n: the newest N lines)."""
    return merge_timed(
        pages, events, record_ns, descending=descending, from_first_line=from_first_line
    )


def merge_timed(
    pages: Iterable[list[T]],
    events: Callable[[], Sequence[Record]],
    time_of: Callable[[T], int | None],
    *,
    descending: bool = False,
    from_first_line: bool = False,
) -> Iterator[list[T | Record]]:
    """merge_events over any kind of line (`request`'s story lines), timed by `time_of`."""
    queue: list[Record] | None = None
    index = 0
    last: int | None = None  # the time of the latest timed line
    oldest_kept = from_first_line and not descending  # drop what precedes the first timed line
    for page in pages:
        out: list[T | Record] = []
        for record in page:
            if queue is None:
                found = events()
                queue = list(reversed(found)) if descending else list(found)
            ns = time_of(record)
            if ns is not None:
                if last is None and oldest_kept:
                    while index < len(queue) and event_ns(queue[index]) < ns:
                        index += 1
                last = ns
            if last is not None:
                while index < len(queue) and _before(queue[index], last, descending):
                    out.append(queue[index])
                    index += 1
            out.append(record)
        if out:
            yield out
    rest = [] if queue is None else queue[index:]
    if from_first_line and (last is None or descending):
        # Newest first the rest is older than the oldest line: only those of its nanosecond.
        rest = [e for e in rest if last is not None and event_ns(e) >= last]
    if rest:
        yield list(rest)


def _before(event: Record, line_ns: int, descending: bool) -> bool:
    """Whether the event goes before a line of this time in the display order."""
    at = event_ns(event)
    return at > line_ns if descending else at <= line_ns


@dataclass
class EventReader:
    """The start-ups of a run's sources, asked for as the lines arrive (see the module)."""

    client: ApiClient
    paths: Callable[[], Sequence[str]]  # logs paths, read once the first line settled them
    replicas: Sequence[str] = ()  # --replica: only theirs
    warn: Callable[[str], None] | None = None
    asked_up_to_ms: int | None = None
    polls_at_ask: int = 0
    shown_up_to_ms: int | None = None  # with -f: the newest line's time polled so far
    _warned: bool = field(default=False, repr=False)

    def window(self, since_ms: int, until_ms: int) -> list[Record]:
        """Every source's start-ups in the window, oldest first. A failed ask is said once and
        shows none: the lines matter more than the events beside them."""
        self.asked_up_to_ms = until_ms
        found: list[Record] = []
        for logs_path in self.paths():
            path = startups_path(logs_path)
            if path is None:
                continue
            try:
                found += fetch_startups(self.client, path, since_ms, until_ms, self.replicas)
            except BasetenLogsError as exc:
                if self.warn is not None and not self._warned:
                    self.warn(f"replica start-ups not read: {exc}")
                self._warned = True
        found.sort(key=event_ns)
        return found

    def beside(
        self, pages: Iterable[list[Record]], since_ms: int, until_ms: int, **how: bool
    ) -> Iterator[list[Record]]:
        """The window's pages with its start-ups among them (`how`: merge_events' flags)."""
        return merge_events(pages, lambda: self.window(since_ms, until_ms), **how)

    def polled(self, batch: list[Record], polls: int) -> list[Record]:
        """A follow batch (oldest first) with the start-ups since the last ask, if
        POLLS_PER_CHECK polls have passed; those after its newest line wait for a later one."""
        times = [ns for record in batch if (ns := record_ns(record)) is not None]
        if times:
            newest = max(times) // 1_000_000
            self.shown_up_to_ms = max(newest, self.shown_up_to_ms or newest)
        if not times or polls - self.polls_at_ask < POLLS_PER_CHECK:
            return batch
        self.polls_at_ask = polls
        newest_ms = max(times) // 1_000_000
        since_ms = (self.asked_up_to_ms or newest_ms) + 1
        if newest_ms < since_ms:
            return batch
        found = self.window(since_ms, newest_ms)
        merged = merge_events([batch], lambda: found, descending=False)
        return [record for page in merged for record in page]

    def rest(self) -> list[Record]:
        """When a follow ends (--until, or its source ended): the start-ups since the last ask,
        up to the newest line polled, so that none of the followed span goes untold (they come
        after the lines, as a late line would)."""
        if self.shown_up_to_ms is None:
            return []
        since_ms = (self.asked_up_to_ms or self.shown_up_to_ms) + 1
        if self.shown_up_to_ms < since_ms:
            return []
        return self.window(since_ms, self.shown_up_to_ms)
