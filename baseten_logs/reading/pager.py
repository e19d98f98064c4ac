"""Paging through time: newest-first for "the latest N", oldest-first for whole windows.

The API has no cursor, only a millisecond window and a `limit`, while lines carry nanosecond
timestamps. So each next page re-fetches the seam millisecond and drops the lines already shown
there, counted as a multiset (two identical lines are both real). Requests ask for the seam
millisecond + 1 as `end` and drop anything past the seam, which is right whether or not the
server's `end` includes its own millisecond; seeing a line *at* the requested end proves it does,
and that is remembered. A full page inside one millisecond cannot be paged past by time: that
millisecond is asked from both ends (`asc` from its start, `desc` from its end), which holds it
whole up to two pages, and past that once per replica seen in it, each from both ends
(`Crowd`). Only what even that cannot reach (one replica's lines past two pages in one
millisecond) is reported as a gap, never looped on and never dropped silently.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Callable, Hashable, Iterator, Mapping
from typing import Any, Literal

from baseten_logs.api.limits import held_bytes
from baseten_logs.api.page import Page, Record
from baseten_logs.base.errors import ApiError, PageFailing, UsageError
from baseten_logs.base.timeparse import span
from baseten_logs.base.timestamps import record_ms, record_ns

PAGE_SIZE = 1000
# Pages a server keeps failing (5xx) are asked again at half the size, down to this many lines,
# as truss does; SMALLER_AFTER failures in a row at one size are enough to try the next.
MIN_PAGE_SIZE = 100
SMALLER_AFTER = 2
MAX_WINDOW_MS = 7 * 86_400_000
# What truss pages training logs in ("the maximum time delta allowed by the API"), while the
# API's schema says 7 days: the size a WindowSpan falls back to when a window is refused.
SMALL_WINDOW_MS = 2 * 3_600_000
# Words of a 400 that is about the window's length (the emulator's, and plausible others).
_WINDOW_WORDS = ("start_epoch_millis", "end_epoch_millis", "window", "time delta", "time range")

# Requests in a row that bring no line not shown before: learning `end` and widening a small page
# each cost one; past that the server is repeating itself, and the walk ends with a gap.
_MAX_IDLE = 2

Direction = Literal["asc", "desc"]


_ENCODER = json.JSONEncoder(separators=(",", ":"), default=repr)


def page_bytes(page: list[Record]) -> int:
    """What a page holds in memory: its answer's measure when it is a Page, else the same
    measure of the page encoded as JSON (pages that came another way: tests, the library)."""
    if isinstance(page, Page):
        return page.held
    if not page:
        return 0
    return held_bytes(_ENCODER.encode(page).encode("utf-8", "surrogatepass"))


# (start_ms, end_ms, direction, limit) -> one page, as the API returned it.
FetchPage = Callable[[int, int, Direction, int], list[Record]]
# The same fetch narrowed to one replica (the API's `replica` parameter): how a crowded
# millisecond is asked for once per replica. None where the endpoint takes no `replica`.
Narrow = Callable[[str], FetchPage]


def oldest_first(held: list[Record], page_size: int = PAGE_SIZE) -> Iterator[list[Record]]:
    """The newest N, held as fetched (newest first), turned round into pages oldest first:
    "the newest N" can only be found newest first, yet is shown oldest first by default."""
    held.reverse()
    for start in range(0, len(held), page_size):
        yield held[start : start + page_size]


def record_key(record: Mapping[str, Any]) -> Hashable:
    """What makes two lines the same line (extra fields do not, but the chainlet label a chain's
    lines carry does: identical lines of two chainlets are two lines, remembered apart)."""
    key = (
        record.get("timestamp"),
        record.get("message"),
        record.get("replica"),
        record.get("request_id"),
        record.get("level"),
        record.get("chainlet"),
    )
    try:
        hash(key)
    except TypeError:
        # A field the API sent as a list or an object (the endpoint is beta): its JSON text
        # stands for it, so such a line is still counted, not a crash.
        return tuple(_hashable(value) for value in key)
    return key


class Seam:
    """The lines already taken at the seam millisecond, the one the next request asks again
    (time is the only cursor): a multiset of `record_key`s, so that of two identical lines
    seen once, one is skipped and the other kept. The one seam rule of the pager's walk and
    the level merge's second query (level_filter)."""

    def __init__(self, ms: int, taken: Counter[Hashable] | None = None) -> None:
        self.ms = ms
        self.taken: Counter[Hashable] = Counter() if taken is None else taken

    @classmethod
    def of_page(cls, page: list[Record], ms: int) -> Seam:
        """The seam at `ms` after `page`: its lines of that millisecond are taken."""
        return cls(ms, Counter(record_key(r) for r in page if record_ms(r) == ms))

    def skipper(self) -> Callable[[Hashable], bool]:
        """For one page: whether a line (by key) at the seam was taken already, each taken
        line answering yes once."""
        left = self.taken.copy()

        def seen(key: Hashable) -> bool:
            if left[key] > 0:
                left[key] -= 1
                return True
            return False

        return seen


