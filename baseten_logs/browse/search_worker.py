"""The view's filter applied, a long search off the UI thread.

A search (`--grep`'s RE2) over 100,000 loaded lines takes from a few milliseconds (a word, or a
pattern found in few lines: browse/grep) to a third of a second or more (a pattern found in
most lines: RE2 is asked once per line found): on the UI thread every key pressed meanwhile
would wait for it. So a search over many lines runs in a Textual thread worker over a copy of
what is held (`LoadedLines.held`: lines keep coming meanwhile), one at a time: a new filter
cancels the search in flight (it stops at its next chunk) and a result is shown only if it is
still the current filter's (a generation number, bumped by every change, and the pattern
compared). A few lines, or a filter with no search (the levels: a translate of a byte a line),
are filtered at once, in order with the keys.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Protocol

from textual.worker import Worker, get_current_worker

from baseten_logs.base.errors import BasetenLogsError
from baseten_logs.browse.lines import Held, Keeping, LoadedLines, ViewFilter, kept_positions
from baseten_logs.browse.picker import Picks
from baseten_logs.reading.filtering import Matcher

__all__ = ["CHUNK", "OFF_THREAD_FROM", "Filtering", "Found", "search_held"]

OFF_THREAD_FROM = 2_000  # lines: fewer are searched in a few milliseconds, at once
CHUNK = 4_096  # lines searched between two looks at whether the search was cancelled


@dataclass(frozen=True)
class Found:
    """A search's answer: the positions kept of the `count` lines held from `first`."""

    generation: int
    search: str
    keeping: Keeping
    first: int
    count: int
    visible: list[int]


def search_held(held: Held, keeping: Keeping, cancelled: Callable[[], bool]) -> list[int] | None:
    """The positions `keeping` keeps, a chunk at a time (None: cancelled on the way)."""
    visible: list[int] = []
    for start in range(0, len(held), CHUNK):
        if cancelled():
            return None
        visible += kept_positions(held.part(start, start + CHUNK), keeping)
    return visible


class FilterHost(Protocol):
    """What the filtering needs of the app (BrowseApp)."""

    following: bool

    def tell(self, text: str) -> None: ...
    def show_status(self) -> None: ...
    def run_worker(
        self,
        work: Callable[[], None],
        name: str | None = ...,
        group: str = ...,
        description: str = ...,
        exit_on_error: bool = ...,
        start: bool = ...,
        exclusive: bool = ...,
        thread: bool = ...,
    ) -> Worker[None]: ...
    def call_from_thread(self, callback: Callable[..., Any], *args: Any) -> Any: ...


class View(Protocol):
    """What the filtering needs of the view (screen.LogView)."""

    cursor: int
    spans: Callable[[str], list[tuple[int, int]]] | None

    @property
    def rows(self) -> int: ...
    def refresh_rows(self) -> None: ...
    def move_to(self, row: int) -> None: ...


class Filtering:
    """The view's filter (the level toggles and the search, `view_filter`; the replicas and
    chainlets picked, `picks`) applied to the lines, the cursor kept on its line."""

    def __init__(
        self,
        host: FilterHost,
        lines: LoadedLines,
        view: View,
        view_filter: ViewFilter,
        spans_of: Callable[[str], Callable[[str], list[tuple[int, int]]]],
    ) -> None:
        self.host = host
        self.lines = lines
        self.view = view
        self.view_filter = view_filter
        self.spans_of = spans_of
        self.picks = Picks()
        self.finds: Matcher | None = None  # the search as a predicate, for n and N
        self.generation = 0  # bumped by every change: an older search's answer is dropped
        self.busy = False  # a filter is being applied off the UI thread
        self.searching = ""  # its pattern ("" none: the picks alone)
        self._worker: Worker[None] | None = None
        self._highlights: tuple[str, Callable[[str], list[tuple[int, int]]]] | None = None

    def _spans(self, search: str) -> Callable[[str], list[tuple[int, int]]]:
        """The highlighter of `search`, the same one while the search is (the view keeps the
        rows it drew for it: a level toggle redraws only the rows it has not drawn)."""
        if self._highlights is None or self._highlights[0] != search:
            self._highlights = (search, self.spans_of(search))
        return self._highlights[1]

    def refilter(self) -> bool:
        """The filter applied anew (False: the search is not a pattern, and was said)."""
        try:
            keeping = self.picks.narrowed(self.view_filter.keeping())
            finds = self.view_filter.finds()
        except BasetenLogsError as error:
            self.host.tell(str(error))
            return False
        self.generation += 1
        if not keeping.reads_lines or len(self.lines) < OFF_THREAD_FROM:
            if self._worker is not None:
                self._worker.cancel()  # its answer would be dropped: stop it working
            self.busy, self.searching, self._worker = False, "", None
            self._show(lambda: self.lines.refilter(keeping), finds)
        else:
            self._search(keeping, finds)
        return True

    def _search(self, keeping: Keeping, finds: Matcher | None) -> None:
        generation, search = self.generation, self.view_filter.search
        held = self.lines.held(keeping)
        host = self.host

        def deliver(found: Found) -> None:
            current = found.generation == self.generation and found.search == search
            if current and search == self.view_filter.search:
                self.busy, self.searching, self._worker = False, "", None
                adopt = self.lines.adopt
                self._show(lambda: adopt(keeping, found.first, found.count, found.visible), finds)

        def work() -> None:
            worker = get_current_worker()
            visible = search_held(held, keeping, lambda: worker.is_cancelled)
            if visible is None:
                return
            found = Found(generation, search, keeping, held.first, len(held), visible)
            try:
                host.call_from_thread(deliver, found)
            except RuntimeError:  # the app has gone
                pass

        self.busy, self.searching = True, search
        host.show_status()
        self._worker = host.run_worker(
            work, thread=True, group="search", exclusive=True, exit_on_error=False
        )

    def _show(self, apply: Callable[[], None], finds: Matcher | None) -> None:
        """`apply` (the lines filtered), then the highlights, the cursor on the line it was on
        (or the nearest kept one before; the newest while following) and the status bar."""
        view, lines = self.view, self.lines
        position = lines.visible[view.cursor] if lines.visible else lines.first
        apply()
        search = self.view_filter.search
        view.spans = self._spans(search) if finds is not None else None
        self.finds = finds
        view.refresh_rows()
        view.move_to(view.rows - 1 if self.host.following else lines.row_of(position))
        self.host.show_status()

    def pick(self, field: str, chosen: frozenset[str] | None) -> None:
        """The replicas (or chainlets) to show (None: every one), applied."""
        self.picks = replace(self.picks, **{field: chosen})
        self.refilter()
