"""From a line's detail pane: its request's story (`r`) and the lines around it on its replica
(`a`), each in an overlay that Esc closes, back to the pane and then to the line.

The story is what `baseten-logs request ID` prints: the same search (reading/request:
find_request over the last 7 days, one API window, then story_pages), the id being the line's
`request_id` field, which is what `request` asks the API for. The lines around are the N before
and after on the same replica (and chainlet) from what is loaded; if the loaded lines start too
late for N before, the older ones are asked of the API (`get --replica`'s query, newest first,
before the oldest line loaded). Whatever needs the API runs in a thread worker, never on the UI
thread. Every server string is drawn as Text through output/inert, never as markup.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from baseten_logs.base.errors import BasetenLogsError, UsageError
from baseten_logs.base.levels import effective_level
from baseten_logs.base.timeparse import Zone
from baseten_logs.base.timestamps import record_ms
from baseten_logs.browse.detail import LEVEL_STYLE, TIME_STYLE, Record, message_of, time_column
from baseten_logs.browse.lines import LoadedLines
from baseten_logs.output.inert import inert
from baseten_logs.reading.merge import LABEL_FIELD
from baseten_logs.reading.pager import MAX_WINDOW_MS, Pager, record_key
from baseten_logs.reading.query import Filters, LogQuery
from baseten_logs.reading.request import (
    DEFAULT_LOOKBACK_MS,
    RequestSource,
    check_request_id,
    find_request,
    story_pages,
)

if TYPE_CHECKING:
    from baseten_logs.access.config import Credentials
    from baseten_logs.reading.run import Run

__all__ = [
    "AROUND",
    "MAX_STORY_LINES",
    "Digging",
    "Lookups",
    "Neighbours",
    "StoryScreen",
    "lookups_of",
    "neighbours",
    "request_id_of",
]

AROUND = 10  # lines shown before and after the line, on its replica
MAX_STORY_LINES = 10_000  # of a request's story shown in the overlay (the rest is said)
MARK = Style(reverse=True)


def request_id_of(record: Record) -> str | None:
    """The line's request id as `request` takes it (its `request_id` field), or None."""
    value = record.get("request_id")
    if not isinstance(value, str):
        return None
    try:
        return check_request_id(value)
    except UsageError:
        return None


def _same(record: Record, replica: str, chainlet: object) -> bool:
    return record.get("replica") == replica and record.get(LABEL_FIELD) == chainlet


@dataclass
class Neighbours:
    """The lines on the replica before and after one line (each oldest first)."""

    before: list[Record]
    after: list[Record]
    need: int = 0  # older lines still wanted from the API (the loaded ones ran out)


def neighbours(lines: LoadedLines, position: int, count: int = AROUND) -> Neighbours | None:
    """The `count` lines on the line's replica (and chainlet) before and after it among those
    loaded (None: the line names no replica)."""
    record = lines[position]
    replica = record.get("replica")
    if not isinstance(replica, str) or not replica:
        return None
    chainlet = record.get(LABEL_FIELD)
    before: list[Record] = []
    at = position - 1
    while at >= lines.first and len(before) < count:
        if _same(lines[at], replica, chainlet):
            before.append(lines[at])
        at -= 1
    after: list[Record] = []
    at, end = position + 1, lines.first + len(lines)
    while at < end and len(after) < count:
        if _same(lines[at], replica, chainlet):
            after.append(lines[at])
        at += 1
    return Neighbours(before[::-1], after, count - len(before))


