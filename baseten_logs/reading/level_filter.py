"""--level as the tool shows levels: the API's `min_level`, plus unlevelled lines detected locally.

The API's `min_level` drops every line whose `level` is null (or a word it cannot rank, such as
"VERBOSE"), yet the text output, --fail-on and stats show such a line at the level its text gives
(a traceback is an ERROR). So a query with a level asks twice for the same window: once with
`min_level` (the lines the API gave one of its four levels), and once without it, narrowed by
`search_pattern` to lines that carry a level marker at all; of that second answer only the other
lines shown high enough are kept (`detected_at_least`). A line whose `level` is a lenient
spelling ("warn") and whose text has no marker is brought by neither query.

The merged page is exactly the page one API would answer for the union (the first `limit` lines
in time order): the second query is walked as far as the first page reaches, so paging, seams,
-n, --all, follow and stats need no change. Records are never altered: `-o jsonl` still shows
the API's `level` (null) for a detected line.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from typing import Any

from baseten_logs.api.page import Page, Record
from baseten_logs.base.levels import LEVEL_RANK, LEVELS, shown_at_least
from baseten_logs.base.timestamps import record_ms, record_ns
from baseten_logs.reading.pager import (
    PAGE_SIZE,
    Direction,
    FetchPage,
    Seam,
    fetch_shrinking,
    page_bytes,
    record_key,
)

__all__ = ["detected_at_least", "levelled_and_detected", "marker_pattern"]

# Lower-case stems of every spelling levels.detect_level reads (prefixes, `[error]`, `level=`,
# JSON values), per level: a superset is enough, since detection runs again locally.
_STEMS: dict[str, tuple[str, ...]] = {
    "DEBUG": ("trace", "debug", "dbg"),
    "INFO": ("info", "notice"),
    "WARNING": ("warn",),
    "ERROR": ("err", "crit", "fatal", "panic", "exception", "alert", "emerg", "traceback"),
}
_GLOG_LETTERS: dict[str, str] = {"DEBUG": "", "INFO": "I", "WARNING": "W", "ERROR": "EF"}


def marker_pattern(min_level: str) -> str:
    """An RE2 pattern every message detected at `min_level` or above matches (and a few more)."""
    wanted = LEVELS[LEVEL_RANK[min_level] :]
    stems = [stem for level in wanted for stem in _STEMS[level]]
    letters = "".join(_GLOG_LETTERS[level] for level in wanted)
    return "(?i)" + "|".join(stems) + rf"|^[{letters}]\d{{4}} "


def detected_at_least(min_level: str) -> Callable[[Mapping[str, Any]], bool]:
    """Keeps a line of the second query that the `min_level` query cannot bring, when it is shown
    at `min_level` or above (`levels.shown_at_least`, the one predicate).

    The API's `min_level` compares the line's own `level`, one of the four it sends (LEVELS); a
    line whose `level` is anything else (null, empty, or a word such as "VERBOSE" or "warn") it
    cannot rank and drops. Such a line is shown at the level its text gives ("VERBOSE" with
    "ERROR: disk full" is an ERROR in the text output, in --fail-on and in stats), so it is
    taken from here; a line with one of the four is left to the `min_level` query, which would
    bring it too (kept here as well, it would be shown twice).
    """
    shown = shown_at_least(min_level)

    def keep(record: Mapping[str, Any]) -> bool:
        level = record.get("level")
        if level.__class__ is str and level in LEVEL_RANK:
            return False  # the min_level query answers for it
        return shown(record)

    return keep


def _nothing_seen(key: Hashable) -> bool:
    """Before the first request there is no seam: no line was taken."""
    return False


def _last_ms(page: list[Record]) -> int | None:
    """The millisecond of the page's last line with a readable time."""
    for record in reversed(page):
        ms = record_ms(record)
        if ms is not None:
            return ms
    return None


