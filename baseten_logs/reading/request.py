"""One inference request's story: every line tagged with its id, found with no window given, and
the untagged lines its replicas printed around it.

The API filters by `request_id`, so a week of logs is searched in one query per 7-day piece (the
API's limit on a window) and the request's own span follows from the lines found. Tracebacks and
library warnings often carry no request id, so with a margin the untagged lines of each of the
request's replicas around that span are merged in, marked as context.

A request may have lines in several sources: a deployment, an environment, or each chainlet of a
chain deployment (one RequestSource each, a chainlet's lines labelled with its name as `chain`
labels them). Everything here is plain functions over a `FetchFor` (a LogQuery -> a page fetcher),
so the library, the CLI and tests share it.
"""

from __future__ import annotations

import heapq
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

from baseten_logs.api.page import Record
from baseten_logs.base.errors import NotFoundError, UsageError
from baseten_logs.base.levels import effective_level
from baseten_logs.base.timeparse import Zone, format_ms, parse_duration_ms
from baseten_logs.base.timestamps import record_ns
from baseten_logs.reading.merge import LABEL_FIELD
from baseten_logs.reading.pager import MAX_WINDOW_MS, PAGE_SIZE, FetchPage, Pager
from baseten_logs.reading.query import MAX_VALUE_LENGTH, Filters, LogQuery, resolve_window
from baseten_logs.sources.source import LogsSource

if TYPE_CHECKING:  # the client imports httpx: the CLI's input checks must not pay for it
    from baseten_logs.access.config import Credentials
    from baseten_logs.sources.chains import ChainTarget

__all__ = [
    "DEFAULT_LOOKBACK_MS",
    "MAX_CONTEXT_MS",
    "MAX_REQUEST_ID_LENGTH",
    "RequestNotFound",
    "RequestSource",
    "Story",
    "StoryLine",
    "chain_sources",
    "check_request_id",
    "find_request",
    "parse_context",
    "request_records",
    "request_window",
    "story_pages",
]

# One API window: the default search costs a single request (a bigger one is split in pieces).
DEFAULT_LOOKBACK_MS = MAX_WINDOW_MS
MAX_CONTEXT_MS = 3_600_000  # context is what happened near the request, not a replica's day
MAX_REQUEST_ID_LENGTH = MAX_VALUE_LENGTH  # what the API takes for `request_id`
# A request's lines held between finding them and showing them (two pages): a request with
# more is counted as it is found, then fetched again, a page per source at a time, to be shown.
MAX_HELD = 2_000
MAX_REPLICAS = 1_000  # replicas named in the header and walked for context
MAX_REPLICA_CHARS = 256  # of a replica's name, as a key (a hostile one may be a MiB)

# A LogQuery -> the function that fetches its pages (fetch.page_fetcher bound to a client).
FetchFor = Callable[[LogQuery], FetchPage]

CONTEXT_FIELD = "context"  # added, true, to a context line in JSON (and so in --save files)
# Where text output shows a context line: before its message, so `grep -v` can drop them.
CONTEXT_MARK = "(context) "


class RequestNotFound(NotFoundError):
    """No line carries the request id in the sources and window searched."""


@dataclass(frozen=True)
class RequestSource:
    """One place the request's lines may be: a logs endpoint and how messages name it."""

    path: str
    label: str
    # The run's source, when it may still have to settle its path with the first request (ids
    # as typed, names to look up on a 404; see source.py). Not part of what tells sources apart.
    logs: LogsSource | None = field(default=None, compare=False)
    # A chain's chainlet: its name, added to each of its lines as `"chainlet"` (as `chain` does),
    # so the lines of several chainlets say whose they are in every output format.
    chainlet: str | None = None

    def line(self, record: Record, *, context: bool = False) -> StoryLine:
        """A line of this source as the story holds it (labelled, for a chainlet)."""
        if self.chainlet is not None:
            record = {**record, LABEL_FIELD: self.chainlet}
        return StoryLine(record, self, context)


class StoryLine(NamedTuple):
    """A line of the story as the API sent it, where it came from, and whether it is context."""

    record: Record
    source: RequestSource
    context: bool = False

    def as_json(self) -> Record:
        """The record for JSON output: every API field unchanged, `"context": true` on context."""
        return {**self.record, CONTEXT_FIELD: True} if self.context else self.record


