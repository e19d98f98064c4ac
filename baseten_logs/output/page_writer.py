"""Handing a rendered page to a stream, whole, and a record's field as text.

Every renderer writes a page as one string: these are the pieces they share, so that a signal
arriving during a slow write, or a field holding a number where text belongs, is handled the
same way in every output format.
"""

from __future__ import annotations

from typing import TextIO

# Text handed to a stream at most this many characters at a time (4 KiB of UTF-8 at most).
WRITE_SLICE = 1024


def write_whole(stream: TextIO, text: str) -> None:
    """`text` written whole, even if a signal comes while a slow reader holds the write up.

    CPython's text streams drop the rest of a big write that a signal interrupts after part of
    it went out (measured on 3.11: 1.4 of 2 MB lost, with a handler that returns normally), so
    a page is handed over in slices small enough for the stream's buffer, whose flush does
    resume after a signal. A signal's own exception is held meanwhile (interrupts.deferred)."""
    if len(text) <= WRITE_SLICE:
        stream.write(text)
        return
    for start in range(0, len(text), WRITE_SLICE):
        stream.write(text[start : start + WRITE_SLICE])


class PageWriter:
    """The base of the renderers that write to one stream: a page is written whole, then
    flushed."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def _emit(self, chunk: str) -> None:
        # A flush per page keeps a pipe reader (jq, grep --line-buffered) in step when following.
        write_whole(self._stream, chunk)
        self._stream.flush()

    def close(self) -> None:
        self._stream.flush()


def as_text(value: object) -> str:
    """A field as text: None as "", anything else that is not a string through str()."""
    return "" if value is None else value if isinstance(value, str) else str(value)
