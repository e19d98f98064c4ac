"""`browse` scrolling back past the oldest line loaded: the page before it, from the API.

The reading is `get`'s own (reading/feed.opening_pages over the session's feed and query: the
same filters sent, the same local ones applied, the pager's seams and crowded milliseconds),
asked for the window before the oldest line held. The seam is exact: the oldest millisecond
held may have been cut by the newest-N walk that loaded it, so it is read whole first and the
lines held of it taken away as a multiset (reading/pager.Seam, two identical lines are two);
then the newest lines of the 7 days before it, a week further each time a week is short, back
as far as the API answers (an empty month ends one look; scrolling up again looks on).

The fetch runs in a thread of its own; its result is put in on the UI thread, the line under
the cursor kept under it. Past the cap the newest lines go, and the follower stops (End reads
the newest anew: reading/run's pipeline again, as when the browser opened).

A look asks the API with what of the view's filter it can apply (browse/server_filter: the
lowest level shown as `min_level`, a kept search as `search_pattern`, one replica picked as
`replica`), so older matching lines come a page at a time. What each look asked is kept
(`Older.reads`): when the view's filter is wider than a span was read with, the marker says so,
the look stops there, and `g` lets that span go and reads back from its edge anew, wider.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Protocol

from baseten_logs.api.client import RetryPolicy
from baseten_logs.base.errors import BasetenLogsError
from baseten_logs.base.timeparse import EARLIEST_MS, format_ms, span
from baseten_logs.base.timestamps import record_ms
from baseten_logs.browse.lines import LoadedLines, Record
from baseten_logs.browse.server_filter import EVERYTHING, Hole, Reads, ServerAsk, asking, fitted
from baseten_logs.reading.feed import opening_pages
from baseten_logs.reading.fetch import open_client
from baseten_logs.reading.pager import MAX_WINDOW_MS, PAGE_SIZE, Seam, record_key
from baseten_logs.reading.run import Run

if TYPE_CHECKING:
    from textual.geometry import Offset

    from baseten_logs.api.client import ApiClient

EMPTY_STEPS = 4  # empty weeks in a row that end one look back (about a month)


class _View(Protocol):
    cursor: int

    @property
    def rows(self) -> int: ...
    @property
    def scroll_offset(self) -> Offset: ...
    def refresh_rows(self) -> None: ...
    def scroll_to(self, *, y: float, animate: bool) -> Any: ...


class _Refreshes(Protocol):
    def refresh(self) -> Any: ...


class BrowseApp(Protocol):
    """What of the app (browse/screen.BrowseApp) the look back uses: it is imported there."""

    older: Older | None
    lines: LoadedLines
    following: bool

    @property
    def view(self) -> _View: ...
    @property
    def strip(self) -> _Refreshes: ...
    def show_status(self) -> None: ...
    def stop_reading(self) -> None: ...
    def start_reading(self) -> None: ...
    def asked(self) -> ServerAsk: ...
    def showing(self) -> ServerAsk: ...
    def move_cursor_to(self, row: int) -> None: ...
    def call_from_thread(self, callback: Callable[..., Any], *args: Any) -> Any: ...


@dataclass
class Found:
    """What one look back brought: older lines, oldest first, and how far back it looked."""

    lines: list[Record]
    looked_to_ms: int  # the oldest millisecond asked for
    gaps: list[int] = field(default_factory=list)  # crowded milliseconds not read whole
    ask: ServerAsk = EVERYTHING  # the filters the API was sent


def oldest_held(lines: LoadedLines) -> tuple[int, list[Record]] | None:
    """The oldest millisecond held and its lines held (None: no line with a time)."""
    oldest: int | None = None
    at_oldest: list[Record] = []
    for position in range(lines.first, lines.first + len(lines)):
        ms = lines.ms_at(position)
        if ms is None:
            continue
        if oldest is None:
            oldest = ms
        elif ms != oldest:
            break
        at_oldest.append(lines[position])
    return None if oldest is None else (oldest, at_oldest)


def read_before(
    run: Run,
    oldest_ms: int,
    held: Sequence[Record],
    count: int,
    *,
    from_ms: int | None = None,
) -> Found:
    """Up to `count` lines older than those held, oldest first: the rest of millisecond
    `oldest_ms` (`held`: its lines held), then the newest before it. `from_ms`: a look that
    found nothing reached there already; this one goes on before it."""
    gaps: list[int] = []
    with open_client(
        run.credentials,
        max_connections=1,
        retry=RetryPolicy(attempts=run.attempts),
        max_rps=run.max_rps,
    ) as client:
        found: list[Record] = []
        if from_ms is None:
            whole = _window(client, run, oldest_ms, oldest_ms, None, gaps.append)
            taken = Seam(oldest_ms, Counter(record_key(r) for r in held)).skipper()
            found = [r for r in whole if not taken(record_key(r))]
        until = (oldest_ms if from_ms is None else from_ms) - 1
        empty = 0
        while len(found) < count and until >= EARLIEST_MS and empty < EMPTY_STEPS:
            since = max(EARLIEST_MS, until - MAX_WINDOW_MS + 1)
            step = _window(client, run, since, until, count - len(found), gaps.append)
            found[:0] = step
            empty = 0 if step else empty + 1
            until = since - 1
    return Found(found, until + 1, gaps)


def _window(
    client: ApiClient,
    run: Run,
    since_ms: int,
    until_ms: int,
    limit: int | None,
    on_gap: Callable[[int], None],
) -> list[Record]:
    """The newest `limit` lines of the window (None: all of it), oldest first, as `get`
    reads them: the session's feed, its filters sent and applied."""
    query = replace(run.window, since_ms=since_ms, until_ms=until_ms, limit=limit)
    opening = opening_pages(
        client,
        run.feed,
        query,
        newest_first=False,
        concurrency=1,
        on_gap=on_gap,
        prefetch_bytes=client.limits.prefetch_bytes,
    )
    return [record for page in opening.pages for record in page]


