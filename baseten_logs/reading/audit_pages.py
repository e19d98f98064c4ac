"""Reading a cursor-paged listing (the audit logs'): each page once, until the last.

The answer is `{"items": [...], "pagination": {"has_more": bool, "cursor": str | null}}`; the
next page is asked with the same parameters and `cursor`. A server that answers a cursor it
already gave (a bug, a proxy's cache) would send us round forever: when the walk stops though
the server says there is more is reading/cursor.CursorTrail's decision, the same as for the
sandbox logs (a cursor seen before, `has_more` with no cursor to ask it with, pages that keep
coming empty). What was read is kept, and the walk says it is incomplete (exit 6), never hangs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from baseten_logs.api.client import ApiClient, Params
from baseten_logs.base.errors import ApiError
from baseten_logs.reading.cursor import CursorTrail, Stop

__all__ = ["CursorWalk"]


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
        trail = CursorTrail()
        read = 0
        while True:
            sent = [*self.params, ("cursor", cursor)] if cursor is not None else self.params
            items, more, next_cursor = page_of(self.client.get_json(self.path, sent), self.path)
            self.pages += 1
            if self.wanted is not None:
                items = items[: self.wanted - read]
            read += len(items)
            if items:
                yield items
            if self.wanted is not None and read >= self.wanted:
                return
            step = trail.after(brought=bool(items), more=more, cursor=next_cursor)
            if isinstance(step, Stop):
                self.incomplete = f"{self.path} after {self.pages} pages: {step.text()}"
            if not isinstance(step, str):
                return
            cursor = step