@dataclass(frozen=True)
class Lookups:
    """The API as the run reads it (its sources, credentials, retries and pace), for a line's
    request and its replica's older lines."""

    credentials: Credentials
    sources: tuple[RequestSource, ...]
    attempts: int
    max_rps: float
    now_ms: Callable[[], int] = field(default=lambda: int(time.time() * 1000))

    def _client(self) -> Any:
        from baseten_logs.api.client import RetryPolicy
        from baseten_logs.reading.fetch import open_client

        retry = RetryPolicy(attempts=self.attempts)
        return open_client(self.credentials, retry=retry, max_rps=self.max_rps)

    def story(self, request_id: str) -> tuple[str, list[Record]]:
        """What `request ID` prints (its JSON lines, in time order) and a line saying what it
        is. Raises RequestNotFound, as `request` does."""
        from baseten_logs.reading.fetch import page_fetcher

        until_ms = self.now_ms()
        since_ms = until_ms - DEFAULT_LOOKBACK_MS + 1
        with self._client() as client:

            def fetch_for(query: LogQuery) -> Any:
                return page_fetcher(client, query)

            story = find_request(
                fetch_for,
                request_id=request_id,
                sources=self.sources,
                since_ms=since_ms,
                until_ms=until_ms,
            )
            records: list[Record] = []
            for page in story_pages(fetch_for, story):
                records += [line.as_json() for line in page]
                if len(records) >= MAX_STORY_LINES:
                    break
        lines = story.counts.lines
        more = f", the first {MAX_STORY_LINES:,} shown" if lines > MAX_STORY_LINES else ""
        return f"request {request_id}: {lines:,} lines{more}", records[:MAX_STORY_LINES]

    def older(self, record: Record, oldest: Sequence[Record], count: int) -> list[Record]:
        """The `count` lines on `record`'s replica (and chainlet) before `oldest` (the loaded
        lines of its millisecond, which are left out), oldest first."""
        from baseten_logs.reading.fetch import page_fetcher

        chainlet = record.get(LABEL_FIELD)
        source = next((s for s in self.sources if s.chainlet == chainlet), self.sources[0])
        until_ms = record_ms(oldest[0]) if oldest else None
        if until_ms is None:
            return []
        since_ms = until_ms - MAX_WINDOW_MS + 1
        query = LogQuery(
            path=source.path,
            since_ms=since_ms,
            until_ms=until_ms,
            filters=Filters(replica=str(record.get("replica"))),
            limit=None,
            source=source.logs,
        )
        loaded = {record_key(line) for line in oldest}
        found: list[Record] = []
        with self._client() as client:
            pages = Pager(page_fetcher(client, query)).newest(
                since_ms, until_ms, count + len(oldest)
            )
            for page in pages:
                for line in page:
                    labelled = source.line(line).record
                    if record_key(labelled) not in loaded and len(found) < count:
                        found.append(labelled)
        return found[::-1]


def lookups_of(run: Run) -> Lookups | None:
    """The run's sources as `request` searches them (None: a source read by its own reader,
    or whose endpoint takes no `replica` or `request_id`, as a training job's)."""
    feed = run.feed
    if not feed.by_replica or feed.local is not None:
        return None
    if any(part.fetcher is not None for part in feed.parts):
        return None
    sources = tuple(
        RequestSource(
            part.query.path,
            part.label or (part.query.source and part.query.source.label) or part.query.path,
            logs=part.query.source,
            chainlet=part.label,
        )
        for part in feed.parts
    )
    return Lookups(run.credentials, sources, run.attempts, run.max_rps)


@dataclass(frozen=True)
class Digging:
    """What the detail pane's keys need: the line (its position in what is loaded) and the
    API (None: none to ask, as for a saved file)."""

    lines: LoadedLines
    position: int
    lookups: Lookups | None

    def story(self, record: Record, *, utc: bool | Zone) -> StoryScreen:
        return story_screen(record, self, utc=utc)

    def around(self, record: Record, *, utc: bool | Zone) -> StoryScreen:
        return around_screen(record, self, utc=utc)


def row_text(record: Record, *, utc: bool | Zone) -> Text:
    """One line as a row: time, level, replica, chainlet, the message's first line."""
    level = effective_level(record)
    replica = record.get("replica")
    chainlet = record.get(LABEL_FIELD)
    text = Text()
    text.append(time_column(record, utc=utc) + " ", TIME_STYLE)
    text.append((level or "").ljust(8), LEVEL_STYLE.get(level or "", Style()))
    text.append(inert(replica if isinstance(replica, str) else "")[:5].ljust(6))
    if isinstance(chainlet, str):
        text.append(inert(chainlet)[:16].ljust(17))
    first, _, rest = message_of(record).partition("\n")
    text.append(inert(first) + (f"  [+{rest.count(chr(10)) + 1} lines]" if rest else ""))
    return text


