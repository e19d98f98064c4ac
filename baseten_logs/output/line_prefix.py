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
from datetime import datetime

from baseten_logs.base.timeparse import UTC, Zone, zone_marker
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


def _marker_width(zone: Zone | None) -> int:
    """Columns of the zone marker: none unmarked, 1 for `Z`, 6 for `+01:00`."""
    if zone is None:
        return 0
    return 1 if zone.is_utc else len("+01:00")


def cut(text: str) -> str:
    """An unreadable time as it came, cut to MAX_UNTIMED_CHARACTERS (and `…`) if longer."""
    return text if len(text) <= MAX_UNTIMED_CHARACTERS else text[:MAX_UNTIMED_CHARACTERS] + "…"


class LinePrefix:
    """The columns before a message, each styled once and cached with its separator.

    The caches are public for the renderer's per-line loop, which reads them as locals:
    `level_columns` (None: no level), `api_level_columns` (the API's own levels only),
    `replica_columns` (None: no replica), `label_columns` (a chain's chainlets).

    `zone` None is local time unmarked (the default, as always); a zone that was chosen
    (`--tz`, `--utc`, the config's `tz`) is shown with its marker, `Z` or the offset of each
    second (`+01:00`, `+02:00` after the clocks change), in the full and the short form alike,
    so a time is never mistaken for another zone's. `timestamp_end` (the marker, then the
    separator) is current for the second last formatted. `timestamps` False
    (--no-timestamps) empties the time column of any form, as the none form does."""

    def __init__(
        self,
        palette: Palette,
        *,
        utc: bool = False,
        zone: Zone | None = None,
        label_width: int = 0,
        form: PrefixForm = "full",
        timestamps: bool = True,
    ) -> None:
        self._palette = palette
        self.form = form
        self.timestamps = timestamps and form != "none"  # False: no time column
        self.label_width = label_width if form != "none" else 0
        self.label_columns: dict[object, str] = {}
        self._zone = UTC if utc else zone
        self._to_struct_time: Callable[[float], time.struct_time] = (
            time.gmtime if self._zone is not None and self._zone.is_utc else time.localtime
        )
        short = form == "short"
        self._second_format = "%H:%M:%S." if short else "%Y-%m-%d %H:%M:%S."
        # One space between columns in the short form, two before a message in the full one.
        self._gap = 1 if short else 2
        timestamp_on, timestamp_off = palette.style(TIMESTAMP_STYLE)
        self._timestamp_on = timestamp_on
        self._timestamp_off = timestamp_off
        # Milliseconds end the timestamp span; the column separator follows unstyled.
        marker = "" if self._zone is None else zone_marker(None, utc=True)
        self.timestamp_end = marker + timestamp_off + " "
        self._timestamp_width = (SHORT_TIMESTAMP_WIDTH if short else TIMESTAMP_WIDTH) + (
            _marker_width(self._zone)
        )
        # Where the milliseconds are in a nanosecond timestamp: none shown, an empty slice.
        self.millis = slice(-9, -6)
        level_width = 1 if short else LEVEL_WIDTH
        self.message_column = self._timestamp_width + 1 + level_width + 1
        self.message_column += REPLICA_WIDTH + self._gap
        if self.label_width:
            self.message_column += self.label_width + self._gap
        self.level_columns = _level_columns(palette, level_width)
        self.replica_columns: dict[object, str] = {None: " " * (REPLICA_WIDTH + self._gap)}
        if not self.timestamps:
            self._show_no_time()
        if form == "none":
            self._show_nothing()
        self.api_level_columns: dict[object, str] = {
            k: v for k, v in self.level_columns.items() if k is not None
        }
        # What continues a message on the next line: a newline and the message column's indent.
        self.indent = "\n" + " " * self.message_column

    def _show_no_time(self) -> None:
        """--no-timestamps: the time column empty, the other columns moved left by its width."""
        self._timestamp_on = self.timestamp_end = ""
        self.millis = slice(0, 0)
        self.message_column -= self._timestamp_width + 1

    def _show_nothing(self) -> None:
        """The none form: every column empty, the message at column 0."""
        self._timestamp_on = self.timestamp_end = ""
        self.millis = slice(0, 0)
        self.message_column = 0
        self.level_columns = dict.fromkeys(self.level_columns, "")
        self.replica_columns = {None: ""}

    def format_second(self, timestamp: str) -> str:
        """`2026-11-27 10:00:00.` (short form: `10:00:00.`) for the whole second of a
        nanosecond timestamp string; "" when no time is shown.

        Only the documented form (19 ASCII digits) passes: the fast path slices the lines of a
        second it has formatted by position once each is checked to be 19 ASCII digits too, so
        any other form (milliseconds, RFC 3339, or anything else) takes the careful path."""
        if len(timestamp) != 19 or not (timestamp.isascii() and timestamp.isdigit()):
            raise ValueError(f"not an epoch-nanosecond timestamp: {timestamp!r}")
        if not self.timestamps:
            return ""
        seconds = int(timestamp[:-9])
        zone = self._zone
        if zone is None or zone.is_utc:
            moment = self._to_struct_time(seconds)
            return self._timestamp_on + time.strftime(self._second_format, moment)
        aware = datetime.fromtimestamp(seconds, tz=zone.tz)
        if zone.tz is None:
            aware = aware.astimezone()  # local: the offset the C library gives that second
        marker = zone_marker(aware.utcoffset(), utc=False)
        self.timestamp_end = marker + self._timestamp_off + " "
        return self._timestamp_on + aware.strftime(self._second_format)

    def untimed_column(self, timestamp: str) -> str:
        """The time column of a line whose time cannot be read: shown as it came, escaped, cut,
        dim in colour (a blank one unstyled); none when no time is shown."""
        if not self.timestamps:
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
