"""How a text line's prefix is laid out: the time, level, chainlet and replica columns.

`2026-11-27 10:00:00.123 INFO    a1b2c  message`: each column has a fixed width so messages
line up, and is built once (per second of log time, per level, per replica), styled, with its
separator, so the text renderer only joins strings per line. A change to what the prefix shows
(its columns, their widths, the time's form or zone) belongs here.

Three forms (`--prefix`): full (above); short, for narrow terminals (`10:00:00.123 I a1b2c
message`: no date, the level's letter, one space between columns); none (the message alone).
Each form is only other cached strings, so the renderer's per-line loop is the same for all.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from baseten_logs.output.inert import inert
from baseten_logs.output.layout import PrefixForm
from baseten_logs.output.page_writer import as_text
from baseten_logs.output.palette import LEVEL_STYLES, TIMESTAMP_STYLE, Palette

LEVEL_WIDTH = 7  # len("WARNING")
REPLICA_WIDTH = 5  # Baseten's short replica ids
TIMESTAMP_WIDTH = len("2026-11-27 10:00:00.123")
SHORT_TIMESTAMP_WIDTH = len("10:00:00.123")
# A time that cannot be read is shown as it came, up to this many characters: a server's
# 5,000-digit "timestamp" must not push every message off the screen.
MAX_UNTIMED_CHARACTERS = 40


def cut(text: str) -> str:
    """An unreadable time as it came, cut to MAX_UNTIMED_CHARACTERS (and `…`) if longer."""
    return text if len(text) <= MAX_UNTIMED_CHARACTERS else text[:MAX_UNTIMED_CHARACTERS] + "…"


class LinePrefix:
    """The columns before a message, each styled once and cached with its separator.

    The caches are public for the renderer's per-line loop, which reads them as locals:
    `level_columns` (None: no level), `api_level_columns` (the API's own levels only),
    `replica_columns` (None: no replica), `label_columns` (a chain's chainlets)."""

    def __init__(
        self,
        palette: Palette,
        *,
        utc: bool,
        label_width: int = 0,
        form: PrefixForm = "full",
    ) -> None:
        self._palette = palette
        self.form = form
        self.label_width = label_width if form != "none" else 0
        self.label_columns: dict[object, str] = {}
        self._to_struct_time: Callable[[float], time.struct_time] = (
            time.gmtime if utc else time.localtime
        )
        short = form == "short"
        self._second_format = "%H:%M:%S." if short else "%Y-%m-%d %H:%M:%S."
        # One space between columns in the short form, two before a message in the full one.
        self._gap = 1 if short else 2
        timestamp_on, timestamp_off = palette.style(TIMESTAMP_STYLE)
        self._timestamp_on = timestamp_on
        # Milliseconds end the timestamp span; the column separator follows unstyled.
        self.timestamp_end = ("Z" if utc else "") + timestamp_off + " "
        self._timestamp_width = (SHORT_TIMESTAMP_WIDTH if short else TIMESTAMP_WIDTH) + utc
        # Where the milliseconds are in a nanosecond timestamp: none shown, an empty slice.
        self.millis = slice(-9, -6)
        level_width = 1 if short else LEVEL_WIDTH
        self.message_column = self._timestamp_width + 1 + level_width + 1
        self.message_column += REPLICA_WIDTH + self._gap
        if self.label_width:
            self.message_column += self.label_width + self._gap
        self.level_columns = _level_columns(palette, level_width)
        self.replica_columns: dict[object, str] = {None: " " * (REPLICA_WIDTH + self._gap)}
        if form == "none":
            self._show_nothing()
        self.api_level_columns: dict[object, str] = {
            k: v for k, v in self.level_columns.items() if k is not None
        }
        # What continues a message on the next line: a newline and the message column's indent.
        self.indent = "\n" + " " * self.message_column

    def _show_nothing(self) -> None:
        """The none form: every column empty, the message at column 0."""
        self._timestamp_on = self.timestamp_end = ""
        self.millis = slice(0, 0)
        self.message_column = 0
        self.level_columns = dict.fromkeys(self.level_columns, "")
        self.replica_columns = {None: ""}

    def format_second(self, timestamp: str) -> str:
        """`2026-11-27 10:00:00.` for the whole second of a nanosecond timestamp string.

        Only the documented form (19 ASCII digits) passes: the fast path slices the lines of a
        second it has formatted by position once each is checked to be 19 ASCII digits too, so
        any other form (milliseconds, RFC 3339, or anything else) takes the careful path."""
        if len(timestamp) != 19 or not (timestamp.isascii() and timestamp.isdigit()):
            raise ValueError(f"not an epoch-nanosecond timestamp: {timestamp!r}")
        if self.form == "none":
            return ""
        moment = self._to_struct_time(int(timestamp[:-9]))
        return self._timestamp_on + time.strftime(self._second_format, moment)

    def untimed_column(self, timestamp: str) -> str:
        """The time column of a line whose time cannot be read: shown as it came, escaped, cut,
        dim in colour (a blank one unstyled)."""
        if self.form == "none":
            return ""
        on, off = self._palette.style(TIMESTAMP_STYLE)
        shown = inert(cut(timestamp)).ljust(self._timestamp_width)
        return f"{on}{shown}{off} " if timestamp else f"{shown} "

    def replica_column(self, replica: str) -> str:
        """The replica padded to its column, in a colour no other replica in this view has.

        Made once per replica (and cached under the id as it came), so escaping what a hostile
        id holds costs nothing per line. The short form cuts an id longer than Baseten's five
        characters (`abcd…`); none shows no replica."""
        if self.form == "none":
            self.replica_columns[replica] = ""
            return ""
        palette = self._palette
        on, off = palette.replica_style(replica) if palette.color else ("", "")
        shown = inert(replica)
        if self.form == "short" and len(shown) > REPLICA_WIDTH:
            shown = shown[: REPLICA_WIDTH - 1] + "…"
        gap = self._gap
        column = on + shown + off + " " * max(gap, REPLICA_WIDTH + gap - len(shown))
        self.replica_columns[replica] = column
        return column

    def label_column(self, label: object) -> str:
        """A chain's line: its chainlet's name, escaped like a message, padded, coloured."""
        palette = self._palette
        text = "" if label is None else inert(as_text(label))
        on, off = palette.replica_style(text) if palette.color and text else ("", "")
        gap = self._gap
        column = on + text + off + " " * max(gap, self.label_width + gap - len(text))
        self.label_columns[label] = column
        return column


def _level_columns(palette: Palette, width: int) -> dict[str | None, str]:
    """Each level's column, styled and padded: the whole word (width 7) or its letter (1)."""
    columns: dict[str | None, str] = {None: " " * (width + 1)}
    for level, style in LEVEL_STYLES.items():
        on, off = palette.style(style)
        shown = level[:width]
        columns[level] = on + shown + off + " " * (width + 1 - len(shown))
    return columns