class StoryScreen(ModalScreen[None]):
    """Lines in an overlay: a request's story or a line's neighbours. `fetch`, if given, runs
    in a thread worker (it asks the API) and its answer fills the overlay."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q", "dismiss", "Back")]
    DEFAULT_CSS = """
    StoryScreen { align: center middle; }
    StoryScreen > VerticalScroll { width: 95%; height: 90%; border: round $accent; }
    """

    def __init__(
        self,
        title: str,
        *,
        utc: bool | Zone,
        shown: tuple[str, list[Record], Record | None] | None = None,
        fetch: Callable[[], tuple[str, list[Record], Record | None]] | None = None,
    ) -> None:
        super().__init__()
        self.title_text = inert(title)
        self.utc = utc
        self.shown = shown
        self.fetch = fetch
        self.records: list[Record] = []  # what the overlay shows, once shown
        self.body = Static(Text(f"{self.title_text}\n\nasking the API…"), id="story", markup=False)

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield self.body
        yield Footer()

    def on_mount(self) -> None:
        if self.shown is not None:
            self.show(*self.shown)
        if self.fetch is not None:
            self.run_worker(self._fetch, thread=True, group="story", exit_on_error=False)

    def _fetch(self) -> None:
        assert self.fetch is not None
        try:
            answer = self.fetch()
        except BasetenLogsError as error:
            said = str(error) + (f" ({error.hint})" if getattr(error, "hint", None) else "")
            answer = (said, [], None)
        except Exception as error:  # a bug must not die silently in a thread
            answer = (f"{type(error).__name__}: {error}", [], None)
        try:
            self.app.call_from_thread(self.show, *answer)
        except RuntimeError:  # the app has gone
            pass

    def show(self, header: str, records: list[Record], marked: Record | None) -> None:
        """The header and the lines, the line the pane was opened on marked."""
        if not self.is_attached:  # closed before the API answered: nothing to show it on
            return
        self.records = records
        text = Text(f"{self.title_text}\n{inert(header)}\n\n")
        for record in records:
            row = row_text(record, utc=self.utc)
            if record is marked:
                row.stylize(MARK)
            text.append_text(row)
            text.append("\n")
        self.body.update(text)


def story_screen(record: Record, digging: Digging, *, utc: bool | Zone) -> StoryScreen:
    """The overlay of the line's request's story (`r`)."""
    request_id = request_id_of(record)
    lookups = digging.lookups
    if request_id is None:
        return StoryScreen("request", utc=utc, shown=("this line carries no request id", [], None))
    title = f"request {request_id}, as `baseten-logs request` shows it"
    if lookups is None:
        return StoryScreen(title, utc=utc, shown=("no API to ask for this source", [], None))

    def fetch() -> tuple[str, list[Record], Record | None]:
        header, records = lookups.story(request_id)
        return header, records, None

    return StoryScreen(title, utc=utc, fetch=fetch)


def around_screen(record: Record, digging: Digging, *, utc: bool | Zone) -> StoryScreen:
    """The overlay of the lines around the line on its replica (`a`)."""
    lines, position = digging.lines, digging.position
    near = neighbours(lines, position)
    if near is None:
        return StoryScreen("lines around", utc=utc, shown=("this line names no replica", [], None))
    replica = str(record.get("replica"))
    title = f"{AROUND} lines before and after, on replica {replica}"
    loaded = near.before + [record] + near.after
    said = f"{len(near.before)} before and {len(near.after)} after, loaded"
    lookups = digging.lookups
    if not near.need or lookups is None:
        return StoryScreen(title, utc=utc, shown=(said, loaded, record))
    oldest = _oldest_millisecond(lines, replica, record.get(LABEL_FIELD))

    def fetch() -> tuple[str, list[Record], Record | None]:
        older = lookups.older(record, oldest, near.need)
        before = (older + near.before)[-AROUND:]
        header = f"{len(before)} before ({len(older)} asked of the API) and {len(near.after)} after"
        return header, before + [record] + near.after, record

    asking = (said + "; asking the API for older lines…", loaded, record)
    return StoryScreen(title, utc=utc, shown=asking, fetch=fetch)


def _oldest_millisecond(lines: LoadedLines, replica: str, chainlet: object) -> list[Record]:
    """The loaded lines of the oldest millisecond loaded: the API is asked for the lines up to
    it (its end is inclusive), these left out. The replica's, or the oldest line alone (its
    time is what matters)."""
    first = lines[lines.first]
    first_ms = record_ms(first)
    same: list[Record] = []
    for position in range(lines.first, lines.first + len(lines)):
        line = lines[position]
        if record_ms(line) != first_ms:
            break
        if _same(line, replica, chainlet):
            same.append(line)
    return same or [first]
