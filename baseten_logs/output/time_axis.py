"""The stats time axis: round bucket sizes, and buckets aligned to round times in the display zone.

Apart from the counting (stats.py) because the axis is a choice about display, made once per run
from the window and the terminal's width, while the counting only takes its result.
"""

from __future__ import annotations

from datetime import datetime, timezone, tzinfo

__all__ = ["BUCKET_SIZES_MS", "bucket_origin", "choose_bucket_ms", "utc_offset_ms"]

_S = 1000
_M = 60 * _S
_H = 60 * _M
_D = 24 * _H
# Round sizes only, so the axis reads 10:00, 10:05, ... and buckets of two runs line up.
BUCKET_SIZES_MS: tuple[int, ...] = (
    _S, 5 * _S, 10 * _S, 30 * _S,
    _M, 5 * _M, 10 * _M, 15 * _M, 30 * _M,
    _H, 3 * _H, 6 * _H, 12 * _H, _D,
)  # fmt: skip


def choose_bucket_ms(span_ms: int, max_buckets: int) -> int:
    """The smallest round bucket that fits the window into `max_buckets` columns.

    One more bucket than span/size is allowed for, since buckets are aligned to round times and
    the window rarely is. Windows too long even for daily buckets get whole multiples of a day.
    """
    max_buckets = max(2, max_buckets)
    for size in BUCKET_SIZES_MS:
        if span_ms // size + 2 <= max_buckets:
            return size
    days = -(-span_ms // (_D * (max_buckets - 2)))
    return max(1, days) * _D


def utc_offset_ms(at_ms: int, tz: tzinfo | None = None) -> int:
    """The offset from UTC at `at_ms` of `tz` (None: the local zone), so buckets can start on
    round times in the zone they are shown in."""
    offset = datetime.fromtimestamp(at_ms / 1000, tz=timezone.utc).astimezone(tz).utcoffset()
    return 0 if offset is None else int(offset.total_seconds() * 1000)


def bucket_origin(since_ms: int, bucket_ms: int, offset_ms: int = 0) -> int:
    """The start of the bucket holding `since_ms`, aligned to round times in the display zone."""
    return (since_ms + offset_ms) // bucket_ms * bucket_ms - offset_ms