@dataclass
class Older:
    """The browser's look back: one at a time, and where a fruitless one stopped."""

    run: Run
    busy: bool = False
    note: str = ""
    reads: Reads = field(default_factory=Reads)  # what each look asked, for the holes
    # (oldest millisecond held, how far back a look found nothing before it), and what it asked
    _reached: tuple[int, int] | None = None
    _reached_with: ServerAsk = EVERYTHING

    def words(self) -> list[str]:
        """What the status bar says of it."""
        return ["loading older..."] if self.busy else [self.note] if self.note else []

    def look(
        self, oldest_ms: int, held: list[Record], count: int, ask: ServerAsk = EVERYTHING
    ) -> Callable[[], Found]:
        """The read to run off the UI thread for the lines before those held, asking the API
        for what of `ask` its sources take (a look that asked otherwise is no guide)."""
        ask = fitted(ask, self.run.feed)
        reached = self._reached
        going_on = reached is not None and reached[0] == oldest_ms and self._reached_with == ask
        from_ms = reached[1] if reached is not None and going_on else None
        run = asking(self.run, ask)

        def read() -> Found:
            found = read_before(run, oldest_ms, held, count, from_ms=from_ms)
            found.ask = ask
            return found

        return read

    def settle(self, oldest_ms: int, found: Found, count: int) -> None:
        """After a look: what to say, and where the next one starts when this was short (it
        read whole every window it asked, so the next goes on before them, from the oldest
        line it found: nothing is asked twice)."""
        self.busy = False
        words: list[str] = []
        if len(found.lines) >= count:
            self._reached = None
        else:
            oldest = next((ms for r in found.lines if (ms := record_ms(r)) is not None), oldest_ms)
            self._reached, self._reached_with = (oldest, found.looked_to_ms), found.ask
            matching = "" if found.ask == EVERYTHING else f" with {found.ask.flags()}"
            words.append(
                f"no older lines{matching} from {format_ms(found.looked_to_ms)} on "
                f"({span(oldest - found.looked_to_ms)} looked back); g looks further"
            )
        if found.gaps:
            words.append(f"{len(found.gaps)} crowded milliseconds not read whole")
        self.note = "; ".join(words)