def marked_context(record: Record) -> Record:
    """A line for text output: a context line (`"context": true`, as `request --context` and
    its --save files mark it) with the mark before its message; any other line as it is.

    The level is kept as the unmarked message gives it: the mark must not hide "Traceback"."""
    if record.get(CONTEXT_FIELD) is not True:
        return record
    message = record.get("message")
    text = message if isinstance(message, str) else "" if message is None else str(message)
    return {**record, "level": effective_level(record), "message": CONTEXT_MARK + text}


@dataclass
class StoryCounts:
    """What the header says of a request's lines, counted as they stream past (in time order),
    so a request of millions of lines is described without holding them."""

    lines: int = 0
    levels: Counter[str | None] = field(default_factory=Counter)
    per_source: dict[RequestSource, int] = field(default_factory=dict)  # by their first line
    per_replica: dict[tuple[RequestSource, str], int] = field(default_factory=dict)  # likewise
    first_ns: int | None = None
    last_ns: int | None = None

    def add(self, line: StoryLine) -> None:
        self.lines += 1
        self.levels[effective_level(line.record)] += 1
        self.per_source[line.source] = self.per_source.get(line.source, 0) + 1
        replica = line.record.get("replica")
        if isinstance(replica, str) and replica:
            key = (line.source, replica[:MAX_REPLICA_CHARS])
            if key in self.per_replica or len(self.per_replica) < MAX_REPLICAS:
                self.per_replica[key] = self.per_replica.get(key, 0) + 1
        ns = record_ns(line.record)
        if ns is not None:
            self.first_ns = ns if self.first_ns is None else min(self.first_ns, ns)
            self.last_ns = ns if self.last_ns is None else max(self.last_ns, ns)


@dataclass(frozen=True)
class Story:
    """The tagged lines of one request, oldest first, and where and when they were looked for.

    `lines` holds them all while they are at most MAX_HELD; past that it is empty (`whole`
    False) and story_pages fetches them again, a page per source at a time, to show them."""

    request_id: str
    lines: tuple[StoryLine, ...]
    since_ms: int
    until_ms: int
    # Every source searched, found in or not, and how messages name them together (None: the
    # labels of those the request was found in).
    searched: tuple[RequestSource, ...] = ()
    where: str | None = None
    counts: StoryCounts = field(default_factory=StoryCounts)
    whole: bool = True

    @property
    def first_ns(self) -> int:
        found = self.counts.first_ns
        return self.since_ms * 1_000_000 if found is None else found

    @property
    def last_ns(self) -> int:
        found = self.counts.last_ns
        return self.since_ms * 1_000_000 if found is None else found

    def replicas(self) -> list[tuple[RequestSource, str]]:
        """Each (source, replica) that printed a tagged line, in order of their first line (at
        most MAX_REPLICAS: each costs a walk of its context)."""
        return list(self.counts.per_replica)


def check_request_id(value: str) -> str:
    """REQUEST_ID as typed, or UsageError when it cannot be an id (before any request is sent).

    The API promises only a string of at most 256 characters, so every printable form is taken
    as it is; spaces, control and invisible characters come from a bad copy, never from an id.
    """
    if not value:
        raise UsageError("REQUEST_ID", "is empty", hint="give the id of one inference request")
    if len(value) > MAX_REQUEST_ID_LENGTH:
        raise UsageError(
            "REQUEST_ID",
            f"is {len(value)} characters long; the API takes at most {MAX_REQUEST_ID_LENGTH}",
            hint="give the request id alone",
        )
    for char in value:
        if char.isspace():
            raise UsageError(
                "REQUEST_ID",
                f"contains white space (U+{ord(char):04X})",
                hint="give the request id alone, without spaces or line breaks",
            )
        if not char.isprintable():
            raise UsageError(
                "REQUEST_ID",
                f"contains a control or invisible character (U+{ord(char):04X})",
                hint="copy the request id again, as text",
            )
    return value


def parse_context(value: str | None) -> int | None:
    """--context DURATION in milliseconds (None: no context), from 0s up to 1h."""
    if value is None:
        return None
    margin = parse_duration_ms(value.strip())
    if margin is None or margin > MAX_CONTEXT_MS:
        raise UsageError(
            "--context", f"{value!r} is not a duration up to 1h", hint="e.g. 30s, 2m or 0s"
        )
    return margin


