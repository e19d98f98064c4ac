"""Reading a cursor-paged listing (the audit logs'): each page once, until the last.

The answer is `{"items": [...], "pagination": {"has_more": bool, "cursor": str | null}}`; the
next page is asked with the same parameters and `cursor`. A server that answers a cursor it
already gave (a bug, a proxy's cache) would send us round forever, so a cursor seen before
ends the walk, as does `has_more` with no cursor to ask it with, or pages that keep coming
empty: what was read is kept, and the walk says it is incomplete (exit 6), never hangs.

(h-sandbox may add reading/cursor.py for the sandbox logs' `next_cursor` at the same time;
the two are meant to become one reader when merged.)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from baseten_logs.api.client import ApiClient, Params
from baseten_logs.base.errors import ApiError

__all__ = ["CursorWalk", "EMPTY_PAGES_LIMIT"]

EMPTY_PAGES_LIMIT = 3  # empty pages in a row that still say "more": the server goes nowhere


def page_of(body: Any, path: str) -> tuple[list[dict[str, Any]], bool, str | None]:
    """(items, has_more, cursor) of one answer, checked for shape (ApiError if not).

    `has_more` missing is read from the cursor (a cursor means more); a cursor that is not a
    non-empty string is no cursor."""
    items = body.get("items") if isinstance(body, dict) else None
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise ApiError(
            f"the API's answer for {path} is not a list of items",
            hint="please report this with -v output",
        )
    pagination = body.get("pagination")
    pagination = pagination if isinstance(pagination, dict) else {}
    cursor = pagination.get("cursor")
    cursor = cursor if isinstance(cursor, str) and cursor else None
    more = pagination.get("has_more")
    return items, more if isinstance(more, bool) else cursor is not None, cursor


@dataclass
class CursorWalk:
    """One walk over the pages of `path`: iterate it for the pages (each a list of items), then
    read `incomplete` (None: every page was read, or `wanted` items were)."""

    client: ApiClient
    path: str
    params: Params
    wanted: int | None = None  # stop once this many items were read (None: every page)
    log: Callable[[str], None] | None = None
    incomplete: str | None = field(default=None, init=False)
    pages: int = field(default=0, init=False)

    def __iter__(self) -> Iterator[list[dict[str, Any]]]:
        cursor: str | None = None
        given: set[str] = set()
        read = empty_in_a_row = 0
        while True:
            sent = [*self.params, ("cursor", cursor)] if cursor is not None else self.params
            items, more, next_cursor = page_of(self.client.get_json(self.path, sent), self.path)
            self.pages += 1
            if self.wanted is not None:
                items = items[: self.wanted - read]
            read += len(items)
            if items:
                yield items
            if self.wanted is not None and read >= self.wanted or not more:
                return
            empty_in_a_row = 0 if items else empty_in_a_row + 1
            self.incomplete = self._stuck(next_cursor, given, empty_in_a_row)
            if self.incomplete is not None:
                return
            assert next_cursor is not None  # _stuck said so
            given.add(next_cursor)
            cursor = next_cursor

    def _stuck(self, cursor: str | None, given: set[str], empty_in_a_row: int) -> str | None:
        """Why the walk cannot go on though the server said there is more (None: it can)."""
        where = f"{self.path} after {self.pages} pages"
        if cursor is None:
            return f"{where}: the API said there is more but sent no cursor to ask for it"
        if cursor in given:
            return f"{where}: the API sent a cursor it had sent before (stopped, not looping)"
        if empty_in_a_row >= EMPTY_PAGES_LIMIT:
            return f"{where}: {empty_in_a_row} empty pages in a row that still said there is more"
        return None
