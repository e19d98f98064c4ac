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

A walk trusts the server's links but never loops on them: a cursor it was already given, or
pages that bring nothing yet name another page (more than _MAX_IDLE in a row), end the walk
with a gap warning (`on_gap`, exit 6) at the last line read, not a request repeated forever.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
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

# Empty pages in a row that still name a next one: a server may skip a filtered stretch once or
# twice; past that it is repeating itself.
_MAX_IDLE = 2


def walk(
    ask: AskPage,
    client: ApiClient,
    start_ms: int,
    end_ms: int,
    *,
    page_size: int = PAGE_SIZE,
    on_gap: OnGap | None = None,
) -> Iterator[list[Record]]:
    """The window's pages oldest first, each entry as the server sent it once; a link seen
    before (or idle pages) ends the walk with a gap at the last line's millisecond."""
    token: str | None = None
    given: set[int] = set()  # hashes of the tokens followed: a cursor can be 4 KB long
    idle = 0
    last_ms = start_ms
    while True:
        records, following = ask(client, start_ms, end_ms, page_size, token)
        if records:
            idle = 0
            last_ms = next((ms for r in reversed(records) if (ms := record_ms(r))), last_ms)
            yield records
        else:
            idle += 1
        if following is None:
            return
        key = hash(following)
        if key in given or following == token or idle > _MAX_IDLE:
            if on_gap is not None:
                on_gap(last_ms)
            return
        given.add(key)
        token = following


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