def request_window(
    *, since: str | None, until: str | None, now_ms: int | None = None, zone: Zone | None = None
) -> tuple[int, int]:
    """(since_ms, until_ms) to search; without --since, the 7 days (one API window) to --until
    (wall-clock times read in `zone`, None: local)."""
    since_ms, until_ms = resolve_window(since=since, until=until, now_ms=now_ms, zone=zone)
    if since is None:
        since_ms = until_ms - DEFAULT_LOOKBACK_MS + 1  # inclusive ends: exactly one window
    return since_ms, until_ms


def find_request(
    fetch_for: FetchFor,
    *,
    request_id: str,
    sources: Sequence[RequestSource],
    since_ms: int,
    until_ms: int,
    on_gap: Callable[[int], None] | None = None,
    where: str | None = None,
) -> Story:
    """Every line tagged `request_id` in `sources` between the two times, oldest first.

    Raises RequestNotFound, saying where (`where`, else each source's label) and when it looked,
    when there is none.
    """
    counts = StoryCounts()
    held: list[StoryLine] = []
    whole = True
    tagged = _tagged(fetch_for, request_id, sources, since_ms, until_ms, on_gap)
    for line in tagged:
        counts.add(line)
        if whole:
            held.append(line)
            if len(held) > MAX_HELD:  # too many to hold: counted now, fetched again to be shown
                whole, held = False, []
    if not counts.lines:
        chain = any(source.chainlet is not None for source in sources)
        check = "the chain, DEPLOYMENT and --chainlet" if chain else "MODEL and DEPLOYMENT"
        searched = (
            f"request {request_id!r} not found in "
            f"{where or ', '.join(source.label for source in sources)} "
            f"from {format_ms(since_ms)} to {format_ms(until_ms)}"
        )
        spelled = _other_spelling(fetch_for, request_id, sources, since_ms, until_ms)
        if spelled is not None:
            raise RequestNotFound(
                f"{searched}, but {spelled!r} is: request ids match exactly",
                hint=f"give the id as {spelled}",
            )
        raise RequestNotFound(
            searched,
            hint=f"look further back with --since (e.g. --since 30d), or check {check}",
        )
    return Story(request_id, tuple(held), since_ms, until_ms, tuple(sources), where, counts, whole)


def _tagged(
    fetch_for: FetchFor,
    request_id: str,
    sources: Sequence[RequestSource],
    since_ms: int,
    until_ms: int,
    on_gap: Callable[[int], None] | None,
) -> Iterator[StoryLine]:
    """Every line tagged `request_id` in `sources`, in time order, a page per source held."""
    filters = Filters(request_id=request_id)

    def lines_of(source: RequestSource) -> Iterator[StoryLine]:
        query = LogQuery(
            path=source.path,
            since_ms=since_ms,
            until_ms=until_ms,
            filters=filters,
            limit=None,
            source=source.logs,
        )
        for page in Pager(fetch_for(query), on_gap=on_gap).oldest(since_ms, until_ms):
            for record in page:
                yield source.line(record)

    # Ties keep the sources' order, as one list per source merged did.
    return heapq.merge(*(lines_of(source) for source in sources), key=_order)


def _other_spelling(
    fetch_for: FetchFor,
    request_id: str,
    sources: Sequence[RequestSource],
    since_ms: int,
    until_ms: int,
) -> str | None:
    """The id in another case (all lower, all upper) that has a line in the window, if one
    does: one line asked for per form and source (see idcase.py). Best effort: a failed look
    leaves the not-found message as it was."""
    from baseten_logs.base.errors import BasetenLogsError
    from baseten_logs.reading.idcase import spellings

    try:
        for form in spellings(request_id):
            for source in sources:
                query = LogQuery(
                    path=source.path,
                    since_ms=since_ms,
                    until_ms=until_ms,
                    filters=Filters(request_id=form),
                    limit=1,
                    source=source.logs,
                )
                pages = Pager(fetch_for(query)).newest(since_ms, until_ms, 1)
                if any(pages):
                    return form
    except BasetenLogsError:
        pass
    return None


def chain_sources(target: ChainTarget) -> list[RequestSource]:
    """One source per chainlet of a resolved chain deployment, in the chain's order (which is
    also the order of lines of one nanosecond)."""
    return [RequestSource(target.logs_path(c), c.name, chainlet=c.name) for c in target.chainlets]


