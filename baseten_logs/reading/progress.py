"""What a terminal user sees while a long fetch runs, and when nothing matched (stderr only).

A scan of weeks that matches little can take half a minute of blank screen, and an empty result
(a scaled-to-zero deployment, a replica that does not exist) printed nothing at all. On a terminal
a status line says how much of the window is covered, and one line says when nothing matched.
Pipes and -q stay silent: the caller decides that (terminal.shows_progress, messages' quiet).
"""

from __future__ import annotations

import shlex
import threading
import time
from collections.abc import Callable

from baseten_logs.api.page import Record
from baseten_logs.base.timeparse import LOCAL, UTC, Zone, span, zone_label
from baseten_logs.base.timestamps import record_ms
from baseten_logs.output.messages import StatusLine
from baseten_logs.reading.pager import Direction, FetchPage
from baseten_logs.reading.query import Filters

__all__ = ["FetchProgress", "describe_filters", "nothing_matched"]


class FetchProgress:
    """Counts requests, lines read and the part of the window covered, and shows them on a
    status line once the fetch has taken longer than `after` seconds (at most every `every`).

    Fetches may run in worker threads: `lock` serialises the status line with the caller's own
    writes, which must clear it first (see `clear`).
    """

    def __init__(
        self,
        status: StatusLine,
        *,
        window_ms: int,
        after: float = 1.0,
        every: float = 0.25,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.lock = threading.Lock()
        self.requests = 0
        self.lines = 0
        self.covered_ms = 0
        self._status = status
        self._window_ms = max(1, window_ms)
        self._clock = clock
        self._started = clock()
        self._show_from = self._started + after
        self._every = every
        self._shown_at = 0.0
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None

    def start(self) -> FetchProgress:
        """Keep the line up to date even while no answer comes (one request scanning a week of
        logs server-side can take seconds): a thread refreshes it every `every` seconds."""
        if self._ticker is None:
            self._ticker = threading.Thread(target=self._tick, name="progress", daemon=True)
            self._ticker.start()
        return self

    def stop(self) -> None:
        """The fetch is over (or the lines come now): no more refreshes, the line erased."""
        self._stop.set()
        if self._ticker is not None and self._ticker is not threading.current_thread():
            self._ticker.join()
        with self.lock:
            self._status.clear()

    def _tick(self) -> None:
        while not self._stop.wait(self._every):
            with self.lock:
                if not self._stop.is_set() and self._clock() >= self._show_from:
                    self._shown_at = self._clock()
                    self._status.show(self.describe())

    def wrap(self, fetch: FetchPage) -> FetchPage:
        def counted(start: int, end: int, direction: Direction, limit: int) -> list[Record]:
            page = fetch(start, end, direction, limit)
            self._count(start, end, direction, limit, page)
            return page

        return counted

    def extend(self, window_ms: int) -> None:
        """More window to cover: a look-back step (look_back.py) after the default window."""
        with self.lock:
            self._window_ms += max(0, window_ms)

    def clear(self) -> None:
        """Call with `lock` held, before writing anything else to the terminal."""
        self._status.clear()

    def _count(
        self, start: int, end: int, direction: Direction, limit: int, page: list[Record]
    ) -> None:
        last = record_ms(page[-1]) if page else None
        if len(page) < limit or not page:
            covered = end - start  # a short page: the whole request's window is done
        elif last is None:
            covered = 0  # its last line has no readable time: say nothing of progress
        elif direction == "desc":
            covered = end - last
        else:
            covered = last - start
        with self.lock:
            self.requests += 1
            self.lines += len(page)
            self.covered_ms = min(self._window_ms, self.covered_ms + max(0, covered))
            now = self._clock()
            if now >= self._show_from and now - self._shown_at >= self._every:
                self._shown_at = now
                self._status.show(self.describe())

    def describe(self) -> str:
        elapsed = max(self._clock() - self._started, 1e-3)
        return (
            f"fetching… {span(self.covered_ms)} of {span(self._window_ms)} covered, "
            f"{self.lines:,} lines read, {self.requests:,} "
            f"request{'' if self.requests == 1 else 's'}, {self.lines / elapsed:,.0f} lines/s"
        )


_FLAGS = (
    ("min_level", "--level"),
    ("replica", "--replica"),
    ("request_id", "--request-id"),
    ("component", "--component"),
    ("search_pattern", "--grep"),
)


def describe_filters(filters: Filters) -> str:
    """The filters as the flags that set them: `--replica nosuch --grep 'a b'`."""
    words: list[str] = []
    for key, flag in _FLAGS:
        value = getattr(filters, key)
        if key == "search_pattern" and value is not None and filters.ignore_case:
            value = value.removeprefix("(?i)")  # as typed: -i says the rest
        if value is not None:
            words += [flag, shlex.quote(value)]
    for name in filters.replicas:
        words += ["--replica", shlex.quote(name)]
    for text in filters.includes:
        words += ["--include", shlex.quote(text)]
    for text in filters.excludes:
        words += ["--exclude", shlex.quote(text)]
    if filters.ignore_case:
        words.append("-i")
    return " ".join(words)


def nothing_matched(
    since_ms: int, until_ms: int, filters: Filters, *, zone: Zone | None = None, utc: bool = False
) -> str:
    """`no lines between 10:00 and 10:30 matching --replica nosuch`, in the zone the lines are
    shown in (`UTC`, or the chosen zone's name and offset; local time unmarked)."""
    chosen = UTC if utc else zone
    shown = LOCAL if chosen is None else chosen
    start, end = shown.wall(since_ms), shown.wall(until_ms)
    today = shown.wall(int(time.time() * 1000)).date()
    start_text = start.strftime("%H:%M:%S" if start.date() == today else "%Y-%m-%d %H:%M:%S")
    same_day = end.date() == start.date()
    end_text = end.strftime("%H:%M:%S" if same_day else "%Y-%m-%d %H:%M:%S")
    zone_text = "" if chosen is None else " " + zone_label(chosen, until_ms)
    matching = describe_filters(filters)
    return f"no lines between {start_text} and {end_text}{zone_text}" + (
        f" matching {matching}" if matching else ""
    )