def _hashable(value: Any) -> Hashable:
    if isinstance(value, list | dict):
        return json.dumps(value, sort_keys=True, default=repr)
    return value  # type: ignore[no-any-return]


def fetch_shrinking(
    fetch: FetchPage, start: int, end: int, direction: Direction, limit: int
) -> tuple[list[Record], int]:
    """One page, and the limit it was asked with: half as many lines (down to MIN_PAGE_SIZE)
    each time the server keeps failing. A smaller page is just a smaller page: `len(page) <
    limit` still means the end of the window, so the caller pages on with the limit returned."""
    while True:
        try:
            return fetch(start, end, direction, limit), limit
        except PageFailing:
            if limit <= MIN_PAGE_SIZE:
                raise  # the fetch should not have given up early: its error stands
            limit = max(MIN_PAGE_SIZE, limit // 2)


def split_window(
    since_ms: int, until_ms: int, span_ms: int = MAX_WINDOW_MS
) -> list[tuple[int, int]]:
    """Inclusive [a, b] pieces of at most `span_ms` milliseconds each, oldest first.

    A request for piece [a, b] asks for `end = b + 1`, so `b + 1 - a <= span_ms` keeps each
    request inside the API's 7-day limit.
    """
    pieces = []
    start = since_ms
    while start <= until_ms:
        stop = min(until_ms, start + span_ms - 1)
        pieces.append((start, stop))
        start = stop + 1
    return pieces


class WindowSpan:
    """How long a window one request may ask for, shared by every walk of one run (threads
    too): MAX_WINDOW_MS, the documented limit, until the API refuses a longer window than
    SMALL_WINDOW_MS with a 400 that names the window; from then on SMALL_WINDOW_MS, so the
    run pays for the refusal once. `log`: told once when the span shrinks (-v)."""

    def __init__(self, log: Callable[[str], None] | None = None) -> None:
        self.ms = MAX_WINDOW_MS
        self._log = log
        self._lock = threading.Lock()

    def shrink(self, refused_ms: int, error: UsageError) -> bool:
        """After `error` answered a request of a `refused_ms` window: whether to ask again in
        pieces of the (new) span. No: the error is not about the window, or the window was
        no longer than SMALL_WINDOW_MS already (nothing smaller to try: the error stands)."""
        if refused_ms <= SMALL_WINDOW_MS or not refuses_the_window(error):
            return False
        with self._lock:
            if self.ms > SMALL_WINDOW_MS:
                self.ms = SMALL_WINDOW_MS
                if self._log is not None:
                    self._log(
                        f"the API refused a window of {span(refused_ms)} "
                        f"({error.message}); asking in pieces of "
                        f"{span(SMALL_WINDOW_MS)} from now on"
                    )
        return True


def refuses_the_window(error: UsageError) -> bool:
    """Whether a 400's text names the window (its length is the likely complaint)."""
    text = str(error).lower()
    return any(word in text for word in _WINDOW_WORDS)


class End:
    """One end of a crowded millisecond: its first (`asc`) or last (`desc`) page of lines, and
    whether that page is all of it (a short page, or one that reached past the millisecond)."""

    def __init__(self, lines: list[Record], whole: bool) -> None:
        self.lines = lines
        self.whole = whole


def _ns(record: Record) -> int:
    return record_ns(record) or 0


def _minus(lines: list[Record], taken: list[Record]) -> list[Record]:
    """`lines` without those in `taken`, as multisets (two identical lines are both real)."""
    seen = Seam(0, Counter(record_key(r) for r in taken)).skipper()
    return [r for r in lines if not seen(record_key(r))]


def joined(first: End, last: End) -> list[Record] | None:
    """The millisecond whole from its two ends, or None when they may not meet.

    Lines come in time order, so when the last page's oldest line is older than the first
    page's newest, the pages overlap: the first holds every line older than its newest, the
    last every line newer than its oldest, and together (de-duplicated) they are all of it.
    Equal times prove nothing (lines between may share that nanosecond): None."""
    if first.whole:
        return first.lines
    if last.whole:
        return last.lines
    if not first.lines or not last.lines:
        return None
    if min(map(_ns, last.lines)) < max(map(_ns, first.lines)):
        return first.lines + _minus(last.lines, first.lines)
    return None


class Crowd:
    """Every line of one crowded millisecond the API can give: both ends, then per replica.

    Time cannot page inside a millisecond, but the API can be asked for it from either end:
    `asc` from its start, `desc` from its end, up to two pages of it. Past that, the replicas
    seen at its ends are asked for one by one (`narrow`), each from both ends. `short`: some
    still did not come (a replica's lines past two pages, lines no `replica` can select, or
    no narrowing this endpoint takes), a gap."""

    def __init__(
        self,
        fetch: FetchPage,
        narrow: Narrow | None,
        ms: int,
        limit: int,
        end_inclusive: bool | None,
    ) -> None:
        self._fetch = fetch
        self._narrow = narrow
        self.ms = ms
        self._limit = limit
        self.end_inclusive = end_inclusive
        self.short = False

    def lines(self, first: list[Record], direction: Direction) -> list[Record]:
        """The millisecond's lines in `direction`'s order, each once. `first`: the full page
        that found it crowded (its first lines when `asc`, its last when `desc`)."""
        known = End(first, whole=False)
        if direction == "asc":
            asc, desc = known, self._end(self._fetch, "desc")
        else:
            asc, desc = self._end(self._fetch, "asc"), known
        whole = joined(asc, desc)
        if whole is None:
            whole = self._by_replica(asc.lines + _minus(desc.lines, asc.lines))
        return sorted(whole, key=_ns, reverse=direction == "desc")

    def _end(self, fetch: FetchPage, direction: Direction) -> End:
        while True:
            end = self.ms if self.end_inclusive else self.ms + 1
            page = fetch(self.ms, end, direction, self._limit)
            mine = [r for r in page if record_ms(r) == self.ms]
            past = any((record_ms(r) or self.ms) > self.ms for r in page)
            if past and direction == "desc" and not self.end_inclusive:
                # The next millisecond came first: `end` includes its own; ask without it.
                self.end_inclusive = True
                continue
            return End(mine, whole=past or len(page) < self._limit)

    def _by_replica(self, seen: list[Record]) -> list[Record]:
        """Each replica seen at the ends, asked for alone from both ends."""
        names = sorted({str(r["replica"]) for r in seen if _named(r.get("replica"))})
        if self._narrow is None:
            self.short = True
            return seen
        unnamed = [r for r in seen if not _named(r.get("replica"))]
        if unnamed:  # no `replica` selects them: what the ends brought is all there is to show
            self.short = True
        whole = list(unnamed)
        for name in names:
            fetch = self._narrow(name)
            asc, desc = self._end(fetch, "asc"), self._end(fetch, "desc")
            part = joined(asc, desc)
            if part is None:
                self.short = True
                part = asc.lines + _minus(desc.lines, asc.lines)
            whole.extend(part)
        return whole


def _named(replica: object) -> bool:
    return isinstance(replica, str) and 0 < len(replica) <= 256


class Pager:
    """Walks a window page by page; one instance per logical fetch (it learns `end` semantics).

    `span`: the run's WindowSpan, when a window the API refuses as too long should be walked
    again in smaller pieces (training logs); None: pieces of MAX_WINDOW_MS, a refusal stands.
    `narrow`: the fetch for one replica, so a crowded millisecond can be asked replica by
    replica (see Crowd); None: both ends only."""

    def __init__(
        self,
        fetch: FetchPage,
        *,
        page_size: int = PAGE_SIZE,
        on_gap: Callable[[int], None] | None = None,
        span: WindowSpan | None = None,
        narrow: Narrow | None = None,
    ) -> None:
        self._fetch = fetch
        self._narrow = narrow
        self._page_size = page_size
        self._on_gap = on_gap
        self._span = span
        self.end_inclusive: bool | None = None
        self.gaps: list[int] = []
        # Lines whose time cannot be read are shown where they come, once: a re-fetched seam
        # may bring one again, and only its content can tell.
        self._untimed: set[Hashable] = set()

    def newest(self, since_ms: int, until_ms: int, count: int | None) -> Iterator[list[Record]]:
        """Pages newest first, at most `count` lines in all (None: the whole window)."""
        return self._pieces(since_ms, until_ms, "desc", count)

    def oldest(self, since_ms: int, until_ms: int) -> Iterator[list[Record]]:
        """Every line of the window, oldest first, one page at a time (bounded memory)."""
        return self._pieces(since_ms, until_ms, "asc", None)

    def _split(self, since_ms: int, until_ms: int, direction: Direction) -> list[tuple[int, int]]:
        """The window's pieces in walking order, each as long as the span allows now."""
        span = MAX_WINDOW_MS if self._span is None else self._span.ms
        pieces = split_window(since_ms, until_ms, span)
        return pieces[::-1] if direction == "desc" else pieces

    def _pieces(
        self, since_ms: int, until_ms: int, direction: Direction, count: int | None
    ) -> Iterator[list[Record]]:
        """Each piece walked in turn. A piece's first request is its widest, so a refusal of
        the window comes before any of its lines: the rest of the window (this piece on) is
        cut again in the smaller span and walked from the same place, so no line is lost or
        shown twice."""
        remaining = count
        pending = self._split(since_ms, until_ms, direction)
        while pending:
            start, stop = pending.pop(0)
            walked = False
            try:
                for page in self._walk(start, stop, direction, remaining):
                    walked = True
                    yield page
                    if remaining is not None:
                        remaining -= len(page)
            except UsageError as error:
                if walked or self._span is None or not self._span.shrink(stop + 1 - start, error):
                    raise
                rest = (since_ms, stop) if direction == "desc" else (start, until_ms)
                pending = self._split(*rest, direction)
                continue
            if remaining == 0:
                return

    def _walk(
        self, low: int, high: int, direction: Direction, want: int | None
    ) -> Iterator[list[Record]]:
        descending = direction == "desc"
        step = -1 if descending else 1
        # The millisecond re-fetched by the next request, and the lines already shown there.
        at_seam = Seam(high if descending else low)
        shown = 0
        widen = False  # ask a whole page: a small one cannot tell a crowded millisecond
        idle = 0  # requests in a row that brought no line not shown before
        while want is None or shown < want:
            seam = at_seam.ms
            top = seam if descending else high  # highest millisecond still wanted
            end = top if self.end_inclusive else top + 1
            limit = self._page_size
            if want is not None and not widen:
                limit = min(limit, want - shown + sum(at_seam.taken.values()))
            start = low if descending else seam
            page, limit = self._fetch_shrinking(start, end, direction, limit)

            seen = at_seam.skipper()
            fresh: list[Record] = []
            frontier: int | None = None  # oldest (desc) / newest (asc) millisecond in range
            learned = False
            for record in page:
                ms = record_ms(record)
                if ms is None:
                    key = record_key(record)
                    if key not in self._untimed:
                        self._untimed.add(key)
                        fresh.append(record)
                    continue
                if ms > top:
                    if ms == end and not self.end_inclusive:
                        self.end_inclusive = learned = True
                    continue
                if ms < start:
                    continue
                if frontier is None or (ms < frontier if descending else ms > frontier):
                    frontier = ms
                if ms == seam:
                    key = record_key(record)
                    if seen(key):
                        continue
                    at_seam.taken[key] += 1
                fresh.append(record)
            if want is not None:
                del fresh[want - shown :]
            if fresh:
                shown += len(fresh)
                yield fresh
            if len(page) < limit:
                return  # a short page: nothing more in this window
            idle = 0 if fresh else idle + 1
            if idle > _MAX_IDLE:  # the server repeats itself: say so rather than ask again
                self._gap(seam)
                return
            if frontier is None:
                if learned:
                    continue  # the page was spent on lines past `end`; ask again without them
                raise ApiError(
                    "the API returned a full page outside the requested window",
                    hint="the endpoint is in beta; please report this with -v output",
                )
            if frontier != seam:
                at_seam = Seam.of_page(page, frontier)
            elif learned or (fresh and limit < self._page_size):
                continue  # the next request sees past the seam (a bigger page, or a known `end`)
            elif limit < self._page_size:
                widen = True  # only a whole page inside one millisecond is a crowded one
            else:
                # A whole page inside one millisecond: time cannot page past it, both ends can.
                for rest in self._crowd(page, seam, direction, at_seam, limit):
                    if want is not None:
                        del rest[want - shown :]
                    if rest:
                        shown += len(rest)
                        yield rest
                if seam == (low if descending else high) or (want is not None and shown >= want):
                    return
                at_seam = Seam(seam + step)
                widen = False

    def _crowd(
        self, page: list[Record], ms: int, direction: Direction, at_seam: Seam, limit: int
    ) -> Iterator[list[Record]]:
        """The rest of crowded millisecond `ms` (see Crowd), in pages; a gap if not whole."""
        crowd = Crowd(self._fetch, self._narrow, ms, limit, self.end_inclusive)
        lines = crowd.lines([r for r in page if record_ms(r) == ms], direction)
        if crowd.end_inclusive is not None:
            self.end_inclusive = crowd.end_inclusive
        seen = at_seam.skipper()
        rest = [r for r in lines if not seen(record_key(r))]
        for at in range(0, len(rest), self._page_size):
            yield rest[at : at + self._page_size]
        if crowd.short:
            self._gap(ms)

    def _fetch_shrinking(
        self, start: int, end: int, direction: Direction, limit: int
    ) -> tuple[list[Record], int]:
        """One page, and the limit it was asked with; this walker's pages stay as small."""
        page, asked = fetch_shrinking(self._fetch, start, end, direction, limit)
        if asked < limit:  # the server could not gather `limit` lines in time
            self._page_size = min(self._page_size, asked)
        return page, asked

    def _gap(self, ms: int) -> None:
        """Lines of millisecond `ms` that could not all be fetched: noted, and reported."""
        self.gaps.append(ms)
        if self._on_gap is not None:
            self._on_gap(ms)