def story_pages(
    fetch_for: FetchFor,
    story: Story,
    *,
    context_ms: int | None = None,
    on_gap: Callable[[int], None] | None = None,
    page_size: int = PAGE_SIZE,
) -> Iterator[list[StoryLine]]:
    """The story's lines in time order, in pages; with `context_ms`, merged with the untagged lines
    of each of its replicas from `context_ms` before its first line to as long after its last.

    Context is fetched lazily, a page per replica at a time, so a busy replica's hour streams in
    bounded memory.
    """
    streams: list[Iterable[StoryLine]] = [story.lines]
    if not story.whole:
        streams = [
            _tagged(
                fetch_for, story.request_id, story.searched, story.since_ms, story.until_ms, on_gap
            )
        ]
    if context_ms is not None:
        start_ms = story.first_ns // 1_000_000 - context_ms
        end_ms = story.last_ns // 1_000_000 + context_ms
        streams.extend(
            _untagged(fetch_for, source, replica, start_ms, end_ms, on_gap)
            for source, replica in story.replicas()
        )
    # Ties keep the stream order: the request's own line first, then replicas as first seen.
    page: list[StoryLine] = []
    for line in heapq.merge(*streams, key=_order):
        page.append(line)
        if len(page) >= page_size:
            yield page
            page = []
    if page:
        yield page


def request_records(
    request_id: str,
    *,
    path: str | None = None,
    chain: str | None = None,
    chain_deployment: str | None = None,
    chainlets: Sequence[str] = (),
    since_ms: int | None = None,
    until_ms: int | None = None,
    context_ms: int | None = None,
    credentials: Credentials | None = None,
) -> Iterator[Record]:
    """The library's door: the request's records in time order, as `-o jsonl` prints them.

    Either `path`, a logs endpoint (query.logs_path), or `chain`, a chain's name or id: then every
    chainlet of its `chain_deployment` (default production; `chainlets` narrows) is searched and
    each line carries `"chainlet"`. The window defaults to the last 7 days. Credentials default to
    the same sources the CLI reads (BASETEN_API_KEY, ~/.trussrc).
    """
    from baseten_logs.access.config import resolve_credentials
    from baseten_logs.reading.fetch import open_client, page_fetcher

    if (path is None) == (chain is None):
        raise UsageError("request_records", "needs either path or chain", hint="give one")
    request_id = check_request_id(request_id)  # before anything is sent
    until = int(time.time() * 1000) if until_ms is None else until_ms
    since = until - DEFAULT_LOOKBACK_MS + 1 if since_ms is None else since_ms
    creds = credentials or resolve_credentials(api_key=None, api_url=None)
    with open_client(creds) as client:

        def fetch_for(query: LogQuery) -> FetchPage:
            return page_fetcher(client, query)

        where = None
        if chain is not None:
            from baseten_logs.sources.chains import resolve_chain

            target = resolve_chain(client, chain, deployment=chain_deployment, chainlets=chainlets)
            sources, where = chain_sources(target), f"chain {target.label}"
        else:
            assert path is not None
            sources = [RequestSource(path, path)]
        story = find_request(
            fetch_for,
            request_id=request_id,
            sources=sources,
            since_ms=since,
            until_ms=until,
            where=where,
        )
        for page in story_pages(fetch_for, story, context_ms=context_ms):
            yield from (line.as_json() for line in page)


def _untagged(
    fetch_for: FetchFor,
    source: RequestSource,
    replica: str,
    start_ms: int,
    end_ms: int,
    on_gap: Callable[[int], None] | None,
) -> Iterator[StoryLine]:
    query = LogQuery(
        path=source.path,
        since_ms=start_ms,
        until_ms=end_ms,
        filters=Filters(replica=replica),
        limit=None,
        source=source.logs,
    )
    for page in Pager(fetch_for(query), on_gap=on_gap).oldest(start_ms, end_ms):
        for record in page:
            # Lines of this request are already in the story, and other requests' are not its.
            if not record.get("request_id"):
                yield source.line(record, context=True)


_NO_TIME = 2**63  # after every real nanosecond


def _order(line: StoryLine) -> int:
    """Where a line goes when sources are merged in time order (no readable time: last)."""
    ns = record_ns(line.record)
    return _NO_TIME if ns is None else ns
