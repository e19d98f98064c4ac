"""`-o text`: aligned, optionally coloured lines, at the speed logs arrive.

Speed comes from doing per-page and per-style work once, never per line: each page becomes one
string and one `write()`, styles are ANSI prefixes made once (`palette`), the columns before a
message are built once per second, level and replica (`line_prefix`), and rich is never called
per line. A record the fast path cannot take (a missing field, a number where text belongs)
takes a careful path instead of ending the stream.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping, Sequence
from typing import Any, TextIO

from baseten_logs.base.levels import effective_level
from baseten_logs.base.timeparse import Zone
from baseten_logs.base.timestamps import timestamp_ns
from baseten_logs.output.inert import inert
from baseten_logs.output.layout import MIN_ROOM, Layout, fit
from baseten_logs.output.line_prefix import LinePrefix
from baseten_logs.output.message_shape import FIELDS_MARK, shape_message
from baseten_logs.output.page_writer import PageWriter, as_text
from baseten_logs.output.palette import (
    EVENT_STYLE,
    FIELDS_STYLE,
    LATE_STYLE,
    ColorSystemName,
    Palette,
)
from baseten_logs.output.render_event import (
    EVENT_FIELD,
    event_replica,
    event_text,
    plain_event_line,
)

LATE_MARK = "  (late: arrived after the lines above)"
# A program's own colours would clash with ours and must not leak out when colour is off.
SGR = re.compile(r"\x1b\[[0-9;:]*m")


class TextRenderer(PageWriter):
    """`2026-11-27 10:00:00.123 INFO    a1b2c  message`, optionally coloured."""

    def __init__(
        self,
        stream: TextIO,
        *,
        color: bool,
        utc: bool = False,
        zone: Zone | None = None,
        color_system: ColorSystemName | None = None,
        label_width: int = 0,
        layout: Layout | None = None,
        timestamps: bool = True,
    ) -> None:
        super().__init__(stream)
        layout = layout or Layout()
        self._palette = Palette(stream, color=color, color_system=color_system)
        self._prefix = prefix = LinePrefix(
            self._palette,
            utc=utc,
            zone=zone,
            label_width=label_width,
            form=layout.prefix,
            timestamps=timestamps,
        )
        # The columns a message has when lines are fitted to the terminal (None: left whole).
        self._room = (
            None if layout.width is None else max(layout.width - prefix.message_column, MIN_ROOM)
        )
        self._wrap = layout.wrap
        self._shape = shape_message if layout.message_only else None
        self._fields_style = self._palette.style(FIELDS_STYLE)
        # None, not "": a timestamp too short to hold a second slices to "", which must not
        # match the empty prefix the renderer starts with.
        self._last_second: str | None = None
        self._second_prefix = ""

    def write_page(self, records: Sequence[Mapping[str, Any]]) -> None:
        if not records:
            return
        # Everything the loop touches is a local: attribute look-ups per line add up at 500k/s.
        lines: list[str] = []
        append = lines.append
        prefix = self._prefix
        api_levels = prefix.api_level_columns
        all_levels = prefix.level_columns
        replicas = prefix.replica_columns
        timestamp_end = prefix.timestamp_end
        millis = prefix.millis
        room = self._room
        shape = self._shape
        last_second = self._last_second
        second_prefix = self._second_prefix
        labels = prefix.label_columns if prefix.label_width else None
        label_column = ""
        for record in records:
            try:
                timestamp = record["timestamp"]
                second = timestamp[:-9]
                # Every line's time is checked, not only a new second's: 19 characters that
                # repeat the second may carry anything after it. isascii is O(1).
                if second != last_second or not (timestamp.isascii() and timestamp.isdigit()):
                    second_prefix = prefix.format_second(timestamp)
                    timestamp_end = prefix.timestamp_end  # a zone's offset may change
                    last_second = second
                level = record.get("level")
                level_column = api_levels.get(level)
                if level_column is None:
                    level = effective_level(record)
                    level_column = all_levels[level]
                replica: Any = record.get("replica")
                replica_column = replicas.get(replica)
                if replica_column is None:
                    # Not None (that is in the cache); a non-string fails here and is handled below.
                    replica_column = prefix.replica_column(replica)
                if labels is not None:
                    label = record.get("chainlet")
                    label_column = labels.get(label) or prefix.label_column(label)
                message = record["message"]
                if shape is not None:
                    message = shape(message, level, timestamp)
                if not message.isprintable():
                    message = self._clean(message)
                elif room is not None and (len(message) > room or not message.isascii()):
                    message = prefix.indent.join(fit(message, room, wrap=self._wrap))
                append(
                    f"{second_prefix}{timestamp[millis]}{timestamp_end}"
                    f"{level_column}{label_column}{replica_column}{message}\n"
                )
            except Exception:
                # An odd record (a missing field, a number where a string belongs) must not end
                # the stream: it takes the careful path instead.
                append(self._odd_line(record))
        self._last_second = last_second
        self._second_prefix = second_prefix
        self._emit("".join(lines))

    def write_late(self, records: Sequence[Mapping[str, Any]]) -> None:
        """Lines that arrived after later lines were shown (follow mode): each marked at its end,
        so a break in time order is visible rather than silent."""
        on, off = self._palette.style(LATE_STYLE)
        mark = f"{on}{LATE_MARK}{off}\n"
        stream = self._stream
        lines: list[str] = []
        try:
            for record in records:
                self._stream = buffer = io.StringIO()
                self.write_page([record])
                lines.append(buffer.getvalue().removesuffix("\n") + mark)
        finally:
            self._stream = stream
        self._emit("".join(lines))

    def _clean(self, message: str) -> str:
        """A message made safe and aligned: control codes shown as escapes, continuation lines
        indented under the message column (fitted to the terminal's width when it is known:
        wrapped there too, or cut), trailing blank lines dropped, a JSON log's fields dimmed."""
        message = SGR.sub("", message).rstrip()
        if "\r" in message:
            # Progress bars redraw with a bare \r: every state becomes a line of its own.
            message = message.replace("\r\n", "\n").replace("\r", "\n")
        message = inert(message, multiline=True)
        indent = self._prefix.indent
        room = self._room
        if room is not None:
            wrap = self._wrap
            message = indent.join(
                piece for line in message.split("\n") for piece in fit(line, room, wrap=wrap)
            )
        elif "\n" in message:
            message = message.replace("\n", indent)
        mark = message.rfind(FIELDS_MARK)
        if mark >= 0 and self._shape is not None:
            # Dim from the fields' start to the line's end: the style carries across the
            # newline and indent of a wrapped line.
            on, off = self._fields_style
            message = f"{message[:mark]}{on} {message[mark + 1 :]}{off}"
        return message

    def _time_column(self, raw: object) -> str:
        """The time column of any time form; one that cannot be read shown as it came."""
        prefix = self._prefix
        try:
            ns = timestamp_ns(raw)  # any other form the API may send, read as nanoseconds
            if ns is None:
                raise ValueError(f"not a time: {raw!r}")
            digits = str(ns)
            current_end = prefix.timestamp_end  # the fast path's second keeps its marker
            second = prefix.format_second(digits)
            column = f"{second}{digits[prefix.millis]}{prefix.timestamp_end}"
            prefix.timestamp_end = current_end
            return column
        except (ValueError, OverflowError, OSError):  # shown as it came, in the same column
            return prefix.untimed_column(as_text(raw))

    def _event_line(self, record: Mapping[str, Any]) -> str:
        """A replica start-up (--events): its time and replica in their columns, then its words
        in the event style, where a line's level and message would be."""
        prefix = self._prefix
        replica = event_replica(record)
        replica_column = prefix.replica_columns.get(replica) or prefix.replica_column(replica or "")
        label_column = " " * (prefix.label_width + 2) if prefix.label_width else ""
        on, off = self._palette.style(EVENT_STYLE)
        # No columns (--prefix none): the replica goes into the words, or nothing would say it.
        words = plain_event_line(record) if prefix.form == "none" else event_text(record)
        text = f"{on}{words}{off}"
        blank_level = prefix.level_columns[None]
        time_column = self._time_column(record.get("time"))
        return f"{time_column}{blank_level}{label_column}{replica_column}{text}\n"

    def _odd_line(self, record: Mapping[str, Any]) -> str:
        """The line for a record the fast path could not take (missing fields, unusual types)."""
        if EVENT_FIELD in record:
            return self._event_line(record)
        prefix = self._prefix
        raw = record.get("timestamp")
        timestamp_column = self._time_column(raw)
        replica = record.get("replica")
        if replica is None:
            replica_column = prefix.replica_columns[None]
        else:
            text = as_text(replica)
            replica_column = prefix.replica_columns.get(text) or prefix.replica_column(text)
        level = effective_level(record)
        level_column = prefix.level_columns[level]
        label_column = ""
        if prefix.label_width:
            label = record.get("chainlet")
            label_column = prefix.label_columns.get(label) or prefix.label_column(label)
        message = as_text(record.get("message"))
        if self._shape is not None:
            message = self._shape(message, level, raw)
        message = self._clean(message)
        return f"{timestamp_column}{level_column}{label_column}{replica_column}{message}\n"