def scroll_back(app: BrowseApp, *, wheel: bool = False) -> None:
    """At the oldest line loaded (the cursor on the top row: a key, a page, a click; or the
    wheel turned with the top row shown): the lines before it, fetched in a thread, unless a
    look is under way or there is nothing to fetch (a saved file)."""
    older, view = app.older, app.view
    at_top = view.scroll_offset.y == 0 if wheel else view.cursor == 0
    if older is None or older.busy or not at_top:
        return
    if hole_of(app) is not None:  # the marker says so: g reads the hole first
        return
    start = oldest_held(app.lines)
    if start is None:
        return
    oldest_ms, held = start
    # A page, and never more than half the cap: the line under the cursor must stay held.
    count = max(1, min(PAGE_SIZE, app.lines.max_lines // 2))
    read = older.look(oldest_ms, held, count, app.asked())
    older.busy = True
    app.show_status()

    def body() -> None:
        try:
            result: Found | BasetenLogsError = read()
        except BasetenLogsError as error:
            result = error
        except Exception as error:  # a bug must not die silently in a thread, nor print a trace
            result = BasetenLogsError(f"reading older lines: {type(error).__name__}: {error}")
        try:
            app.call_from_thread(put_older, app, oldest_ms, count, result)
        except Exception:  # the browser has closed (RuntimeError): nothing to put them in
            return

    threading.Thread(target=body, name="browse-older", daemon=True).start()


def put_older(app: BrowseApp, oldest_ms: int, count: int, result: Found | BasetenLogsError) -> None:
    """The lines found put before those held, the line under the cursor kept under it (and
    the screen with it); past the cap the newest go, and the follower stops."""
    older, view, lines = app.older, app.view, app.lines
    if older is None:
        return
    if isinstance(result, BasetenLogsError):
        older.busy = False
        older.note = f"older lines: {result}"
        app.show_status()
        return
    held = oldest_held(lines)
    if held is None or held[0] != oldest_ms:  # End re-read the newest meanwhile: not these
        older.busy = False
        app.show_status()
        return
    older.settle(oldest_ms, result, count)
    anchor = lines.visible[view.cursor] if lines.visible else None
    top = view.scroll_offset.y
    dropped_before, first_before = lines.dropped_newest, lines.first
    above = lines.prepend(result.lines)
    older.reads.add(lines.first, first_before, result.ask)
    if lines.dropped_newest > dropped_before:
        app.stop_reading()
        app.following = False
    view.refresh_rows()
    app.strip.refresh()
    if anchor is not None:
        view.cursor = lines.row_of(anchor)
        view.scroll_to(y=top + above, animate=False)
    app.show_status()


def add_newer(app: BrowseApp, records: list[Record]) -> int:
    """A page from the follower added (how many lines the view keeps): past the cap, the
    lines furthest from the cursor go. Reading the older half, that is the new ones, and
    the follower stops (End reads the newest anew); else the oldest, as ever."""
    view, lines = app.view, app.lines
    reading_old = not app.following and view.cursor < view.rows // 2
    kept = lines.add(records, keep_oldest=reading_old)
    if lines.dropped_newest:
        app.stop_reading()
    return kept


def status_of(app: BrowseApp) -> list[str]:
    """The status bar's words on the look back: under way, or what it found; and newest
    lines let go for older ones."""
    lines = app.lines
    words = [] if app.older is None else app.older.words()
    if lines.dropped_newest:
        words.append(
            f"{lines.dropped_newest} newest dropped (cap {lines.max_lines}), "
            "not following: End reads the newest"
        )
    return words


def refollow(app: BrowseApp) -> None:
    """End or f after the newest lines were dropped: everything read anew from the newest
    (the pipeline started again: the newest N, then following)."""
    if not app.lines.dropped_newest:
        return
    app.stop_reading()
    app.lines.clear()
    if app.older is not None:
        app.older.note = ""
        app.older.reads.clear()
    app.view.cursor = 0
    app.view.refresh_rows()
    app.strip.refresh()
    app.start_reading()


def hole_of(app: BrowseApp) -> Hole | None:
    """The newest span held that was read with a narrower filter than the view now shows."""
    older = app.older
    if older is None or not older.reads.spans:  # every line held was read wide
        return None
    return older.reads.hole(app.lines, app.showing())


def fill_hole(app: BrowseApp) -> bool:
    """`g` with the marker shown: the lines before its edge let go and read back anew from it
    with the view's filter (the seam exact as ever: the edge's millisecond is read whole and
    the lines held of it taken away). False: there is no hole (g goes to the top, as ever)."""
    older, lines = app.older, app.lines
    hole = hole_of(app)
    if older is None or hole is None or older.busy:
        return False
    older.note = ""
    older._reached = None
    if hole.edge >= lines.first + len(lines):  # nothing wider held after it: read anew
        app.stop_reading()
        lines.clear()
        older.reads.clear()
        app.view.cursor = 0
        app.view.refresh_rows()
        app.strip.refresh()
        app.following = True
        app.start_reading()
        return True
    lines.forget_before(hole.edge)
    older.reads.forget_before(hole.edge)
    app.view.refresh_rows()
    app.strip.refresh()
    app.move_cursor_to(0)  # at the top: the look back from the edge, with the view's filter
    return True