def levelled_and_detected(
    levelled: FetchPage,
    unlevelled: FetchPage,
    keep: Callable[[Mapping[str, Any]], bool],
    *,
    on_gap: Callable[[int], None] | None = None,
    page_size: int = PAGE_SIZE,
) -> FetchPage:
    """One page of (levelled lines) ∪ (unlevelled lines `keep` accepts), in time order.

    The unlevelled query is walked in pages of at least `page_size` lines, whatever `limit` the
    caller asks for: with `-n 1` a page of one line would make every millisecond that holds two
    lines look crowded (a false gap), and the walk would need a request per line.
    """

    def fetch(start: int, end: int, direction: Direction, limit: int) -> list[Record]:
        first = levelled(start, end, direction, limit)
        # With a full first page, the union's first `limit` lines reach no further than its
        # last line's millisecond: the second query is needed only that far (or `limit` kept).
        reach = _last_ms(first) if len(first) >= limit else None
        if reach is not None and not start <= reach <= end:
            reach = None  # a line outside the window says nothing of where the page ends
        if reach is not None and direction == "desc":
            start = reach  # the union's page reaches back no further than this millisecond
        walk = _UnlevelledWalk(unlevelled, keep, on_gap, max(limit, page_size))
        extra = walk.kept(start, end, direction, limit, reach)
        if not extra:
            return first
        # A stable sort: lines of one nanosecond keep the API's order. Lines with no readable
        # time have no place in it: they go first, so the cut to `limit` never drops them.
        both = first + extra
        untimed = [r for r in both if record_ns(r) is None]
        timed = [r for r in both if record_ns(r) is not None]
        timed.sort(key=lambda r: record_ns(r) or 0, reverse=direction == "desc")
        # Held: the first answer, and the lines kept of the second query's (not all it read).
        return Page((untimed + timed)[:limit], held=page_bytes(first) + page_bytes(extra))

    return fetch


class _UnlevelledWalk:
    """The second query's kept lines, walked with the first request's exact `start`/`end`, so
    the server's (undocumented) `end` semantics apply to both queries alike.

    Every request moves the walk's edge strictly (a millisecond at least) or ends it: lines
    outside what was asked are dropped, so a server that repeats itself, or ignores the window,
    costs one request more, never a loop. (A page of only seen lines is one whole millisecond,
    which is then stepped past, so no count of such requests is needed.)
    """

    def __init__(
        self,
        fetch: FetchPage,
        keep: Callable[[Mapping[str, Any]], bool],
        on_gap: Callable[[int], None] | None,
        size: int,
    ) -> None:
        self._fetch = fetch
        self._keep = keep
        self._on_gap = on_gap
        self._size = size

    def kept(
        self, start: int, end: int, direction: Direction, want: int, reach: int | None
    ) -> list[Record]:
        descending = direction == "desc"
        kept: list[Record] = []
        at_seam: Seam | None = None  # the millisecond re-fetched by the next request
        low, high = start, end
        end_includes = False  # learned: this server's `end` includes its millisecond
        while True:
            page, self._size = fetch_shrinking(self._fetch, low, high, direction, self._size)
            kept_before = len(kept)
            seam = None if at_seam is None else at_seam.ms
            seen = _nothing_seen if at_seam is None else at_seam.skipper()
            frontier: int | None = None  # the furthest millisecond of the lines in range
            past = False  # a line past the seam (desc): the server's `end` included seam + 1
            for record in page:
                ms = record_ms(record)
                if ms is None:  # no place in time: kept or not by its text alone
                    if self._keep(record):
                        kept.append(record)
                    continue
                if ms < low or ms > high:
                    continue  # outside what was asked: a server ignoring the window
                if seam is not None and (ms > seam if descending else ms < seam):
                    past = True
                    continue  # asked for one millisecond more than wanted (desc)
                if frontier is None or (ms < frontier if descending else ms > frontier):
                    frontier = ms
                if ms == seam and seen(record_key(record)):
                    continue
                if self._keep(record):
                    kept.append(record)
            if past and not end_includes:
                # A line past the seam came back for `end` = seam + 1: this server's `end`
                # includes its millisecond, and from now on `end` is the seam itself. A full
                # page may have been spent on those lines: all of it (a crowded millisecond just
                # stepped past), or enough that the seam looks crowded when it is not. It is
                # asked again, what it kept dropped, to be kept from the new answer.
                end_includes = True
                if len(page) >= self._size:
                    del kept[kept_before:]
                    high -= 1  # the seam
                    continue
            if len(page) < self._size or len(kept) >= want or frontier is None:
                return kept
            if reach is not None and (frontier < reach if descending else frontier > reach):
                return kept
            if frontier == seam:  # a whole page inside one millisecond: time cannot page past it
                if self._on_gap is not None:
                    self._on_gap(seam)
                frontier = seam - 1 if descending else seam + 1
                at_seam = Seam(frontier)
            else:
                at_seam = Seam.of_page(page, frontier)
            seam = frontier
            if descending:
                # Lines past the seam are dropped above, whatever `end` includes.
                high = seam if end_includes else seam + 1
                if seam < low:
                    return kept
            else:
                low = seam
                if low > end:
                    return kept
