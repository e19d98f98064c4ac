"""Reading endpoints that page by cursor (or offset) instead of by time: sandboxes, audit logs.

The deployment logs endpoint is paged by its window (pager.py): time is the only cursor. Newer
endpoints answer a window in pages linked by an opaque `next_cursor` (or an `offset` and a
`total_count`) and have no newest-first order. This module turns such an endpoint into the
pipeline's `FetchPage` (start, end, direction, limit), so that the Pager, -n, --all, follow,
the local filters and every sink take its lines as they take a deployment's:

- oldest first ("asc"): the window's pages in turn, until `limit` lines came;
- newest first ("desc"): the endpoint cannot go backwards, so the whole window is read forward
  and only its last `limit` lines are kept, in a buffer of that size (memory stays bounded;
  the requests grow with the window, which -v shows).

A walk trusts the server's links but never loops on them. When it must stop although the
server names another page is decided in one place for every cursor-paged endpoint, this
module's `CursorTrail` (the audit trail's walk, audit_pages.py, asks it too): a cursor it was
already given, EMPTY_PAGES_LIMIT empty pages in a row, or "more" with no cursor to ask it with.
Here such a stop is a gap warning (`on_gap`, exit 6) at the last line read, not a request
repeated forever.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

from baseten_logs.api.page import Record
from baseten_logs.base.timestamps import record_ms
from baseten_logs.reading.pager import PAGE_SIZE, Direction, FetchPage

if TYPE_CHECKING:
    from baseten_logs.api.client import ApiClient

# One request: (client, start_ms, end_ms, limit, token) -> (records, the next page's token or
# None at the window's end). The token is the endpoint's own (a cursor; an offset as text).
AskPage = Callable[["ApiClient", int, int, int, "str | None"], "tuple[list[Record], str | None]"]
OnGap = Callable[[int], None]

# Empty pages in a row that still say there is more, after which a walk stops: a server may
# skip a filtered stretch once or twice; a third empty page is a server going nowhere. One limit
# for every cursor walk: what it guards against is the server's, not the endpoint's.
EMPTY_PAGES_LIMIT = 3


class Stop(Enum):
    """Why a cursor walk stops although the server said there is more."""

    NO_CURSOR = "the API said there is more but sent no cursor to ask for it"
    REPEATED_CURSOR = "the API sent a cursor it had sent before (stopped, not looping)"
    EMPTY_PAGES = "empty pages in a row that still said there is more"

    def text(self) -> str:
        """The reason in words, for a warning (the empty pages counted)."""
        return f"{EMPTY_PAGES_LIMIT} {self.value}" if self is Stop.EMPTY_PAGES else self.value


class CursorTrail:
    """The one rule of when a walk over cursor-linked pages goes on: told of each page as it
    comes, it names the cursor to ask next, None at the walk's end, or a `Stop` (the walk is
    incomplete, and says why) where going on would go round or nowhere.

    Cursors followed are kept as hashes: one can be 4 KB long, and a walk may be long."""

    def __init__(self) -> None:
        self._followed: set[int] = set()
        self._empty_in_a_row = 0

    def after(self, *, brought: bool, more: bool, cursor: str | None) -> str | Stop | None:
        """After a page: `brought` whether it had entries, `more` whether the server says there
        is more (an endpoint with no such flag: whether it named a next page), `cursor` the one
        it named."""
        self._empty_in_a_row = 0 if brought else self._empty_in_a_row + 1
        if not more:
            return None
        if cursor is None:
            return Stop.NO_CURSOR
        key = hash(cursor)
        if key in self._followed:
            return Stop.REPEATED_CURSOR
        if self._empty_in_a_row >= EMPTY_PAGES_LIMIT:
            return Stop.EMPTY_PAGES
        self._followed.add(key)
        return cursor


def walk(
    ask: AskPage,
    client: ApiClient,
    start_ms: int,
    end_ms: int,
    *,
    page_size: int = PAGE_SIZE,
    on_gap: OnGap | None = None,
) -> Iterator[list[Record]]:
    """The window's pages oldest first, each entry as the server sent it once; where
    CursorTrail stops the walk (a link seen before, empty pages), a gap at the last line's
    millisecond. No next link is the window's end: the endpoint has no "more" of its own."""
    token: str | None = None
    trail = CursorTrail()
    last_ms = start_ms
    while True:
        records, following = ask(client, start_ms, end_ms, page_size, token)
        if records:
            last_ms = next((ms for r in reversed(records) if (ms := record_ms(r))), last_ms)
            yield records
        step = trail.after(brought=bool(records), more=following is not None, cursor=following)
        if isinstance(step, Stop) and on_gap is not None:
            on_gap(last_ms)
        if not isinstance(step, str):
            return
        token = step


@dataclass(frozen=True)
class CursorPages:
    """A cursor-paged source as the pipeline reads it: `fetcher` makes its FetchPage.
    `keep`: a filter the endpoint lacks, applied before a page is cut to its limit."""

    ask: AskPage
    keep: Callable[[Record], bool] | None = None
    page_size: int = PAGE_SIZE

    def fetcher(self, client: ApiClient, on_gap: OnGap | None = None) -> FetchPage:
        def fetch(start_ms: int, end_ms: int, direction: Direction, limit: int) -> list[Record]:
            size = self.page_size
            if direction == "asc" and self.keep is None:
                size = min(size, max(1, limit))  # the lines wanted, no more
            pages = walk(self.ask, client, start_ms, end_ms, page_size=size, on_gap=on_gap)
            if direction == "asc":
                return _first(pages, limit, self.keep)
            return _last(pages, limit, self.keep)

        return fetch


def _first(
    pages: Iterator[list[Record]], limit: int, keep: Callable[[Record], bool] | None
) -> list[Record]:
    """The first `limit` kept lines, oldest first; no page asked past them."""
    out: list[Record] = []
    for page in pages:
        out.extend(page if keep is None else filter(keep, page))
        if len(out) >= limit:
            return out[:limit]
    return out


def _last(
    pages: Iterator[list[Record]], limit: int, keep: Callable[[Record], bool] | None
) -> list[Record]:
    """The last `limit` kept lines, newest first: the whole window read, `limit` held."""
    held: deque[Record] = deque(maxlen=max(0, limit))
    for page in pages:
        held.extend(page if keep is None else filter(keep, page))
    return list(reversed(held))
