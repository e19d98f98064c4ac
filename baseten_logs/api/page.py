"""What the client answers a logs request with: a page of records and the bytes it holds."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

Record = dict[str, Any]


class Page(list[Record]):
    """A page of records that knows what it holds in memory (`held`, in bytes): measured by the
    client from its answer's bytes (limits.held_bytes), so the prefetch budget counts what is
    really held, whatever the shape of the lines."""

    def __init__(self, records: Iterable[Record] = (), *, held: int) -> None:
        super().__init__(records)
        self.held = held
